/**
 * The lifecycle of a model version as pure rules: draft → validated → under review → approved →
 * deployed → suspended / retired. Each guard names the reason code of its refusal, so the API, the
 * CLI and the tests speak of the same rule. Nothing here touches a database.
 */
export const VERSION_STATUSES = [
  'draft',
  'validated',
  'under_review',
  'approved',
  'deployed',
  'suspended',
  'retired',
] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

/** What a caller asks for; each action moves a version along exactly one edge (or a few, listed). */
export const LIFECYCLE_ACTIONS = [
  'validate',
  'submit',
  'reject',
  'approve',
  'deploy',
  'suspend',
  'resume',
  'retire',
] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

const EDGES: Record<LifecycleAction, { from: readonly VersionStatus[]; to: VersionStatus }> = {
  validate: { from: ['draft'], to: 'validated' },
  submit: { from: ['validated'], to: 'under_review' },
  reject: { from: ['under_review'], to: 'draft' },
  approve: { from: ['under_review'], to: 'approved' },
  deploy: { from: ['approved'], to: 'deployed' },
  suspend: { from: ['deployed'], to: 'suspended' },
  resume: { from: ['suspended'], to: 'deployed' },
  retire: { from: ['approved', 'deployed', 'suspended'], to: 'retired' },
};

/** The access policy's actions on `ModelVersion` that lifecycle steps are taken under. */
export const LIFECYCLE_PERMISSIONS = ['deploy', 'approve', 'transition', 'suspend'] as const;
export type LifecyclePermission = (typeof LIFECYCLE_PERMISSIONS)[number];

/**
 * The permissions a step may be taken under, the one the step is recorded under first. A suspension
 * made under `suspend` (the stop button, a security officer's) is lifted only under `suspend`:
 * separation of duties, so the owner of a model cannot resume it alone after an incident stop.
 * Any other suspension (the owner's own, a canary's promotion) is resumed under `deploy`.
 */
export function stepPermissions(
  action: LifecycleAction,
  suspendedUnder?: LifecyclePermission | null,
): readonly LifecyclePermission[] {
  if (action === 'resume') return suspendedUnder === 'suspend' ? ['suspend'] : ['deploy'];
  if (action === 'deploy') return ['deploy'];
  if (action === 'suspend') return ['suspend', 'transition'];
  return action === 'approve' ? ['approve'] : ['transition'];
}

/** One signature as the approval guard needs it. */
export interface SignatureFact {
  readonly signerSubject: string;
  readonly signerRole: string;
  readonly meaning: 'authored' | 'reviewed' | 'approved';
  readonly recordSha256: string;
}

/**
 * A completed bias report computed for this version (issue 8), with the signatures made on it. A
 * report of another version is never gathered, so it cannot count.
 */
export interface BiasReportFact {
  readonly reportId: string;
  /** SHA-256 of the report's canonical JSON: what its sign-off signatures bind to. */
  readonly reportSha256: string;
  readonly signatures: readonly SignatureFact[];
}

/** What the guards decide on, gathered by the service from the registry. */
export interface LifecycleFacts {
  readonly status: VersionStatus;
  readonly actor: string;
  /** Who submitted the version for review (its submitter may not sign its approval). */
  readonly submittedBy?: string;
  readonly evidenceKinds: readonly string[];
  readonly signatures: readonly SignatureFact[];
  /** Completed bias reports of this version and their sign-off signatures. */
  readonly biasReports: readonly BiasReportFact[];
  /** The SHA-256 of the approval record as it stands now: signatures of another record do not count. */
  readonly approvalRecordSha256: string;
  /** Another version of the same model is deployed. */
  readonly isAnotherDeployed: boolean;
  /** Every acceptance check of the change-control plan passes (undefined: not declared under a plan). */
  readonly isPccpAccepted?: boolean;
}

/** Evidence kinds that count as validation of a version (performance or test results). */
export const VALIDATION_EVIDENCE_KINDS = ['performance', 'validation_report', 'test_report'] as const;

export type LifecycleRefusal =
  | 'lifecycle.transition_invalid'
  | 'lifecycle.validation_missing'
  | 'lifecycle.bias_report_missing'
  | 'lifecycle.bias_report_unsigned'
  | 'lifecycle.signature_missing'
  | 'lifecycle.signers_not_distinct'
  | 'lifecycle.submitter_signed'
  | 'lifecycle.submitter_reviews'
  | 'lifecycle.pccp_failed'
  | 'lifecycle.already_deployed';

export type LifecycleDecision =
  | { readonly allowed: true; readonly to: VersionStatus }
  | { readonly allowed: false; readonly reason: LifecycleRefusal; readonly detail: string };

const refuse = (reason: LifecycleRefusal, detail: string): LifecycleDecision => ({
  allowed: false,
  reason,
  detail,
});

