/**
 * The stable reason codes a caller can see, with their HTTP status and title.
 * Codes never change meaning once released; README.md lists them for users to search.
 */
export const REASONS = {
  'token.missing': { status: 401, title: 'A bearer token is required' },
  'token.malformed': { status: 401, title: 'The bearer token is not a well-formed JWT' },
  'token.signature_invalid': {
    status: 401,
    title: 'The token signature does not verify against the issuer keys',
  },
  'token.algorithm_forbidden': {
    status: 401,
    title: 'The token is signed with an algorithm that is not allowed',
  },
  'token.expired': { status: 401, title: 'The token has expired' },
  'token.not_yet_valid': { status: 401, title: 'The token is not valid yet' },
  'token.issuer_untrusted': { status: 401, title: 'The token was issued by an issuer that is not trusted' },
  'token.audience_mismatch': { status: 401, title: 'The token was not issued for this service' },
  'token.claims_invalid': {
    status: 401,
    title: 'The token lacks a required claim or carries an invalid one',
  },
  'token.lifetime_too_long': { status: 401, title: 'The token lifetime exceeds the allowed maximum' },
  'token.keys_unavailable': {
    status: 503,
    title: 'The issuer keys cannot be fetched; no token can be verified',
  },
  'token.type_unexpected': {
    status: 401,
    title: 'The token is not of the JWS type (typ) this issuer signs its tokens with',
  },
  'token.header_forbidden': {
    status: 401,
    title: 'The token header names a key (jku, x5u, jwk, x5c); keys come from the issuer configuration only',
  },
  'token.roles_missing': {
    status: 403,
    title: 'The token carries no role that maps to a Praesidium role',
  },
  'token.discovery_invalid': {
    status: 503,
    title: 'The issuer discovery document does not name the configured issuer or its keys',
  },
  'token.binding_required': {
    status: 401,
    title: 'This issuer requires certificate-bound tokens (RFC 8705 cnf.x5t#S256)',
  },
  'token.certificate_required': {
    status: 401,
    title: 'The token is bound to a client certificate and none was presented',
  },
  'token.certificate_mismatch': {
    status: 401,
    title: 'The token is bound to another client certificate than the one presented',
  },
  'certificate.required': { status: 401, title: 'A client certificate is required (mutual TLS)' },
  'certificate.untrusted': {
    status: 401,
    title: 'The client certificate does not verify against the trusted client CA bundle',
  },
  'token.demo_refused': {
    status: 403,
    title: 'Demo tokens are refused: the demo is off (PRAESIDIUM_DEMO) or this is production',
  },
  'assertion.missing': { status: 401, title: 'This model accepts calls through the Praesidium gateway only' },
  'assertion.invalid': { status: 401, title: 'The gateway assertion does not verify' },
  'assertion.replayed': { status: 401, title: 'This gateway assertion was already used' },
  'access.denied': { status: 403, title: 'Your role and attributes do not allow this action' },
  'policy.invalid': {
    status: 422,
    title: 'The policy document does not parse or names something unknown; the active policy stays in force',
  },
  'policy.four_eyes': {
    status: 403,
    title: 'A policy version must be approved by a security officer other than its author',
  },
  'policy.not_found': { status: 404, title: 'No policy version has this number' },
  'policy.not_pending': { status: 409, title: 'This policy version has already been activated' },
  'policy.stale': {
    status: 409,
    title: 'Another policy version was activated after this one was proposed: propose the change again',
  },
  'policy.unavailable': { status: 503, title: 'No active access policy could be loaded; access is denied' },
  'access.principal_suspended': {
    status: 403,
    title: 'A security officer has suspended your access; every token of yours is refused until it is lifted',
  },
  'access.suspensions_unavailable': {
    status: 503,
    title: 'The list of suspended people cannot be read; access is denied until it can',
  },
  'suspension.self': {
    status: 403,
    title: 'You cannot suspend yourself, nor lift your own suspension; ask another security officer',
  },
  'suspension.already_active': {
    status: 409,
    title: 'This person is already suspended; lift that suspension first to record a new one',
  },
  'suspension.not_found': { status: 404, title: 'No suspension has this id' },
  'suspension.lifted': { status: 409, title: 'This suspension has already been lifted' },
  'break_glass.not_found': { status: 404, title: 'No break-glass grant has this id' },
  'break_glass.closed': { status: 409, title: 'The break-glass grant has already ended or been reviewed' },
  'break_glass.not_ended': { status: 409, title: 'A break-glass grant is reviewed once it has ended' },
  'model.unknown': { status: 404, title: 'No model is registered under this name' },
  'model.not_deployed': { status: 409, title: 'The model has no deployed, approved version' },
  'model.exists': { status: 409, title: 'A model is already registered under this name' },
  'model_version.unknown': { status: 404, title: 'The model has no version with this number' },
  'model_version.exists': { status: 409, title: 'The model already has a version with this number' },
  'model_version.immutable': {
    status: 409,
    title: 'Only a draft version may change; make a new version instead',
  },
  'model_version.schema_invalid': {
    status: 422,
    title: 'An input or output JSON Schema is not a valid JSON Schema',
  },
  'lifecycle.transition_invalid': { status: 409, title: 'The version cannot take this step from its status' },
  'lifecycle.validation_missing': { status: 409, title: 'The version has no validation evidence' },
  'lifecycle.bias_report_missing': { status: 409, title: 'The version has no completed bias report' },
  'lifecycle.bias_report_unsigned': {
    status: 409,
    title: 'No bias report of the version is signed off (approved) by the ethics board',
  },
  'lifecycle.signature_missing': {
    status: 409,
    title: 'Approval needs signatures of the ethics board and of regulatory affairs on the current record',
  },
  'lifecycle.signers_not_distinct': {
    status: 409,
    title: 'The ethics board and regulatory affairs signatures must be by two different people',
  },
  'lifecycle.submitter_signed': {
    status: 409,
    title: 'The submitter of a version may not sign its approval',
  },
  'lifecycle.submitter_reviews': { status: 403, title: 'The submitter of a version may not approve it' },
  'lifecycle.pccp_failed': {
    status: 409,
    title: 'The version fails an acceptance check of its change-control plan',
  },
  'lifecycle.already_deployed': { status: 409, title: 'Another version of this model is deployed' },
  'canary.share_invalid': {
    status: 400,
    title: 'A canary share is a whole percent from 1 to 50',
  },
  'canary.version_not_approved': {
    status: 409,
    title: 'Only an approved version that is not the deployed one can be a canary',
  },
  'canary.already_running': {
    status: 409,
    title: 'The model already has a canary running: promote or abort it first',
  },
  'canary.not_running': { status: 409, title: 'The model has no canary running' },
  'canary.no_deployment': {
    status: 409,
    title: 'The model has no deployed version for a canary to run beside',
  },
  'signature.reauthentication_failed': {
    status: 401,
    title: 'Signing needs your signing PIN: it is missing or wrong',
  },
  'signature.record_mismatch': {
    status: 409,
    title: 'The record you signed is not the current record of the version; reload it and sign again',
  },
  'signature.locked': {
    status: 423,
    title: 'Too many wrong signing PINs: signing is locked for a while; the attempts are audited',
  },
  'signature.role_invalid': { status: 403, title: 'You do not hold the role you sign as' },
  'signature.pin_exists': { status: 409, title: 'A signing PIN is set; give the current one to change it' },
  'signature.pin_unbound': {
    status: 409,
    title:
      'A signing PIN of your subject was set before PINs were kept per issuer: an operator binds it to its issuer first',
  },
  'evidence.too_large': { status: 413, title: 'The evidence file is larger than allowed' },
  'evidence.type_invalid': { status: 415, title: 'The evidence file is not of an allowed type' },
  'evidence.name_invalid': { status: 422, title: 'The evidence file name is not a plain file name' },
  'evidence.details_invalid': { status: 422, title: 'The evidence details do not validate for its kind' },
  'pccp.missing': { status: 409, title: 'The model has no change-control plan' },
  'dataset.exists': { status: 409, title: 'The model already has a dataset with this name' },
  'dataset.not_independent': {
    status: 409,
    title: 'A test set must not have the content of a training or tuning set of the same model',
  },
  'consent.absent': { status: 403, title: 'No consent of the patient covers this purpose of use' },
  'consent.denied': { status: 403, title: 'The patient has refused this purpose of use' },
  'consent.revoked': { status: 403, title: "The patient's consent for this use was revoked" },
  'consent.version_conflict': {
    status: 409,
    title: 'The consent was changed by someone else meanwhile; read it again and retry',
  },
  'consent.document_too_large': { status: 413, title: 'The consent source document is larger than 10 MB' },
  'request.invalid': { status: 400, title: 'The request does not validate' },
  'request.patient_missing': { status: 400, title: 'A patient reference is required' },
  'request.purpose_invalid': {
    status: 400,
    title: 'A supported purpose of use (v3 PurposeOfUse code) is required',
  },
  'request.too_large': { status: 413, title: 'The request body is larger than allowed' },
  'request.headers_too_large': { status: 431, title: 'The request headers are larger than allowed' },
  'request.timeout': {
    status: 408,
    title: 'The request was not received in time (PRAESIDIUM_HTTP_REQUEST_TIMEOUT_MS)',
  },
  'request.unsupported_media_type': { status: 415, title: 'The request content type is not supported' },
  'request.not_found': { status: 404, title: 'No such resource' },
  'jwe.malformed': {
    status: 400,
    title: 'The body is not a compact JWE (five base64url parts, a JSON header)',
  },
  'jwe.algorithm_forbidden': {
    status: 400,
    title: 'The JWE uses an algorithm other than ECDH-ES or RSA-OAEP-256 with A256GCM',
  },
  'jwe.header_forbidden': {
    status: 400,
    title: 'The JWE header carries zip, crit or a key reference (jku, jwk, x5u, x5c, x5t)',
  },
  'jwe.key_unknown': { status: 400, title: "The JWE names no kid, or one that is not the gateway's" },
  'jwe.key_retired': {
    status: 400,
    title: "The JWE is for a gateway key past its grace period; fetch the gateway's current keys",
  },
  'jwe.decryption_failed': {
    status: 400,
    title: 'The JWE does not decrypt with the key it names (wrong key, or tampered)',
  },
  'jwe.recipient_key_missing': {
    status: 406,
    title: 'An encrypted response needs an encryption key registered for you (POST /client-keys)',
  },
  'jwe.stream_unsupported': {
    status: 406,
    title: 'A streamed answer is not encrypted: ask for an encrypted answer without stream: true',
  },
  'client_key.invalid': {
    status: 422,
    title: 'The key is not an EC P-256 or RSA (2048 bits or more) public JWK with use: enc',
  },
  'audit.unavailable': { status: 503, title: 'The audit trail cannot be written; nothing was forwarded' },
  'audit.retention_refused': {
    status: 409,
    title:
      'The audit month cannot be dropped: it is open, not covered by a checkpoint, or its archive does not match',
  },
  'database.unavailable': { status: 503, title: 'The database is unavailable' },
  'bias.input_invalid': {
    status: 422,
    title: 'The evaluation file does not validate; nothing was stored (see errors by line and column)',
  },
  'bias.report_not_ready': { status: 409, title: 'The bias report has not been computed yet' },
  'bias.dataset_unknown': { status: 404, title: 'No registry dataset has this id' },
  'bias.dataset_mismatch': {
    status: 422,
    title:
      "The evaluation file is not the named dataset: its SHA-256 differs from the dataset's content hash",
  },
  'bias.requester_signs': { status: 403, title: 'The requester of a bias report may not sign it off' },
  'document.not_ready': { status: 409, title: 'The regulatory document has not been generated yet' },
  'jobs.unavailable': { status: 503, title: 'The job queue is unavailable' },
  'backend.unavailable': { status: 502, title: 'The model backend could not be reached' },
  'backend.timeout': { status: 504, title: 'The model backend did not answer in time' },
  'backend.invalid_response': { status: 502, title: 'The model backend answered with an invalid response' },
  'backend.circuit_open': {
    status: 503,
    title: 'The model backend failed repeatedly; calls are paused until a trial call succeeds',
  },
  'backend.saturated': { status: 503, title: 'The model backend has as many calls in flight as allowed' },
  'model.version_unknown': { status: 404, title: 'The model has no version with this number' },
  'model.version_not_approved': {
    status: 409,
    title: 'This version is not approved or deployed, so it cannot be pinned',
  },
  'rate_limit.exceeded': { status: 429, title: 'Too many calls for you or for this model; retry later' },
  'rate_limit.unavailable': {
    status: 503,
    title: 'The rate-limit store cannot be reached; calls are refused',
  },
  'request.abandoned': { status: 400, title: 'The caller went away before the answer was complete' },
  'feedback.output_unknown': { status: 404, title: 'No model output has this audit record' },
  'feedback_schedule.period_mismatch': {
    status: 409,
    title:
      'The feedback schedule run was queued with another period than the one in force; it recorded nothing',
  },
  'metrics.forbidden': {
    status: 403,
    title: 'Metrics are readable with the metrics token (or from loopback, outside production)',
  },
  'console.sign_in_required': { status: 401, title: 'Sign in to use the console' },
  'console.sign_in_failed': {
    status: 401,
    title: 'The sign-in did not complete; start again from the sign-in page',
  },
  'console.csrf_invalid': {
    status: 403,
    title: 'The form was not sent from this console page (missing or wrong CSRF token); reload and retry',
  },
  'internal.error': { status: 500, title: 'An internal error occurred' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ReasonCode = keyof typeof REASONS;
