import { FhirSchema, PRECOMPILED_RESOURCE_TYPES } from './fhir-schema.js';

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

  it('uses the validators the build compiled, which judge exactly as compiling the schema does', () => {
    // `npm test` builds first: a missing or stale precompiled module would cost every process seconds.
    for (const type of PRECOMPILED_RESOURCE_TYPES) expect(FhirSchema.isPrecompiled(type)).toBe(true);
    const compiled = new FhirSchema({ precompiled: false });
    const samples: [string, unknown][] = [
      ['Consent', { resourceType: 'Consent', status: 'active', scope: {}, category: [{}], patient: {} }],
      ['Consent', { resourceType: 'Consent', status: 'approved', provision: { type: 'maybe' }, x: 1 }],
      ['Consent', { resourceType: 'Consent', contained: [{ resourceType: 'Patient', gender: 'cat' }] }],
      [
        'Bundle',
        { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'X' } }] },
      ],
      ['AuditEvent', { resourceType: 'AuditEvent', type: { code: 'rest' }, recorded: 'yesterday' }],
      ['AuditEvent', 'not an object'],
    ];
    for (const [type, value] of samples) {
      expect(fhir.validate(type, value)).toEqual(compiled.validate(type, value));
    }
    expect(fhir.validate('Consent', samples[2][1])).toContainEqual(
      expect.objectContaining({ path: '$.contained[0].gender' }),
    );
  });
});
