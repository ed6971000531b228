import { grantView } from './break-glass-grant.js';
import type { BreakGlassEventEntity, BreakGlassGrantEntity } from './break-glass.entity.js';

const grant: BreakGlassGrantEntity = {
  id: '3f1c2a8e-0000-4000-8000-000000000001',
  patientPseudonym: 'pseudonym-of-the-patient',
  granteeSubject: 'dr.amara.rivera',
  granteeIssuer: 'test',
  granteeRoles: ['clinician'],
  reasonCode: 'life-threatening-emergency',
  justification: 'unresponsive, no consent on file',
  policyVersion: 1,
  startedAt: new Date('2026-01-01T10:00:00Z'),
  expiresAt: new Date('2026-01-01T11:00:00Z'),
};

function event(kind: BreakGlassEventEntity['kind'], at: string, extra: Partial<BreakGlassEventEntity> = {}) {
  return {
    id: '1',
    grantId: grant.id,
    kind,
    actor: 'x',
    outcome: null,
    comment: null,
    at: new Date(at),
    ...extra,
  };
}

describe('a break-glass grant', () => {
  it('is active inside its time box and expired at its end, even before the expiry is recorded', () => {
    expect(grantView(grant, [], new Date('2026-01-01T10:59:59Z'), false).state).toBe('active');
    const late = grantView(grant, [], new Date('2026-01-01T11:00:00Z'), false);
    expect(late).toMatchObject({ state: 'expired', closedAt: '2026-01-01T11:00:00.000Z' });
  });

  it('is closed by an explicit end, and shows its alert delivery and its review', () => {
    const view = grantView(
      grant,
      [
        event('alert_delivered', '2026-01-01T10:00:01Z'),
        event('ended', '2026-01-01T10:20:00Z'),
        event('reviewed', '2026-01-02T09:00:00Z', { actor: 'sam.okafor', outcome: 'justified' }),
      ],
      new Date('2026-01-01T10:30:00Z'),
      true,
    );
    expect(view).toMatchObject({
      state: 'ended',
      closedAt: '2026-01-01T10:20:00.000Z',
      alert: 'delivered',
      review: { by: 'sam.okafor', outcome: 'justified' },
    });
  });

  it('never shows the patient pseudonym', () => {
    expect(JSON.stringify(grantView(grant, [], new Date(), true))).not.toContain(grant.patientPseudonym);
  });
});
