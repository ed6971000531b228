import { FhirSchema } from '@praesidium/fhir';
import type { AuditRecord } from '../audit-event.js';
import { GENESIS_HASH, recordHash } from '../hash-chain.js';
import { csvCell, toCsv } from './tabular-export.js';
import { toFhirAuditBundle, toFhirAuditEvent } from './fhir-audit-event.js';

/** The official FHIR R4 schema, narrowed to a Bundle: true when valid. */
function officialFhirValidator() {
  const fhir = new FhirSchema();
  return (bundle: unknown) => fhir.validate('Bundle', bundle);
}

function record(overrides: Partial<AuditRecord['event']> = {}): AuditRecord {
  const event = {
    id: '8c3b2a8e-7a43-4c0e-9d0a-3f0b0e0c6c11',
    recordedAt: '2026-11-24T10:00:00.000Z',
    action: 'inference.request',
    outcome: 'refused' as const,
    reasonCode: 'consent.denied',
    source: 'gateway',
    agent: {
      subject: 'dr.amara.rivera',
      issuer: 'https://idp.example.org',
      roles: ['clinician'],
      address: '10.0.0.7',
    },
    entity: {
      patientPseudonym: 'JQBmPTABAoClRzweWrUxq4ZdbdFxOCvpoiwvIsvi2do',
      model: 'lumbar-esi-outcome',
      modelVersion: '1.0.0',
      consentId: 'a33d090d-9a8a-46e6-91bd-439df937a62a',
      consentVersion: 1,
      provisionPath: 'provision',
    },
    purposeOfUse: 'TREAT',
    requestSha256: 'ab'.repeat(32),
    correlationId: 'c-1',
    ...overrides,
  };
  return {
    streamId: 'gateway.s',
    seq: 1,
    event,
    prevHash: GENESIS_HASH,
    hash: recordHash('gateway.s', 1, GENESIS_HASH, event),
  };
}

describe('audit export', () => {
  it('produces FHIR R4 AuditEvents that the official FHIR JSON Schema accepts', () => {
    const validate = officialFhirValidator();
    const bundle = toFhirAuditBundle([
      record(),
      record({ outcome: 'success', reasonCode: undefined, action: 'consent.recorded' }),
    ]);
    expect(validate(bundle)).toEqual([]);
    const retention = record({
      action: 'audit.month.dropped',
      outcome: 'success',
      reasonCode: undefined,
      agent: { subject: 'database-role:praesidium_retention' },
      entity: { auditMonth: '2026-10', archiveSha256: 'cd'.repeat(32) },
    });
    expect(validate(toFhirAuditBundle([retention]))).toEqual([]);
    const dropped = toFhirAuditEvent(retention);
    expect(dropped.action).toBe('D');
    expect(dropped.entity?.flatMap((entity) => entity.detail ?? [])).toEqual(
      expect.arrayContaining([
        { type: 'auditMonth', valueString: '2026-10' },
        { type: 'archiveSha256', valueString: 'cd'.repeat(32) },
      ]),
    );
    const broken = { ...toFhirAuditEvent(record()), action: 'X', recorded: 'yesterday' };
    expect(validate({ ...bundle, entry: [{ resource: broken }] }).length).toBeGreaterThan(0);
  });

  it('maps outcome, purpose and the chain position so an exported event can be checked', () => {
    const event = toFhirAuditEvent(record());
    expect(event).toMatchObject({ outcome: '4', outcomeDesc: 'consent.denied', action: 'E' });
    expect(event.purposeOfEvent?.[0].coding?.[0].code).toBe('TREAT');
    const chain = event.entity?.find(
      (entity) => entity.what?.identifier?.system === 'urn:praesidium:audit-chain',
    );
    expect(chain?.detail).toEqual(expect.arrayContaining([{ type: 'hash', valueString: record().hash }]));
  });

  it('says of the model whether a canary version served the call, in a schema-valid event', () => {
    const canary = record({
      outcome: 'success',
      reasonCode: undefined,
      entity: { model: 'lumbar-esi-outcome', modelVersion: '2.0.0', rollout: 'canary' },
    });
    expect(officialFhirValidator()(toFhirAuditBundle([canary]))).toEqual([]);
    const model = toFhirAuditEvent(canary).entity?.find(
      (entity) => entity.what?.identifier?.value === 'lumbar-esi-outcome@2.0.0',
    );
    expect(model?.detail).toEqual([{ type: 'rollout', valueString: 'canary' }]);
  });

  it('guards CSV cells against formula injection and quotes them per RFC 4180', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe(`"'+1"`);
    expect(csvCell('-1')).toBe(`"'-1"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    const csv = toCsv([record({ agent: { subject: '=cmd|calc' } })]);
    expect(csv.split('\r\n')[1]).toContain(`"'=cmd|calc"`);
  });
});
