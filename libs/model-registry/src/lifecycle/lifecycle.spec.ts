import { decideTransition, stepPermissions, type LifecycleFacts, type SignatureFact } from './lifecycle.js';

const RECORD = 'a'.repeat(64);
const REPORT = 'b'.repeat(64);
const sig = (signerSubject: string, signerRole: string, recordSha256 = RECORD): SignatureFact => ({
  signerSubject,
  signerRole,
  meaning: 'approved',
  recordSha256,
});

/** A version under review with everything approval needs. */
const ready: LifecycleFacts = {
  status: 'under_review',
  actor: 'ra.second',
  submittedBy: 'owner.one',
  evidenceKinds: ['performance'],
  signatures: [sig('ethics.one', 'ethics-board'), sig('ra.one', 'regulatory-affairs')],
  biasReports: [
    { reportId: 'r1', reportSha256: REPORT, signatures: [sig('ethics.two', 'ethics-board', REPORT)] },
  ],
  approvalRecordSha256: RECORD,
  isAnotherDeployed: false,
};

const refusal = (decision: ReturnType<typeof decideTransition>) =>
  decision.allowed ? 'allowed' : decision.reason;

describe('model version lifecycle guards', () => {
  it('approves a version with validation evidence, a bias report and two distinct signatures of the two boards', () => {
    expect(decideTransition('approve', ready)).toEqual({ allowed: true, to: 'approved' });
  });

  it('refuses approval without validation evidence', () => {
    expect(refusal(decideTransition('approve', { ...ready, evidenceKinds: ['bias_report'] }))).toBe(
      'lifecycle.validation_missing',
    );
  });

  it('refuses approval without a bias report of this version, even with bias_report evidence', () => {
    expect(
      refusal(
        decideTransition('approve', {
          ...ready,
          evidenceKinds: ['performance', 'bias_report'],
          biasReports: [],
        }),
      ),
    ).toBe('lifecycle.bias_report_missing');
  });

  it('refuses approval when no bias report of the version carries an approved ethics-board sign-off', () => {
    const report = (signatures: SignatureFact[]) => ({
      ...ready,
      biasReports: [{ reportId: 'r1', reportSha256: REPORT, signatures }],
    });
    expect(refusal(decideTransition('approve', report([])))).toBe('lifecycle.bias_report_unsigned');
    // Only reviewed, not approved.
    expect(
      refusal(
        decideTransition(
          'approve',
          report([{ ...sig('ethics.two', 'ethics-board', REPORT), meaning: 'reviewed' }]),
        ),
      ),
    ).toBe('lifecycle.bias_report_unsigned');
    // Signed by someone who is not of the ethics board.
    expect(refusal(decideTransition('approve', report([sig('ra.one', 'regulatory-affairs', REPORT)])))).toBe(
      'lifecycle.bias_report_unsigned',
    );
    // A signature bound to another report's hash does not count for this one.
    expect(
      refusal(decideTransition('approve', report([sig('ethics.two', 'ethics-board', 'c'.repeat(64))]))),
    ).toBe('lifecycle.bias_report_unsigned');
    // The version's submitter cannot sign off its bias report.
    expect(refusal(decideTransition('approve', report([sig('owner.one', 'ethics-board', REPORT)])))).toBe(
      'lifecycle.bias_report_unsigned',
    );
  });

  it('approves when any one of several reports of the version is signed off', () => {
    expect(
      decideTransition('approve', {
        ...ready,
        biasReports: [{ reportId: 'r0', reportSha256: 'd'.repeat(64), signatures: [] }, ...ready.biasReports],
      }),
    ).toEqual({ allowed: true, to: 'approved' });
  });

  it('refuses approval without the ethics board signature, or without the regulatory affairs one', () => {
    expect(
      refusal(decideTransition('approve', { ...ready, signatures: [sig('ra.one', 'regulatory-affairs')] })),
    ).toBe('lifecycle.signature_missing');
    expect(
      refusal(decideTransition('approve', { ...ready, signatures: [sig('ethics.one', 'ethics-board')] })),
    ).toBe('lifecycle.signature_missing');
  });

  it('does not count a signature made on another record (signature binding)', () => {
    const moved = [sig('ethics.one', 'ethics-board', 'b'.repeat(64)), sig('ra.one', 'regulatory-affairs')];
    expect(refusal(decideTransition('approve', { ...ready, signatures: moved }))).toBe(
      'lifecycle.signature_missing',
    );
  });

  it('does not count a reviewed or authored signature as an approval', () => {
    const reviewed = [
      { ...sig('ethics.one', 'ethics-board'), meaning: 'reviewed' as const },
      sig('ra.one', 'regulatory-affairs'),
    ];
    expect(refusal(decideTransition('approve', { ...ready, signatures: reviewed }))).toBe(
      'lifecycle.signature_missing',
    );
  });

  it('refuses when one person signed for both boards', () => {
    const same = [sig('both.roles', 'ethics-board'), sig('both.roles', 'regulatory-affairs')];
    expect(refusal(decideTransition('approve', { ...ready, signatures: same }))).toBe(
      'lifecycle.signers_not_distinct',
    );
  });

  it('refuses when the submitter signed, and when the submitter approves', () => {
    const bySubmitter = [sig('owner.one', 'ethics-board'), sig('ra.one', 'regulatory-affairs')];
    expect(refusal(decideTransition('approve', { ...ready, signatures: bySubmitter }))).toBe(
      'lifecycle.submitter_signed',
    );
    expect(refusal(decideTransition('approve', { ...ready, actor: 'owner.one' }))).toBe(
      'lifecycle.submitter_reviews',
    );
  });

  it('refuses approval when an acceptance check of the change-control plan fails', () => {
    expect(refusal(decideTransition('approve', { ...ready, isPccpAccepted: false }))).toBe(
      'lifecycle.pccp_failed',
    );
    expect(refusal(decideTransition('approve', { ...ready, isPccpAccepted: true }))).toBe('allowed');
  });

  it('deploys only approved versions, one per model', () => {
    expect(refusal(decideTransition('deploy', { ...ready, status: 'under_review' }))).toBe(
      'lifecycle.transition_invalid',
    );
    expect(refusal(decideTransition('deploy', { ...ready, status: 'draft' }))).toBe(
      'lifecycle.transition_invalid',
    );
    expect(decideTransition('deploy', { ...ready, status: 'approved' })).toEqual({
      allowed: true,
      to: 'deployed',
    });
    expect(
      refusal(decideTransition('deploy', { ...ready, status: 'approved', isAnotherDeployed: true })),
    ).toBe('lifecycle.already_deployed');
    expect(
      refusal(decideTransition('resume', { ...ready, status: 'suspended', isAnotherDeployed: true })),
    ).toBe('lifecycle.already_deployed');
  });

  it('needs validation evidence to leave draft, and walks draft → validated → under review', () => {
    const draft = { ...ready, status: 'draft' as const, evidenceKinds: [] };
    expect(refusal(decideTransition('validate', draft))).toBe('lifecycle.validation_missing');
    expect(decideTransition('validate', { ...draft, evidenceKinds: ['test_report'] })).toEqual({
      allowed: true,
      to: 'validated',
    });
    expect(
      decideTransition('submit', { ...draft, status: 'validated', evidenceKinds: ['performance'] }),
    ).toEqual({
      allowed: true,
      to: 'under_review',
    });
    expect(refusal(decideTransition('submit', { ...draft, evidenceKinds: ['performance'] }))).toBe(
      'lifecycle.transition_invalid',
    );
  });

  it('suspends and retires deployed versions, and nothing leaves retired', () => {
    expect(decideTransition('suspend', { ...ready, status: 'deployed' })).toEqual({
      allowed: true,
      to: 'suspended',
    });
    expect(refusal(decideTransition('suspend', { ...ready, status: 'approved' }))).toBe(
      'lifecycle.transition_invalid',
    );
    expect(decideTransition('retire', { ...ready, status: 'suspended' })).toEqual({
      allowed: true,
      to: 'retired',
    });
    for (const action of [
      'validate',
      'submit',
      'approve',
      'deploy',
      'suspend',
      'resume',
      'retire',
      'reject',
    ] as const)
      expect(refusal(decideTransition(action, { ...ready, status: 'retired' }))).toBe(
        'lifecycle.transition_invalid',
      );
  });

  it('sends a rejected version back to draft', () => {
    expect(decideTransition('reject', ready)).toEqual({ allowed: true, to: 'draft' });
  });
});

describe('the permissions a lifecycle step is taken under', () => {
  it('resumes a stop-button suspension only under suspend, any other under deploy', () => {
    expect(stepPermissions('resume', 'suspend')).toEqual(['suspend']);
    expect(stepPermissions('resume', 'transition')).toEqual(['deploy']);
    // Suspensions recorded before the permission was kept.
    expect(stepPermissions('resume', null)).toEqual(['deploy']);
  });

  it('records a suspension under suspend when the actor holds it, so only its holders lift it', () => {
    expect(stepPermissions('suspend')[0]).toBe('suspend');
    expect(stepPermissions('suspend')).toContain('transition');
    expect(stepPermissions('deploy')).toEqual(['deploy']);
    expect(stepPermissions('approve')).toEqual(['approve']);
    expect(stepPermissions('submit')).toEqual(['transition']);
  });
});
