import { statement, type Citation, type Statement } from './document-model.js';

/**
 * What the Praesidium platform itself does, stated once for every document that needs it. These are
 * not registry records: each cites the part of the platform (README section or source file) that
 * says it, and the tests that prove it. Keep them true when the platform changes.
 */
export const platformCitation = (field: string): Citation => ({
  record: 'platform',
  id: 'praesidium',
  field,
});

export const PLATFORM = {
  gatewayControls: statement(
    'Platform controls',
    'Model inference runs behind the Praesidium gateway: deny-by-default access policy, schema validation of every input, an append-only hash-chained audit trail, and a CycloneDX SBOM of the platform (document kind `sbom`).',
    [platformCitation('README#the-inference-path')],
  ),
  auditTrail: statement(
    'Automatic recording of events',
    'Every inference call is recorded by the gateway in an append-only audit trail before the request is forwarded and before the answer is released: the caller, roles, purpose of use, pseudonymised patient reference, consent decision, access-policy version, model name and version, and the SHA-256 of the request and of the response (never a patient identifier or payload). Each record carries the SHA-256 of the previous one (RFC 8785 canonical JSON); database triggers refuse UPDATE, DELETE and TRUNCATE; every 60 s a Merkle tree head over all records is signed as an ES256 JWS (audit-checkpoint key). Refusals are recorded with their reason code. Clinician feedback on an output (accepted, modified, rejected, with a coded reason) is recorded against the output’s record.',
    [platformCitation('README#the-audit-trail'), platformCitation('libs/audit/src/hash-chain.ts')],
  ),
  auditUse: statement(
    'Use of the logs',
    'The trail is searched and exported (FHIR R4 AuditEvent bundle, NDJSON, CSV) by security officers, verified end to end by `praesidium audit verify` or an inspector with public keys only (docs/audit-verification.md), archived per closed month with a signed manifest, and kept in monthly partitions until archived. It identifies situations of risk (refusals, break-glass, circuit breaker, drift alerts), serves post-market monitoring (feedback, per-version outcomes) and lets deployers monitor operation.',
    [platformCitation('README#audit-retention-monthly-partitions-archive-then-drop')],
  ),
  transparency: statement(
    'Transparency at the point of use',
    'Every answer released by the gateway carries the model name and version, its intended use, its limitations, a notice and the reference of its audit record; `GET /v2/models/{name}` gives the intended use, limitations and each version’s status and manifest hash to any caller the policy lets read the model.',
    [platformCitation('README#the-gateways-protocols-limits-and-oversight')],
  ),
  oversight: statement(
    'Oversight and stop',
    'A version is served only when the registry has it approved or deployed; approval needs two distinct signers (ethics board and regulatory affairs, neither the submitter) on the current approval record; a deployed version can be suspended at once (`suspend`), resumed or retired, and the gateway stops serving it. Clinicians may override or reject any output and record why (`POST /v2/feedback`).',
    [
      platformCitation('libs/model-registry/src/lifecycle/lifecycle.ts'),
      platformCitation('README#the-model-registry'),
    ],
  ),
  securityArchitecture: {
    global: statement(
      'Global system view',
      'Clients (clinical applications) reach models only through the gateway (TLS, optionally mutual TLS; bearer JWT from trusted issuers only). The gateway authenticates, resolves the deployed version in the registry, rate-limits, authorizes (CASL policy, versioned, four-eyes approval), checks consent, validates the input schema, audits, then forwards to the model backend with a 30-second ES256 assertion bound to the body; the governance service holds the registry, policies, consents, audit search and documents; PostgreSQL (or embedded PGlite) stores everything; Redis shares rate limits and jobs.',
      [platformCitation('README#the-inference-path')],
    ),
    multiPatient: statement(
      'Multi-patient harm view',
      'A compromised or faulty model affects every patient it serves: the gateway serves only approved or deployed versions pinned by manifest hash, a version is suspended for all patients at once, a circuit breaker and a concurrency limit per backend contain a failing backend, rate limits per principal and per model bound mass use, and drift and performance alerts of the registry flag population-wide degradation.',
      [platformCitation('README#the-gateways-protocols-limits-and-oversight')],
    ),
    updateability: statement(
      'Updateability and patchability view',
      'Platform updates are npm releases whose dependency tree is the CycloneDX SBOM of this bundle; model updates are new registry versions that pass the lifecycle (evidence, bias report sign-off, two signatures) and, for planned changes, the predetermined change control plan; signing and encryption keys rotate with a grace period (`praesidium keys rotate`).',
      [platformCitation('README#the-cli'), platformCitation('README#the-model-registry')],
    ),
    useCases: statement(
      'Security use case views (including AI)',
      'Inference by a clinician (authenticated, authorized per department and attested training, consent checked, audited); break-glass in an emergency (declared, time-limited, alerted, reviewed); a hostile input (refused at the edge by schema and parser limits, audited); a model extraction or inversion attempt (bounded by rate limits per principal and model, every call attributable in the audit trail); model replacement (refused: only registry versions with their manifest hash are served, and backends accept only the gateway’s assertion).',
      [platformCitation('README#break-glass'), platformCitation('README#attacks-we-test')],
    ),
  },
  aiThreats: [
    [
      'Data poisoning',
      'training and test datasets are content-addressed (SHA-256) in the registry with datasheets and data-quality reports; a re-trained version passes the PCCP acceptance criteria per subgroup and the two-signature approval before it can be deployed.',
    ],
    [
      'Model inversion and extraction',
      'inference needs an authorized principal, rate limits per principal and per model bound query volume, and every query is attributable in the audit trail.',
    ],
    [
      'Evasion (adversarial inputs)',
      'inputs are validated against the version’s JSON Schema and parser limits at the edge; post-market drift (PSI per feature) and performance floors raise alerts.',
    ],
    [
      'Data leakage',
      'patient references are pseudonymised with a keyed HMAC before they reach logs, traces or the audit trail; payloads are hashed, never stored; bodies may be end-to-end encrypted (JWE); the leak-check suite scans logs, spans, every table and exports for sentinel identifiers.',
    ],
  ] as const,
  securityTests: [
    [
      'test/attacks/owasp-api-top10.test.ts',
      'the OWASP API Security Top 10 (2023) against the running platform over HTTP (authorization, authentication, mass assignment, resource limits, injection, SSRF, misconfiguration)',
    ],
    [
      'test/attacks/parser-fuzz.test.ts',
      'property-based fuzzing (fast-check) of every outside-input parser, inference bodies of both protocols included: never a 5xx, every refusal problem+json',
    ],
    [
      'test/attacks/leak-check.test.ts',
      'sentinel patient ids, payloads and consent documents absent from logs, spans, every table and audit exports',
    ],
    [
      'test/security/hostile-tokens.test.ts',
      'forged, expired, algorithm-confused and key-injecting tokens refused',
    ],
    [
      'test/security/trusted-issuers.test.ts',
      'tokens of untrusted issuers refused before any key is fetched',
    ],
    ['test/security/client-certificate.test.ts', 'mutual TLS and certificate-bound tokens'],
    [
      'test/integration/audit-checkpoints.test.ts',
      'edited, deleted, inserted, swapped and forged audit records found by verification',
    ],
  ] as const,
  cybersecurityManagement: statement(
    'Cybersecurity management plan',
    'The SBOM names every component of the platform by package URL and hash, so advisories can be matched against it; fixes ship as platform releases, each with its own SBOM; signing and encryption keys rotate with a grace period and can be retired at once when believed compromised.',
    [platformCitation('README#the-cli'), platformCitation('README#encryption-jwe')],
  ),
} as const;

/** One statement per AI threat, each with the platform control that answers it. */
export function aiThreatStatements(): Statement[] {
  return PLATFORM.aiThreats.map(([threat, control]) =>
    statement(`AI threat: ${threat}`, control, [platformCitation('README#attacks-we-test')]),
  );
}

/** The project's own security tests, each a statement citing its test file. */
export function securityTestStatements(): Statement[] {
  return PLATFORM.securityTests.map(([file, what]) =>
    statement('Platform security test', `${file}: ${what}.`, [platformCitation(file)]),
  );
}
