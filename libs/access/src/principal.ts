export const ROLES = [
  'clinician',
  'security-officer',
  'regulatory-affairs',
  'ethics-board',
  'model-owner',
  'administrator',
  'service',
] as const;
export type Role = (typeof ROLES)[number];

/** A verified identity: who is calling and the attributes policies decide on. */
export interface Principal {
  readonly subject: string;
  readonly issuer: string;
  readonly name?: string;
  readonly roles: readonly Role[];
  readonly departments: readonly string[];
  readonly site?: string;
  /** Models whose training the person has attested (by model name). */
  readonly trainings: readonly string[];
  readonly expiresAt: number;
}

/** The `iss` of the assertions the gateway signs for model backends. */
export const GATEWAY_ASSERTION_ISSUER = 'praesidium-gateway';
