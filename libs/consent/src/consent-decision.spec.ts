import { consentRefusal, decideConsent, explainConsent, type ConsentQuestion } from './consent-decision.js';
import type { ConsentRecord, ConsentStatus, Provision, ProvisionActor } from './consent-provision.js';
import { practitionerActors } from './practitioner-actors.js';

const at = new Date('2026-11-24T10:00:00Z');
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
const treat = [{ system: ACT_REASON, code: 'TREAT' }];
const research = [{ system: ACT_REASON, code: 'HRESCH' }];
const imaging = [{ code: 'imaging' }];
const clinician: ConsentQuestion = {
  purposeOfUse: 'TREAT',
  at,
  actors: ['Practitioner/dr.rivera', 'Device/lumbar-esi-outcome'],
  roles: ['clinician'],
  action: 'use',
};

function consent(
  id: string,
  provision: Provision,
  dateTime = '2026-01-01T00:00:00Z',
  status: ConsentStatus = 'active',
  version = 1,
): ConsentRecord {
  return { consentId: id, version, status, dateTime: new Date(dateTime), provision };
}

const decide = (
  consents: ConsentRecord[],
  question: Partial<ConsentQuestion> = {},
  defaults: string[] = [],
) => decideConsent(consents, { ...clinician, ...question }, defaults);

