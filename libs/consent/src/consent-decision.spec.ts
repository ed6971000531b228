import { decideConsent } from './consent-decision.js';
import type { ConsentRecord, Provision } from './consent-provision.js';

const at = new Date('2026-11-24T10:00:00Z');
const treat = [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }];
const research = [{ code: 'HRESCH' }];

function consent(
  id: string,
  provision: Provision,
  dateTime = '2026-01-01T00:00:00Z',
  status = 'active',
): ConsentRecord {
  return {
    id,
    version: 1,
    status: status as ConsentRecord['status'],
    dateTime: new Date(dateTime),
    provision,
  };
}

describe('consent decision', () => {
  it('permits a purpose the patient allowed, naming the consent and provision', () => {
    const decision = decideConsent(
      [consent('c1', { type: 'permit', purpose: treat })],
      { purposeOfUse: 'TREAT', at },
      [],
    );
    expect(decision).toEqual({
      decision: 'permit',
      reason: 'consent.permit',
      consentId: 'c1',
      consentVersion: 1,
      provisionPath: 'provision',
    });
  });

  it('lets a nested exception override its parent', () => {
    const provision: Provision = { type: 'deny', provision: [{ type: 'permit', purpose: treat }] };
    expect(decideConsent([consent('c1', provision)], { purposeOfUse: 'TREAT', at }, []).provisionPath).toBe(
      'provision.provision[0]',
    );
    expect(decideConsent([consent('c1', provision)], { purposeOfUse: 'HRESCH', at }, []).decision).toBe(
      'deny',
    );
  });

  it('refuses when the patient refused, and says so apart from having no consent', () => {
    const refused = decideConsent(
      [consent('c1', { type: 'deny', purpose: treat })],
      { purposeOfUse: 'TREAT', at },
      [],
    );
    expect(refused.reason).toBe('consent.denied');
    expect(decideConsent([], { purposeOfUse: 'TREAT', at }, []).reason).toBe('consent.absent');
  });

  it('lets a later explicit permit lift an earlier refusal, and a later refusal revoke a permit', () => {
    const deny = consent('old', { type: 'deny', purpose: treat }, '2026-01-01T00:00:00Z');
    const permit = consent('new', { type: 'permit', purpose: treat }, '2026-06-01T00:00:00Z');
    expect(decideConsent([deny, permit], { purposeOfUse: 'TREAT', at }, []).consentId).toBe('new');
    const laterDeny = consent('newer', { type: 'deny' }, '2026-09-01T00:00:00Z');
    expect(decideConsent([deny, permit, laterDeny], { purposeOfUse: 'TREAT', at }, []).decision).toBe('deny');
  });

  it('ignores inactive consents and provisions outside their period', () => {
    const revoked = consent('c1', { type: 'permit', purpose: treat }, undefined, 'inactive');
    expect(decideConsent([revoked], { purposeOfUse: 'TREAT', at }, []).reason).toBe('consent.absent');
    const expired = consent('c2', { type: 'permit', period: { end: '2026-02-01T00:00:00Z' } });
    expect(decideConsent([expired], { purposeOfUse: 'TREAT', at }, []).reason).toBe('consent.absent');
  });

  it('falls back to the site default only where no consent speaks', () => {
    expect(decideConsent([], { purposeOfUse: 'TREAT', at }, ['TREAT']).reason).toBe('consent.site_default');
    const refusedResearch = consent('c1', { type: 'deny', purpose: research });
    expect(decideConsent([refusedResearch], { purposeOfUse: 'HRESCH', at }, ['HRESCH']).decision).toBe(
      'deny',
    );
  });
});
