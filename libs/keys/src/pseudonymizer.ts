import { createHmac } from 'node:crypto';

/**
 * Keyed HMAC pseudonyms for patient references: stable for one deployment's key, unlinkable without
 * it, so the audit trail and the consent store never hold a patient identifier in clear.
 */
export class Pseudonymizer {
  constructor(private readonly key: Buffer) {}

  pseudonymize(patientReference: string): string {
    return createHmac('sha256', this.key)
      .update(normalizePatientReference(patientReference))
      .digest('base64url');
  }
}

/** `Patient/123`, ` patient/123 ` and `123` all name the same patient. */
export function normalizePatientReference(reference: string): string {
  const trimmed = reference.trim();
  return trimmed.replace(/^patient\//i, '');
}