describe('consent decision: one consent', () => {
  it('permits a purpose the patient allowed, naming the consent, its version and the provision', () => {
    expect(decide([consent('c1', { type: 'permit', purpose: treat }, undefined, 'active', 3)])).toEqual({
      decision: 'permit',
      reason: 'consent.permit',
      consentId: 'c1',
      consentVersion: 3,
      provisionPath: 'provision',
    });
  });

  it('lets a nested exception override its parent, the most specific provision deciding', () => {
    const provision: Provision = {
      type: 'deny',
      provision: [{ type: 'permit', purpose: treat, provision: [{ type: 'deny', class: imaging }] }],
    };
    expect(decide([consent('c1', provision)], { dataClasses: ['labs'] })).toMatchObject({
      decision: 'permit',
      provisionPath: 'provision.provision[0]',
    });
    expect(decide([consent('c1', provision)], { dataClasses: ['imaging'] })).toMatchObject({
      decision: 'deny',
      provisionPath: 'provision.provision[0].provision[0]',
    });
    expect(decide([consent('c1', provision)], { purposeOfUse: 'HRESCH' })).toMatchObject({
      decision: 'deny',
      provisionPath: 'provision',
    });
  });

  it('lets deny win when sibling exceptions disagree', () => {
    const provision: Provision = {
      type: 'permit',
      provision: [
        { type: 'permit', purpose: treat },
        { type: 'deny', class: imaging },
      ],
    };
    expect(decide([consent('c1', provision)], { dataClasses: ['imaging'] })).toMatchObject({
      decision: 'deny',
      provisionPath: 'provision.provision[1]',
    });
  });

  it('refuses when the patient refused, and says so apart from having no consent', () => {
    expect(decide([consent('c1', { type: 'deny', purpose: treat })]).reason).toBe('consent.denied');
    expect(decide([]).reason).toBe('consent.absent');
  });

  it('covers a purpose and its specializations (ETREAT is treatment, CLINTRCH is research)', () => {
    expect(
      decide([consent('c1', { type: 'permit', purpose: treat })], { purposeOfUse: 'ETREAT' }).decision,
    ).toBe('permit');
    expect(
      decide([consent('c1', { type: 'deny', purpose: research })], { purposeOfUse: 'CLINTRCH' }, ['CLINTRCH'])
        .decision,
    ).toBe('deny');
    expect(decide([consent('c1', { type: 'permit', purpose: [{ code: 'ETREAT' }] })]).reason).toBe(
      'consent.absent',
    );
  });

  it('applies a provision only within its period', () => {
    const expired = consent('c1', { type: 'permit', period: { end: '2026-02-01T00:00:00Z' } });
    expect(decide([expired]).reason).toBe('consent.absent');
    const future = consent('c2', { type: 'permit', period: { start: '2027-01-01T00:00:00Z' } });
    expect(decide([future]).reason).toBe('consent.absent');
    const current = consent('c3', {
      type: 'deny',
      provision: [{ type: 'permit', period: { start: '2026-11-01T00:00:00Z', end: '2026-12-01T00:00:00Z' } }],
    });
    expect(decide([current]).decision).toBe('permit');
    expect(decide([current], { at: new Date('2026-12-02T00:00:00Z') }).decision).toBe('deny');
  });

  it("reads a period's dates without a time in the site's zone when it names one, so a grant starts at the site's midnight", () => {
    // Signed at a Berlin hospital on the 24th, "from 2026-11-24", asked about at 08:00 there.
    const fromToday = consent('c1', { type: 'permit', purpose: treat, period: { start: '2026-11-24' } });
    const morning = { at: new Date('2026-11-24T07:00:00Z') };
    expect(decide([fromToday], morning).reason).toBe('consent.absent');
    expect(decide([fromToday], { ...morning, dateTimeZone: 'Europe/Berlin' }).decision).toBe('permit');
    // Its last day ends at the site's midnight too, not hours before it.
    const untilToday = consent('c2', { type: 'permit', purpose: treat, period: { end: '2026-11-24' } });
    const evening = { at: new Date('2026-11-24T21:00:00Z'), dateTimeZone: 'Europe/Berlin' };
    expect(decide([untilToday], evening).decision).toBe('permit');
    expect(decide([untilToday], { ...evening, at: new Date('2026-11-24T23:00:00Z') }).reason).toBe(
      'consent.absent',
    );
  });

  it('matches actors by reference (the clinician or the model) or, without one, by role', () => {
    const onlyThisModel = consent('c1', {
      type: 'deny',
      provision: [{ type: 'permit', actor: [{ reference: { reference: 'Device/lumbar-esi-outcome' } }] }],
    });
    expect(decide([onlyThisModel]).decision).toBe('permit');
    expect(
      decide([onlyThisModel], { actors: ['Practitioner/dr.rivera', 'Device/other-model'] }).decision,
    ).toBe('deny');
    const notThisDoctor = consent('c2', {
      type: 'permit',
      provision: [{ type: 'deny', actor: [{ reference: { reference: 'Practitioner/dr.rivera' } }] }],
    });
    expect(decide([notThisDoctor]).provisionPath).toBe('provision.provision[0]');
    expect(decide([notThisDoctor], { actors: ['Practitioner/dr.weber'] }).decision).toBe('permit');
    const nursesOnly = consent('c3', {
      type: 'deny',
      provision: [{ type: 'permit', actor: [{ role: { coding: [{ code: 'nurse' }] } }] }],
    });
    expect(decide([nursesOnly]).decision).toBe('deny');
    expect(decide([nursesOnly], { roles: ['nurse'] }).decision).toBe('permit');
  });

  it('names a clinician of one issuer by identifier; a bare reference grants only at the issuer it is read under', () => {
    const HOSPITAL = 'https://idp.hospital.example';
    const PARTNER = 'https://idp.partner.example';
    const atHospital = practitionerActors({ subject: 'dr.rivera', issuer: HOSPITAL }, HOSPITAL);
    const namesake = practitionerActors({ subject: 'dr.rivera', issuer: PARTNER }, HOSPITAL);
    const only = (actor: ProvisionActor, type: 'permit' | 'deny') =>
      consent('c1', { type: type === 'permit' ? 'deny' : 'permit', provision: [{ type, actor: [actor] }] });

    const byReference: ProvisionActor = { reference: { reference: 'Practitioner/dr.rivera' } };
    expect(decide([only(byReference, 'permit')], atHospital).decision).toBe('permit');
    // A namesake at another trusted issuer is not granted what was granted to dr.rivera…
    expect(decide([only(byReference, 'permit')], namesake).decision).toBe('deny');
    // …but a refusal that may be about them still refuses (fail closed).
    expect(decide([only(byReference, 'deny')], namesake).decision).toBe('deny');

    const partnerRivera: ProvisionActor = {
      reference: { identifier: { system: PARTNER, value: 'dr.rivera' } },
    };
    expect(decide([only(partnerRivera, 'permit')], namesake).decision).toBe('permit');
    expect(decide([only(partnerRivera, 'permit')], atHospital).decision).toBe('deny');
    expect(decide([only(partnerRivera, 'deny')], atHospital).decision).toBe('permit');
    expect(decide([only(partnerRivera, 'deny')], namesake).decision).toBe('deny');

    // An identifier without its issuer names nobody for sure: it refuses everyone and grants no one.
    const noIssuer: ProvisionActor = { reference: { identifier: { value: 'dr.rivera' } } };
    expect(decide([only(noIssuer, 'permit')], atHospital).decision).toBe('deny');
    expect(decide([only(noIssuer, 'deny')], namesake).decision).toBe('deny');
    // A question that does not know who acts: a refusal by identifier applies, a grant does not.
    const unknown = { actors: undefined, roles: undefined, actorIdentifiers: undefined };
    expect(decide([only(partnerRivera, 'deny')], unknown).decision).toBe('deny');
    expect(decide([only(partnerRivera, 'permit')], unknown).decision).toBe('deny');
  });

  it('matches action, class, security label, code and data, a refusal touching any, a grant covering all', () => {
    const provision: Provision = {
      type: 'permit',
      action: [{ coding: [{ code: 'use' }] }],
      class: [{ code: 'labs' }, { code: 'notes' }],
      provision: [{ type: 'deny', securityLabel: [{ code: 'PSY' }] }],
    };
    const record = consent('c1', provision);
    expect(decide([record], { dataClasses: ['labs', 'notes'], securityLabels: ['N'] }).decision).toBe(
      'permit',
    );
    expect(decide([record], { dataClasses: ['labs', 'imaging'], securityLabels: ['N'] }).reason).toBe(
      'consent.absent',
    );
    expect(decide([record], { dataClasses: ['labs'], securityLabels: ['N', 'PSY'] }).decision).toBe('deny');
    expect(
      decide([record], { dataClasses: ['labs'], securityLabels: ['N'], action: 'disclose' }).reason,
    ).toBe('consent.absent');
    const noSpecimen = consent('c2', {
      type: 'permit',
      provision: [
        { type: 'deny', code: [{ coding: [{ code: '26436-6' }] }] },
        { type: 'deny', data: [{ meaning: 'instance', reference: { reference: 'DiagnosticReport/9' } }] },
      ],
    });
    expect(decide([noSpecimen], { codes: ['2345-7'], dataReferences: ['DiagnosticReport/8'] }).decision).toBe(
      'permit',
    );
    expect(decide([noSpecimen], { codes: ['26436-6'], dataReferences: [] }).decision).toBe('deny');
    expect(decide([noSpecimen], { codes: [], dataReferences: ['DiagnosticReport/9'] }).decision).toBe('deny');
  });

  it('lets a refusal, never a grant, apply to what the caller does not know', () => {
    const refusesImaging = consent('c1', { type: 'permit', provision: [{ type: 'deny', class: imaging }] });
    expect(decide([refusesImaging]).decision).toBe('deny');
    expect(decide([refusesImaging], { dataClasses: ['labs'] }).decision).toBe('permit');
    const allowsImaging = consent('c2', { type: 'deny', provision: [{ type: 'permit', class: imaging }] });
    expect(decide([allowsImaging]).decision).toBe('deny');
    expect(decide([allowsImaging], { dataClasses: ['imaging'] }).decision).toBe('permit');
  });

  it('refuses data produced in a refused period, and grants only data wholly inside a permitted one', () => {
    const record = consent('c1', {
      type: 'permit',
      dataPeriod: { start: '2020-01-01T00:00:00Z' },
      provision: [
        { type: 'deny', dataPeriod: { start: '2023-01-01T00:00:00Z', end: '2023-12-31T00:00:00Z' } },
      ],
    });
    const period = (start: string, end: string) => ({ dataPeriod: { start, end } });
    expect(decide([record], period('2024-01-01T00:00:00Z', '2024-06-01T00:00:00Z')).decision).toBe('permit');
    expect(decide([record], period('2023-06-01T00:00:00Z', '2024-06-01T00:00:00Z')).decision).toBe('deny');
    expect(decide([record], period('2019-06-01T00:00:00Z', '2020-06-01T00:00:00Z')).reason).toBe(
      'consent.absent',
    );
    expect(decide([record]).decision).toBe('deny');
  });
});

