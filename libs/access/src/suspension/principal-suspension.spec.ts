import { checkNotSelf, suspensionView } from './principal-suspension.js';
import type { PrincipalSuspensionEntity } from './principal-suspension.entity.js';

const officer = { subject: 'sam.okafor', issuer: 'https://idp.example' };

const row: PrincipalSuspensionEntity = {
  id: '3f1c2a8e-0000-4000-8000-000000000002',
  issuer: 'https://idp.example',
  subject: 'dr.amara.rivera',
  reason: 'laptop stolen from the car park',
  suspendedBySubject: officer.subject,
  suspendedByIssuer: officer.issuer,
  suspendedAt: new Date('2026-01-01T10:00:00Z'),
  liftedAt: null,
  liftedBySubject: null,
  liftedByIssuer: null,
  liftReason: null,
};

describe('a suspension', () => {
  it('refuses suspending yourself, but not your namesake at another issuer', () => {
    expect(() => checkNotSelf(officer, { ...officer })).toThrow('suspension.self');
    expect(() => checkNotSelf(officer, { ...officer, issuer: 'https://other-idp.example' })).not.toThrow();
  });

  it('is active until lifted, and then shows who lifted it, when and why', () => {
    expect(suspensionView(row)).toMatchObject({ state: 'active', lifted: null, suspendedBy: officer });
    const lifted = suspensionView({
      ...row,
      liftedAt: new Date('2026-01-01T12:00:00Z'),
      liftedBySubject: 'second.officer',
      liftedByIssuer: officer.issuer,
      liftReason: 'laptop recovered, password reset',
    });
    expect(lifted).toMatchObject({
      state: 'lifted',
      lifted: {
        by: { subject: 'second.officer', issuer: officer.issuer },
        at: '2026-01-01T12:00:00.000Z',
        reason: 'laptop recovered, password reset',
      },
    });
  });
});
