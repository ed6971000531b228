import { FhirSchema } from './fhir-schema.js';

describe('FHIR R4 validation against the official schema', () => {
  const fhir = new FhirSchema();

  it('accepts a valid Consent', () => {
    expect(
      fhir.validate('Consent', {
        resourceType: 'Consent',
        status: 'active',
        scope: { coding: [{ code: 'treatment' }] },
        category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
        patient: { reference: 'Patient/1' },
        provision: { type: 'permit', purpose: [{ code: 'TREAT' }] },
      }),
    ).toEqual([]);
  });

  it('names the JSON path of each problem', () => {
    const problems = fhir.validate('Consent', {
      resourceType: 'Consent',
      status: 'approved',
      scope: { coding: [{ code: 'treatment' }] },
      category: [{}],
      provision: { type: 'maybe', purpose: [{ code: 7 }] },
      colour: 'blue',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '$.status' }),
        expect.objectContaining({ path: '$.provision.type' }),
        expect.objectContaining({ path: '$.provision.purpose[0].code' }),
        { path: '$.colour', message: 'is not a FHIR element here' },
      ]),
    );
  });
});