describe('consent decision: several consents, revocation and site defaults', () => {
  it('lets a later explicit permit lift an earlier refusal, and a later refusal revoke a permit', () => {
    const deny = consent('old', { type: 'deny', purpose: treat }, '2026-01-01T00:00:00Z');
    const permit = consent('new', { type: 'permit', purpose: treat }, '2026-06-01T00:00:00Z');
    expect(decide([deny, permit]).consentId).toBe('new');
    const laterDeny = consent('newer', { type: 'deny' }, '2026-09-01T00:00:00Z');
    expect(decide([deny, permit, laterDeny])).toMatchObject({ decision: 'deny', consentId: 'newer' });
  });

  it('lets deny win between consents of the same time', () => {
    const permit = consent('p', { type: 'permit', purpose: treat });
    const deny = consent('d', { type: 'deny', purpose: treat });
    expect(decide([permit, deny]).consentId).toBe('d');
    expect(decide([deny, permit]).consentId).toBe('d');
  });

  it('does not let a later consent about another purpose lift a refusal', () => {
    const deny = consent('old', { type: 'deny', purpose: treat }, '2026-01-01T00:00:00Z');
    const research_ = consent('new', { type: 'permit', purpose: research }, '2026-06-01T00:00:00Z');
    expect(decide([deny, research_])).toMatchObject({ decision: 'deny', consentId: 'old' });
  });

  it('refuses what a revoked consent allowed, naming the revoking version', () => {
    const revoked = consent('c1', { type: 'permit', purpose: treat }, '2026-11-20T00:00:00Z', 'inactive', 2);
    expect(decide([revoked], {}, ['TREAT'])).toEqual({
      decision: 'deny',
      reason: 'consent.revoked',
      consentId: 'c1',
      consentVersion: 2,
      provisionPath: 'provision',
    });
    expect(consentRefusal(decide([revoked]))).toBe('consent.revoked');
    // A permit given after the revocation speaks over it.
    const renewed = consent('c2', { type: 'permit', purpose: treat }, '2026-11-21T00:00:00Z');
    expect(decide([revoked, renewed]).consentId).toBe('c2');
  });

  it('treats a rejected consent like a revoked one, and forgets a withdrawn refusal', () => {
    const rejected = consent('c1', { type: 'permit', purpose: treat }, undefined, 'rejected');
    expect(decide([rejected]).reason).toBe('consent.revoked');
    const withdrawnRefusal = consent('c2', { type: 'deny', purpose: treat }, undefined, 'inactive');
    expect(decide([withdrawnRefusal], {}, ['TREAT']).reason).toBe('consent.site_default');
  });

  it('ignores drafts, proposals and consents entered in error', () => {
    for (const status of ['draft', 'proposed', 'entered-in-error'] as const) {
      expect(decide([consent('c1', { type: 'deny', purpose: treat }, undefined, status)]).reason).toBe(
        'consent.absent',
      );
    }
  });

  it('falls back to the site default per purpose only where no consent speaks', () => {
    const siteDefaults = ['TREAT'];
    expect(decide([], {}, siteDefaults).reason).toBe('consent.site_default');
    expect(decide([], { purposeOfUse: 'HRESCH' }, siteDefaults).reason).toBe('consent.absent');
    expect(decide([consent('c1', { type: 'deny', purpose: treat })], {}, siteDefaults).decision).toBe('deny');
    expect(
      decide([consent('c1', { type: 'permit', purpose: research })], { purposeOfUse: 'HRESCH' }, siteDefaults)
        .decision,
    ).toBe('permit');
  });

  it('explains what every consent said', () => {
    const explanation = explainConsent(
      [consent('a', { type: 'deny', purpose: research }), consent('b', { type: 'permit', purpose: treat })],
      clinician,
      [],
    );
    expect(explanation).toMatchObject({ decision: 'permit', consentId: 'b' });
    expect(explanation.considered).toEqual([
      expect.objectContaining({ consentId: 'a', ruling: undefined }),
      expect.objectContaining({
        consentId: 'b',
        ruling: { type: 'permit', path: 'provision', revoked: false },
      }),
    ]);
  });
});

