import { PATIENT_PLACEHOLDER, splitFhirConsent, toFhirConsent } from './fhir-consent.js';

describe('FHIR consent: the patient replaced by a placeholder', () => {
  it("replaces the patient's own references and keeps another patient's whose id differs only in case", () => {
    // FHIR ids are case-sensitive: Patient/ABC (here the mother, who signed) is not Patient/abc.
    const resource = {
      resourceType: 'Consent',
      performer: [{ reference: 'Patient/ABC' }, { reference: 'Patient/abc' }],
      verification: [
        { verified: true, verifiedWith: { reference: 'https://fhir.hospital.example/fhir/Patient/abc' } },
      ],
      provision: { type: 'permit' },
    };
    const { resource: stored } = splitFhirConsent(resource, 'Patient/abc');
    expect(stored.performer).toEqual([{ reference: 'Patient/ABC' }, { reference: PATIENT_PLACEHOLDER }]);
    expect(stored.verification).toEqual([
      { verified: true, verifiedWith: { reference: PATIENT_PLACEHOLDER } },
    ]);
    const exported = toFhirConsent(
      { consentId: 'c1', version: 1, recordedAt: new Date(), resource: stored },
      'Patient/abc',
    );
    expect(exported.performer).toEqual(resource.performer);
  });
});
