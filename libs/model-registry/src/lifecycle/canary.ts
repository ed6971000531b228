import type { LifecycleAction, VersionStatus } from './lifecycle.js';

/**
 * A canary rollout as pure rules: an approved version that is not the deployed one serves a share
 * of a model's unpinned calls beside the deployed version, until it is promoted (it becomes the
 * deployed version), aborted, or stopped because the deployment it rides on ends. At most one per
 * model. Each guard names the reason code of its refusal. Nothing here touches a database.
 */
export const CANARY_ACTIONS = ['start', 'share', 'promote', 'abort'] as const;
export type CanaryAction = (typeof CANARY_ACTIONS)[number];

/** How a canary's history row names what happened: the owner's actions, or `stop` by a lifecycle step. */
export type CanaryChangeKind = CanaryAction | 'stop';

/** The share of unpinned calls a canary may take, in whole percent: a canary is a minority by design. */
export const CANARY_SHARE_PERCENT = { min: 1, max: 50 } as const;

/**
 * What promotion does, as lifecycle edges: the deployed version takes `suspend` (the state the
 * registry's own path to a new deployment leaves it in: "suspend 1.0.0, deploy 2.0.0"; it can be
 * resumed to roll back), and the canary version takes `deploy`.
 */
export const PROMOTION_STEPS: { readonly deployed: LifecycleAction; readonly canary: LifecycleAction } = {
  deployed: 'suspend',
  canary: 'deploy',
};

/**
 * Whose calls a canary may serve: clinicians of these sites and of these departments (an empty list
 * leaves that side open). Within the scope the share decides, by patient; outside it the deployed
 * version serves. So a patient meets one version per scope: one seen at a site inside the scope and
 * at another outside it meets both, which is what trying a version at one site means.
 */
export interface CanaryScope {
  readonly sites: readonly string[];
  readonly departments: readonly string[];
}

/** A canary open to every caller. */
export const UNSCOPED: CanaryScope = { sites: [], departments: [] };

/** The calling clinician, as the scope sees them (a verified token's site and departments). */
export interface CanaryCaller {
  readonly site?: string;
  readonly departments: readonly string[];
}

/** Whether `caller`'s calls may go to a canary of this scope (before its share is applied). */
export function isInCanaryScope(scope: CanaryScope, caller: CanaryCaller): boolean {
  const siteIn = scope.sites.length === 0 || (caller.site !== undefined && scope.sites.includes(caller.site));
  const departmentIn =
    scope.departments.length === 0 ||
    caller.departments.some((department) => scope.departments.includes(department));
  return siteIn && departmentIn;
}

export interface RunningCanary {
  readonly versionId: string;
  readonly sharePercent: number;
}

/** What the canary guards decide on, gathered by the service under the model's lock. */
export interface CanaryFacts {
  /** The model's canary, if one runs. */
  readonly running?: RunningCanary;
  /** The id of the model's deployed version, if it has one. */
  readonly deployedVersionId?: string;
  /** The version a `start` names, with its status. */
  readonly target?: { readonly id: string; readonly status: VersionStatus };
  /** The share a `start` or `share` asks for. */
  readonly sharePercent?: number;
}

export type CanaryRefusal =
  | 'canary.share_invalid'
  | 'canary.version_not_approved'
  | 'canary.already_running'
  | 'canary.not_running'
  | 'canary.no_deployment';

export type CanaryDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: CanaryRefusal; readonly detail: string };

const refuse = (reason: CanaryRefusal, detail: string): CanaryDecision => ({
  allowed: false,
  reason,
  detail,
});
const ALLOWED: CanaryDecision = { allowed: true };

/** Whether `percent` is a share a canary may take: a whole number from 1 to 50. */
export function isValidCanaryShare(percent: number | undefined): percent is number {
  return (
    percent !== undefined &&
    Number.isInteger(percent) &&
    percent >= CANARY_SHARE_PERCENT.min &&
    percent <= CANARY_SHARE_PERCENT.max
  );
}

/** Decides whether a model owner's canary action may happen in the state `facts` describes. */
export function decideCanary(action: CanaryAction, facts: CanaryFacts): CanaryDecision {
  if (action === 'start') return decideStart(facts);
  if (!facts.running) return refuse('canary.not_running', 'the model has no canary running');
  if (action === 'share') return requireShare(facts.sharePercent) ?? ALLOWED;
  if (action === 'promote' && facts.deployedVersionId === undefined)
    return refuse('canary.no_deployment', 'the model has no deployed version to replace');
  return ALLOWED;
}

function decideStart(facts: CanaryFacts): CanaryDecision {
  if (facts.running)
    return refuse('canary.already_running', 'the model has a canary running: promote or abort it first');
  const badShare = requireShare(facts.sharePercent);
  if (badShare) return badShare;
  if (facts.deployedVersionId === undefined)
    return refuse('canary.no_deployment', 'a canary runs beside a deployed version: deploy one first');
  if (!facts.target || facts.target.id === facts.deployedVersionId || facts.target.status !== 'approved')
    return refuse(
      'canary.version_not_approved',
      `only an approved version that is not deployed can be a canary (this one is ${facts.target?.status ?? 'unknown'})`,
    );
  return ALLOWED;
}

function requireShare(percent: number | undefined): CanaryDecision | undefined {
  if (isValidCanaryShare(percent)) return undefined;
  return refuse(
    'canary.share_invalid',
    `a canary share is a whole percent from ${CANARY_SHARE_PERCENT.min} to ${CANARY_SHARE_PERCENT.max}`,
  );
}

/** One lifecycle step of a version of the model, as the canary rules see it. */
export interface VersionStep {
  readonly versionId: string;
  readonly from: VersionStatus;
  readonly to: VersionStatus;
}

/**
 * Whether a lifecycle step ends the model's canary: the deployed version leaving `deployed`
 * (suspended — the stop button — or retired) takes the canary with it, since a canary is a share
 * of a deployment; and the canary's own version leaving `approved` (retired) ends it too.
 */
export function isCanaryStoppedBy(step: VersionStep, running: RunningCanary | undefined): boolean {
  if (!running) return false;
  if (step.versionId === running.versionId) return step.to !== 'approved';
  return step.from === 'deployed' && step.to !== 'deployed';
}
