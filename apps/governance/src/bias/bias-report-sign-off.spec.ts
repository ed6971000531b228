import { signOffRefusal } from './bias-report-sign-off.js';

const completed = { status: 'completed' as const, reportSha256: 'a'.repeat(64), requestedBy: 'owner.one' };
const member = { subject: 'ethics.one', roles: ['ethics-board'] };

describe('bias report sign-off', () => {
  it('lets an ethics-board member sign off a completed report someone else requested', () => {
    expect(signOffRefusal(completed, member, 'ethics-board')).toBeUndefined();
  });

  it('refuses a report that is not completed: there is no report hash to bind to yet', () => {
    for (const status of ['queued', 'running', 'failed'] as const)
      expect(signOffRefusal({ ...completed, status, reportSha256: null }, member, 'ethics-board')).toBe(
        'bias.report_not_ready',
      );
  });

  it('refuses the requester of the report, even on the ethics board', () => {
    expect(signOffRefusal({ ...completed, requestedBy: 'ethics.one' }, member, 'ethics-board')).toBe(
      'bias.requester_signs',
    );
  });

  it('refuses a namesake of the requester at another trusted issuer: no second person for certain', () => {
    const namesake = { ...member, issuer: 'https://partner-idp.example/realms/clinical' };
    expect(signOffRefusal({ ...completed, requestedBy: 'ethics.one' }, namesake, 'ethics-board')).toBe(
      'bias.requester_signs',
    );
  });

  it('refuses a signer who does not hold the role they sign as', () => {
    expect(
      signOffRefusal(completed, { subject: 'ra.one', roles: ['regulatory-affairs'] }, 'ethics-board'),
    ).toBe('signature.role_invalid');
  });
});
