import { normalizePatientReference } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import type { Provision } from './consent-provision.js';
import type { ConsentVersionEntity } from './consent-version.entity.js';

/** Stands in, in a stored resource, for every reference to the consent's patient. */
export const PATIENT_PLACEHOLDER = 'urn:praesidium:patient';

/** The largest source document accepted (a scanned signed form). */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

/** The FHIR R4 Attachment of a source document, its bytes apart. */
export interface SourceDocument {
  readonly metadata: Record<string, unknown>;
  readonly bytes: Buffer;
}

/** A validated FHIR R4 Consent taken apart into what is stored in clear and what is not. */
export interface SplitConsent {
  readonly patientReference: string;
  /** The resource without id, meta, patient and document bytes; the patient replaced by a placeholder. */
  readonly resource: Record<string, unknown>;
  readonly document: SourceDocument | undefined;
}

/**
 * Splits a (schema-validated) Consent: the patient is dropped (the store keeps a pseudonym) and any
 * other reference to them (performer, verification.verifiedWith…) becomes a placeholder; the source
 * attachment goes to the document vault, encrypted with its title and content type.
 */
export function splitFhirConsent(resource: Record<string, unknown>, patientReference: string): SplitConsent {
  const { id: _id, meta: _meta, patient: _patient, sourceAttachment, ...rest } = resource;
  const scrubbed = replaceStrings(rest, (value) =>
    namesPatient(value, patientReference) ? PATIENT_PLACEHOLDER : value,
  ) as Record<string, unknown>;
  return { patientReference, resource: scrubbed, document: documentOf(sourceAttachment) };
}

function documentOf(attachment: unknown): SourceDocument | undefined {
  if (typeof attachment !== 'object' || attachment === null) return undefined;
  const { data, ...metadata } = attachment as Record<string, unknown>;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : Buffer.alloc(0);
  if (bytes.length > MAX_DOCUMENT_BYTES) throw new ProblemError('consent.document_too_large');
  return { metadata, bytes };
}

/** A stored version as a FHIR R4 Consent again, for the patient reference the caller typed. */
export function toFhirConsent(
  version: Pick<ConsentVersionEntity, 'consentId' | 'version' | 'recordedAt' | 'resource'>,
  patientReference: string,
  document?: SourceDocument,
): Record<string, unknown> & { resourceType: 'Consent'; id: string; provision: Provision } {
  const restored = replaceStrings(version.resource, (value) =>
    value === PATIENT_PLACEHOLDER ? patientReference : value,
  ) as Record<string, unknown> & { provision: Provision };
  return {
    ...restored,
    resourceType: 'Consent',
    id: version.consentId,
    meta: { versionId: String(version.version), lastUpdated: version.recordedAt.toISOString() },
    patient: { reference: patientReference },
    ...(document
      ? { sourceAttachment: { ...document.metadata, data: document.bytes.toString('base64') } }
      : {}),
  };
}

/** The bytes sealed in the vault: a length-prefixed JSON of the attachment's metadata, then the data. */
export function encodeDocument(document: SourceDocument): Buffer {
  const metadata = Buffer.from(JSON.stringify(document.metadata));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(metadata.length);
  return Buffer.concat([length, metadata, document.bytes]);
}

export function decodeDocument(plaintext: Buffer): SourceDocument {
  const length = plaintext.readUInt32BE(0);
  return {
    metadata: JSON.parse(plaintext.subarray(4, 4 + length).toString('utf8')) as Record<string, unknown>,
    bytes: plaintext.subarray(4 + length),
  };
}

/**
 * Whether a reference names the consent's patient: `Patient/<id>`, alone or at the end of a URL. The
 * type is read as the pseudonymizer reads it (any case); the id is case-sensitive, as FHIR ids are, so
 * `Patient/ABC` (another patient, a parent who signed) is never taken for `Patient/abc`.
 */
function namesPatient(value: string, patientReference: string): boolean {
  const id = normalizePatientReference(patientReference);
  const match = /(?:^|\/)patient\/([^/]+)$/i.exec(value.trim());
  return match !== null && match[1] === id;
}

function replaceStrings(value: unknown, replace: (value: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((item) => replaceStrings(item, replace));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, replaceStrings(item, replace)]),
    );
  return value;
}
