import { decideConsent, type ConsentQuestion } from './consent-decision.js';
import type { ConsentRecord, Provision, ProvisionActor } from './consent-provision.js';

/**
 * How a provision's criteria are read when they are spelt in ways the engine does not expect: a
 * criterion it cannot read refuses and never grants, and a refusal is not escaped by re-spelling a
 * reference.
 */
const clinician: ConsentQuestion = {
  purposeOfUse: 'TREAT',
  at: new Date('2026-11-24T10:00:00Z'),
  actors: ['Practitioner/dr.rivera', 'Device/lumbar-esi-outcome'],
  actorIdentifiers: [{ system: 'https://idp.hospital.example', value: 'dr.rivera' }],
  roles: ['clinician'],
  action: 'use',
};

const consent = (provision: Provision): ConsentRecord => ({
  consentId: 'c1',
  version: 1,
  status: 'active',
  dateTime: new Date('2026-01-01T00:00:00Z'),
  provision,
});
/** A consent that permits everything but what `refusal` refuses. */
const permitsAllBut = (refusal: Omit<Provision, 'type'>) =>
  consent({ type: 'permit', provision: [{ type: 'deny', ...refusal }] });
/** A consent that refuses everything but what `grant` permits. */
const refusesAllBut = (grant: Omit<Provision, 'type'>) =>
  consent({ type: 'deny', provision: [{ type: 'permit', ...grant }] });

const decide = (record: ConsentRecord, question: Partial<ConsentQuestion> = {}) =>
  decideConsent([record], { ...clinician, ...question }, []).decision;

describe('provision criteria the engine cannot read', () => {
  it('does not let a grant limited by text alone grant everything', () => {
    const onlyTheMri = refusesAllBut({ code: [{ text: 'the lumbar MRI of March' }] });
    expect(decide(onlyTheMri, { codes: ['24558-9'] })).toBe('deny');
    const onlyViewing = refusesAllBut({ action: [{ text: 'viewing' }] });
    expect(decide(onlyViewing)).toBe('deny');
  });

  it('lets a refusal whose coding carries no code refuse what it may name', () => {
    const noPsychiatry = permitsAllBut({
      securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', display: 'psychiatry' }],
    });
    expect(decide(noPsychiatry, { securityLabels: ['PSY'] })).toBe('deny');
    const noReports = permitsAllBut({ data: [{ meaning: 'instance', reference: {} }] });
    expect(decide(noReports, { dataReferences: ['DiagnosticReport/9'] })).toBe('deny');
  });

  it('lets a refusal of an actor named by display only refuse, whatever its role code', () => {
    const displayOnly: ProvisionActor = {
      role: { coding: [{ code: 'IRCP' }] },
      reference: { display: 'Dr. Rivera' },
    };
    expect(decide(permitsAllBut({ actor: [displayOnly] }))).toBe('deny');
    expect(decide(refusesAllBut({ actor: [displayOnly] }))).toBe('deny');
  });

  it('reads a refused data period to the end of the year, month or day it names, and an unreadable one as open', () => {
    const refused2023 = permitsAllBut({ dataPeriod: { start: '2023', end: '2023' } });
    const midYear = { start: '2023-06-01T00:00:00Z', end: '2023-06-30T00:00:00Z' };
    expect(decide(refused2023, { dataPeriod: midYear })).toBe('deny');
    const lateDay = { start: '2023-12-31T20:00:00Z', end: '2023-12-31T21:00:00Z' };
    expect(decide(permitsAllBut({ dataPeriod: { end: '2023-12-31' } }), { dataPeriod: lateDay })).toBe(
      'deny',
    );
    const leapSecond = permitsAllBut({
      dataPeriod: { start: '2023-01-01T00:00:00Z', end: '2023-12-31T23:59:60Z' },
    });
    expect(decide(leapSecond, { dataPeriod: midYear })).toBe('deny');
    // A grant is read narrowly: data of 2024 is not inside a permitted "2023".
    const granted2023 = refusesAllBut({ dataPeriod: { start: '2023', end: '2023' } });
    expect(decide(granted2023, { dataPeriod: midYear })).toBe('permit');
    expect(
      decide(granted2023, { dataPeriod: { start: '2023-06-01T00:00:00Z', end: '2024-01-02T00:00:00Z' } }),
    ).toBe('deny');
  });
});

describe('references a refusal names', () => {
  const spellings = [
    'Device/Lumbar-ESI-Outcome',
    'https://fhir.hospital.example/fhir/Device/lumbar-esi-outcome',
    'Device/lumbar-esi-outcome/_history/2',
  ];

  it.each(spellings)('refuses the model whichever way the refusal spells it (%s)', (reference) => {
    expect(decide(permitsAllBut({ actor: [{ reference: { reference } }] }))).toBe('deny');
  });

  it.each(spellings)('grants only to the model spelt as the gateway names it, not %s', (reference) => {
    expect(decide(refusesAllBut({ actor: [{ reference: { reference } }] }))).toBe('deny');
  });

  it('refuses a clinician named by reference even when the same actor carries an identifier of another issuer', () => {
    const both: ProvisionActor = {
      reference: {
        reference: 'Practitioner/dr.rivera',
        identifier: { system: 'https://idp.partner.example', value: 'someone-else' },
      },
    };
    expect(decide(permitsAllBut({ actor: [both] }))).toBe('deny');
  });

  it('refuses a clinician whose issuer the refusal spells with a trailing slash', () => {
    const trailing: ProvisionActor = {
      reference: { identifier: { system: 'https://idp.hospital.example/', value: 'dr.rivera' } },
    };
    expect(decide(permitsAllBut({ actor: [trailing] }))).toBe('deny');
  });

  it('refuses data a refusal names by an absolute reference', () => {
    const noReport = permitsAllBut({
      data: [
        {
          meaning: 'instance',
          reference: { reference: 'https://fhir.hospital.example/fhir/DiagnosticReport/9' },
        },
      ],
    });
    expect(decide(noReport, { dataReferences: ['DiagnosticReport/9'] })).toBe('deny');
  });
});

describe('actions a use involves', () => {
  it('refuses a use to whoever was refused access: using data retrieves it', () => {
    const noModelAccess = permitsAllBut({
      action: [{ coding: [{ code: 'access' }] }],
      actor: [{ reference: { reference: 'Device/lumbar-esi-outcome' } }],
    });
    expect(decide(noModelAccess)).toBe('deny');
  });

  it('grants a use only where use is granted, not where only access (viewing) is', () => {
    expect(decide(refusesAllBut({ action: [{ coding: [{ code: 'access' }] }] }))).toBe('deny');
    expect(decide(refusesAllBut({ action: [{ coding: [{ code: 'use' }] }] }))).toBe('permit');
  });
});
