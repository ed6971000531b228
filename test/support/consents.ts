export const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

/**
 * A minimal valid FHIR R4 Consent about `patient`: `type` (permit by default) for the given purposes
 * of use (TREAT by default), dated a minute ago; `extra` adds or replaces top-level fields.
 */
export function purposeConsent(
  patient: string,
  options: { type?: 'permit' | 'deny'; purposes?: readonly string[] } = {},
  extra: Record<string, unknown> = {},
) {
  const { type = 'permit', purposes = ['TREAT'] } = options;
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ code: 'treatment' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: patient },
    dateTime: new Date(Date.now() - 60_000).toISOString(),
    provision: { type, purpose: purposes.map((code) => ({ system: ACT_REASON, code })) },
    ...extra,
  };
}