describe('consent decision: the base policy of an R4 consent (policyRule)', () => {
  const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
  const based = (code: string, provision: Provision): ConsentRecord => ({
    ...consent('c1', provision),
    policyRule: { coding: [{ system: ACT_CODE, code }] },
  });

  it('reads a root without a type as the opt-out the consent declares, even where the site permits by default', () => {
    // R4: the root provision carries no type; it narrows the base policy to what it covers.
    const optOut = based('OPTOUT', { purpose: treat });
    expect(decide([optOut], {}, ['TREAT'])).toMatchObject({
      decision: 'deny',
      reason: 'consent.denied',
      provisionPath: 'provision',
    });
    expect(decide([optOut], { purposeOfUse: 'HRESCH' }, ['HRESCH']).reason).toBe('consent.site_default');
    expect(decide([based('OPTOUTE', {})], {}, ['TREAT']).decision).toBe('deny');
  });

  it('lets a nested permit be the exception to an opt-out', () => {
    const optOutButTreatment = based('OPTOUT', { provision: [{ type: 'permit', purpose: treat }] });
    expect(decide([optOutButTreatment])).toMatchObject({
      decision: 'permit',
      provisionPath: 'provision.provision[0]',
    });
    expect(decide([optOutButTreatment], { purposeOfUse: 'HRESCH' }, ['HRESCH']).decision).toBe('deny');
    expect(decide([based('OPTIN', { type: 'permit', purpose: treat })]).decision).toBe('permit');
  });

  it('never grants what an opt-in root without a type names: R4 writes withholdings that way', () => {
    // R4's own examples under OPTIN: consent-example-notTime withholds for a period, notThem withholds
    // from one nurse (the same shape as consent-example-basic, which grants: the direction is not there).
    const withheldForAPeriod = based('OPTIN', {
      period: { start: '2026-11-01T00:00:00Z', end: '2026-12-01T00:00:00Z' },
    });
    expect(decide([withheldForAPeriod]).decision).toBe('deny');
    const withheldFromOne = based('OPTIN', {
      action: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] },
      ],
      actor: [{ role: { coding: [{ code: 'PRCP' }] }, reference: { reference: 'Practitioner/dr.rivera' } }],
    });
    expect(decide([withheldFromOne], { action: 'access' }).decision).toBe('deny');
    // Nested provisions keep their own types.
    const optInButNotResearch = based('OPTIN', {
      provision: [
        { type: 'permit', purpose: treat },
        { type: 'deny', purpose: research },
      ],
    });
    expect(decide([optInButNotResearch]).decision).toBe('permit');
  });

  it('refuses, once revoked, what an opt-in root without a type may have granted', () => {
    const revoked = { ...based('OPTIN', { purpose: treat }), status: 'inactive' as const };
    expect(decide([revoked], {}, ['TREAT']).reason).toBe('consent.revoked');
  });

  it('keeps the type a root gives itself over the base policy, and a root without either silent', () => {
    expect(decide([based('OPTOUT', { type: 'permit', purpose: treat })]).decision).toBe('permit');
    expect(decide([based('unknown-policy', { purpose: treat })], {}, ['TREAT']).reason).toBe(
      'consent.site_default',
    );
  });
});
