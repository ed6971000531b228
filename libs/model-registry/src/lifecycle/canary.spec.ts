import { decideCanary, isCanaryStoppedBy, isValidCanaryShare, type CanaryFacts } from './canary.js';

const DEPLOYED = 'v1';
const CANDIDATE = 'v2';

/** A model with 1.0 deployed and 2.0 approved, no canary yet, asking for a 10 % canary of 2.0. */
const startable: CanaryFacts = {
  deployedVersionId: DEPLOYED,
  target: { id: CANDIDATE, status: 'approved' },
  sharePercent: 10,
};
const running: CanaryFacts = {
  deployedVersionId: DEPLOYED,
  running: { versionId: CANDIDATE, sharePercent: 10 },
};

const refusal = (decision: ReturnType<typeof decideCanary>) =>
  decision.allowed ? 'allowed' : decision.reason;

describe('canary rollout guards', () => {
  it('starts a canary of an approved version beside the deployed one', () => {
    expect(decideCanary('start', startable)).toEqual({ allowed: true });
  });

  it('takes shares from 1 to 50 percent in whole numbers only', () => {
    for (const share of [1, 25, 50]) expect(isValidCanaryShare(share)).toBe(true);
    for (const share of [0, -5, 51, 100, 12.5, Number.NaN, undefined]) {
      expect(isValidCanaryShare(share)).toBe(false);
      expect(refusal(decideCanary('start', { ...startable, sharePercent: share }))).toBe(
        'canary.share_invalid',
      );
      expect(refusal(decideCanary('share', { ...running, sharePercent: share }))).toBe(
        'canary.share_invalid',
      );
    }
  });

  it('refuses a second canary for the same model', () => {
    expect(refusal(decideCanary('start', { ...startable, running: running.running }))).toBe(
      'canary.already_running',
    );
  });

  it('refuses a canary of a version that is not approved, or is the deployed one', () => {
    for (const status of ['draft', 'under_review', 'suspended', 'retired'] as const)
      expect(refusal(decideCanary('start', { ...startable, target: { id: CANDIDATE, status } }))).toBe(
        'canary.version_not_approved',
      );
    expect(
      refusal(decideCanary('start', { ...startable, target: { id: DEPLOYED, status: 'deployed' } })),
    ).toBe('canary.version_not_approved');
  });

  it('refuses a canary when nothing is deployed: a canary is a share of a deployment', () => {
    expect(refusal(decideCanary('start', { ...startable, deployedVersionId: undefined }))).toBe(
      'canary.no_deployment',
    );
  });

  it('changes the share, promotes or aborts only a running canary', () => {
    expect(decideCanary('share', { ...running, sharePercent: 40 })).toEqual({ allowed: true });
    expect(decideCanary('promote', running)).toEqual({ allowed: true });
    expect(decideCanary('abort', running)).toEqual({ allowed: true });
    for (const action of ['share', 'promote', 'abort'] as const)
      expect(refusal(decideCanary(action, { deployedVersionId: DEPLOYED, sharePercent: 20 }))).toBe(
        'canary.not_running',
      );
  });

  it('refuses to promote when the deployment it would replace is gone', () => {
    expect(refusal(decideCanary('promote', { ...running, deployedVersionId: undefined }))).toBe(
      'canary.no_deployment',
    );
  });
});

describe('lifecycle steps that stop a canary', () => {
  const canary = running.running;

  it('stops the canary when the deployed version is suspended (the stop button) or retired', () => {
    expect(isCanaryStoppedBy({ versionId: DEPLOYED, from: 'deployed', to: 'suspended' }, canary)).toBe(true);
    expect(isCanaryStoppedBy({ versionId: DEPLOYED, from: 'deployed', to: 'retired' }, canary)).toBe(true);
  });

  it('stops the canary when its own version leaves approved', () => {
    expect(isCanaryStoppedBy({ versionId: CANDIDATE, from: 'approved', to: 'retired' }, canary)).toBe(true);
    expect(isCanaryStoppedBy({ versionId: CANDIDATE, from: 'approved', to: 'deployed' }, canary)).toBe(true);
  });

  it('leaves the canary alone for steps of other versions, and when none runs', () => {
    expect(isCanaryStoppedBy({ versionId: 'v3', from: 'under_review', to: 'approved' }, canary)).toBe(false);
    expect(isCanaryStoppedBy({ versionId: 'v3', from: 'approved', to: 'retired' }, canary)).toBe(false);
    expect(isCanaryStoppedBy({ versionId: DEPLOYED, from: 'deployed', to: 'suspended' }, undefined)).toBe(
      false,
    );
  });
});
