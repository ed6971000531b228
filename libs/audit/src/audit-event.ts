/**
 * One audited happening, shaped on FHIR AuditEvent / IHE BALP: what was done (action), how it ended
 * (outcome and reason code), by whom (agent), on what (entity), why (purpose of use). Patients appear
 * only as keyed pseudonyms and payloads only as SHA-256 digests.
 */
export interface AuditEventInput {
  readonly action: string;
  readonly outcome: AuditOutcome;
  readonly reasonCode?: string;
  readonly agent?: AuditAgent;
  readonly source?: string;
  readonly entity?: AuditEntity;
  readonly purposeOfUse?: string;
  readonly requestSha256?: string;
  readonly responseSha256?: string;
  readonly traceId?: string;
  readonly correlationId?: string;
}

/** success = FHIR outcome 0, refused = 4 (minor failure: denied by policy), failure = 8. */
export type AuditOutcome = 'success' | 'refused' | 'failure';

export interface AuditAgent {
  readonly subject: string;
  readonly issuer?: string;
  readonly roles?: readonly string[];
  readonly address?: string;
  /** The calling client: a service's certificate SAN, or the token's client claim. */
  readonly clientId?: string;
  /** SHA-256 thumbprint (base64url, as in RFC 8705 `x5t#S256`) of the mutual-TLS client certificate. */
  readonly certificateThumbprint?: string;
}

export interface AuditEntity {
  readonly patientPseudonym?: string;
  readonly model?: string;
  readonly modelVersion?: string;
  readonly consentId?: string;
  readonly consentVersion?: number;
  readonly provisionPath?: string;
  /** The access-policy version that decided the call. */
  readonly policyVersion?: number;
  /** The break-glass grant the call was made under, if any. */
  readonly breakGlassGrantId?: string;
  /**
   * For an inference call: how `modelVersion` was chosen to serve it, as the model's deployed
   * version, as its canary (a version on trial for a share of patients), or pinned by the caller.
   */
  readonly rollout?: 'deployed' | 'canary' | 'pinned';
  /** For feedback on an output: the record (`<stream>/<seq>`) the output's answer named as its audit. */
  readonly outputRecord?: string;
  /** A month of the audit trail itself (`YYYY-MM`), for retention events. */
  readonly auditMonth?: string;
  /** SHA-256 of that month's signed archive (its NDJSON file), for retention events. */
  readonly archiveSha256?: string;
  /** A person's suspension, and the person it locks out (subject at issuer), for suspension events. */
  readonly suspensionId?: string;
  readonly suspendedSubject?: string;
  readonly suspendedIssuer?: string;
  /** A platform key purpose and the key ids now current, for key rotation events. */
  readonly keyPurpose?: string;
  readonly keyIds?: readonly string[];
}

/** The stored, hashed event: the input plus its identity and time. */
export interface AuditEvent extends AuditEventInput {
  readonly id: string;
  readonly recordedAt: string;
}

/** A committed record of a stream's hash chain. */
export interface AuditRecord {
  readonly streamId: string;
  readonly seq: number;
  readonly event: AuditEvent;
  readonly prevHash: string;
  readonly hash: string;
}