/** Decides whether `action` may move a version in the state `facts` describes, and to where. */
export function decideTransition(action: LifecycleAction, facts: LifecycleFacts): LifecycleDecision {
  const edge = EDGES[action];
  if (!edge.from.includes(facts.status))
    return refuse('lifecycle.transition_invalid', `cannot ${action} a version that is ${facts.status}`);
  const refusal = guardOf(action)(facts);
  return refusal ?? { allowed: true, to: edge.to };
}

function guardOf(action: LifecycleAction): (facts: LifecycleFacts) => LifecycleDecision | undefined {
  switch (action) {
    case 'validate':
    case 'submit':
      return requireValidation;
    case 'approve':
      return approvalGuard;
    case 'deploy':
    case 'resume':
      return (facts) =>
        facts.isAnotherDeployed
          ? refuse(
              'lifecycle.already_deployed',
              'another version of this model is deployed: suspend or retire it first',
            )
          : undefined;
    default:
      return () => undefined;
  }
}

function requireValidation(facts: LifecycleFacts): LifecycleDecision | undefined {
  const isValidated = facts.evidenceKinds.some((kind) =>
    (VALIDATION_EVIDENCE_KINDS as readonly string[]).includes(kind),
  );
  if (!isValidated)
    return refuse(
      'lifecycle.validation_missing',
      `validation evidence (${VALIDATION_EVIDENCE_KINDS.join(', ')}) is required`,
    );
  return undefined;
}

/**
 * Approval (issue 7): validation evidence, a bias report, an `approved` signature of the ethics
 * board and one of regulatory affairs over the current approval record, by two different people,
 * neither of them the submitter; and, for a version declared under a change-control plan, every
 * acceptance check passing.
 */
function approvalGuard(facts: LifecycleFacts): LifecycleDecision | undefined {
  const missingValidation = requireValidation(facts);
  if (missingValidation) return missingValidation;
  const missingBiasReport = requireSignedBiasReport(facts);
  if (missingBiasReport) return missingBiasReport;
  if (facts.actor === facts.submittedBy)
    return refuse('lifecycle.submitter_reviews', 'the submitter of a version may not approve it');
  const current = facts.signatures.filter(
    (signature) => signature.meaning === 'approved' && signature.recordSha256 === facts.approvalRecordSha256,
  );
  if (current.some((signature) => signature.signerSubject === facts.submittedBy))
    return refuse('lifecycle.submitter_signed', 'the submitter of a version may not sign its approval');
  const ethics = current.filter((signature) => signature.signerRole === 'ethics-board');
  const regulatory = current.filter((signature) => signature.signerRole === 'regulatory-affairs');
  if (ethics.length === 0 || regulatory.length === 0)
    return refuse(
      'lifecycle.signature_missing',
      'approval needs an approved signature of the ethics board and one of regulatory affairs on the current record',
    );
  const isDistinct = ethics.some((e) => regulatory.some((r) => r.signerSubject !== e.signerSubject));
  if (!isDistinct)
    return refuse(
      'lifecycle.signers_not_distinct',
      'the two approval signatures must be by different people',
    );
  if (facts.isPccpAccepted === false)
    return refuse('lifecycle.pccp_failed', 'an acceptance check of the change-control plan fails');
  return undefined;
}

/**
 * The ethics board's sign-off (issues 7, 8): a completed bias report computed for this version, with
 * an `approved` signature of an ethics-board member bound to that report's SHA-256, by someone other
 * than the version's submitter. Evidence of kind `bias_report` (a document) does not stand in for it.
 */
export function signedBiasReport(facts: Pick<LifecycleFacts, 'biasReports' | 'submittedBy'>) {
  return facts.biasReports.find((report) =>
    report.signatures.some(
      (signature) =>
        signature.meaning === 'approved' &&
        signature.signerRole === 'ethics-board' &&
        signature.recordSha256 === report.reportSha256 &&
        signature.signerSubject !== facts.submittedBy,
    ),
  );
}

function requireSignedBiasReport(facts: LifecycleFacts): LifecycleDecision | undefined {
  if (facts.biasReports.length === 0)
    return refuse(
      'lifecycle.bias_report_missing',
      'a completed bias report computed for this version is required',
    );
  if (!signedBiasReport(facts))
    return refuse(
      'lifecycle.bias_report_unsigned',
      'a bias report of this version needs an approved sign-off of an ethics-board member (not the submitter)',
    );
  return undefined;
}

/** Whether a version in this status may still change (only drafts do: anything later is frozen). */
export function isEditable(status: VersionStatus): boolean {
  return status === 'draft';
}

/** The statuses the gateway serves. */
export function isServed(status: VersionStatus): boolean {
  return status === 'deployed';
}
