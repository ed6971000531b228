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
  /**
   * The calling client: for a service principal, the URI (else DNS) SAN of its verified client
   * certificate; otherwise the token's client claim (`azp`, `client_id`, … as mapped), if any.
   */
  readonly clientId?: string;
  /** SHA-256 thumbprint (base64url, RFC 8705 `x5t#S256`) of the verified client certificate, if any. */
  readonly certificateThumbprint?: string;
}

/** The `iss` of the assertions the gateway signs for model backends. */
export const GATEWAY_ASSERTION_ISSUER = 'praesidium-gateway';
/**
 * The JWS `typ` of those assertions (RFC 8725 §3.11): a backend accepts no other JWS as one, whatever
 * key signed it.
 */
export const GATEWAY_ASSERTION_JWS_TYPE = 'praesidium-gateway-assertion+jwt';
