import type { DocumentedRoute } from '../docs/openapi-document.js';
import {
  canaryReasonBody,
  canaryShareBody,
  canaryStartBody,
  datasetBody,
  diffQuery,
  driftBody,
  evidenceBody,
  feedbackObservationBody,
  feedbackPeriodQuery,
  modelDescriptionBody,
  newModelBody,
  performanceBody,
  planBody,
  signatureBody,
  signingPinBody,
  transitionBody,
  versionBody,
} from './registry-dto.js';

const VERSION = '/models/{name}/versions/{version}';
const CANARY = '/models/{name}/canary';
const tag = 'model registry';

/**
 * The registry's operations, documented from the same zod schemas the routes validate with. Each checks
 * the caller's `ModelVersion` permission against the model named (its name, departments, risk class):
 * `access.denied` outside it, and for an unknown model too when the permission is narrowed.
 */
export const REGISTRY_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'get',
    path: '/models',
    tag,
    summary: 'Models the caller may read, with their versions',
    success: { status: 200, description: 'the models, filtered by the access policy' },
  },
  {
    method: 'post',
    path: '/models',
    tag,
    summary: 'Register a model: intended use, profile and regulatory classification with rationale',
    body: newModelBody,
    success: { status: 201, description: 'the registered model' },
    refusals: ['model.exists'],
  },
  {
    method: 'get',
    path: '/models/{name}',
    tag,
    summary:
      'A model with all its versions (whole for readers of its versions; as GET /models lists them for other readers of the model)',
    description:
      "Answers only a model the caller's `read Model` rules let them read, their conditions applied as GET /models applies them: any other model is `model.unknown` (404), as if it did not exist. The versions are whole when `read ModelVersion` covers this model (its name, departments, risk class).",
    success: { status: 200, description: 'the model' },
    refusals: ['model.unknown'],
  },
  {
    method: 'put',
    path: '/models/{name}',
    tag,
    summary: 'Change what a model is for (intended use, profile, classification); pending approvals re-sign',
    body: modelDescriptionBody,
    success: { status: 200, description: 'the model' },
    refusals: ['model.unknown'],
  },
  {
    method: 'post',
    path: '/models/{name}/versions',
    tag,
    summary: 'Register a draft version; the SHA-256 of its manifest is its identity',
    body: versionBody,
    success: { status: 201, description: 'the version with its manifest and manifestSha256' },
    refusals: ['model.unknown', 'model_version.exists', 'model_version.schema_invalid'],
  },
  {
    method: 'get',
    path: VERSION,
    tag,
    summary: 'A version, with the approval record signatures sign and its SHA-256',
    success: { status: 200, description: 'the version' },
    refusals: ['model.unknown', 'model_version.unknown'],
  },
  {
    method: 'put',
    path: VERSION,
    tag,
    summary: 'Change a draft version (anything past draft is immutable; the attempt is audited)',
    body: versionBody,
    success: { status: 200, description: 'the version with its new manifestSha256' },
    refusals: ['model_version.unknown', 'model_version.immutable', 'model_version.schema_invalid'],
  },
  {
    method: 'get',
    path: `${VERSION}/diff`,
    tag,
    summary: 'What changed in the manifest from version `against` to this one',
    query: diffQuery,
    success: { status: 200, description: 'the changes, each with its JSON pointer, before and after' },
    refusals: ['model_version.unknown'],
  },
  {
    method: 'post',
    path: `${VERSION}/transitions`,
    tag,
    summary: 'Take a lifecycle step: validate, submit, reject, approve, deploy, suspend, resume, retire',
    description:
      'draft → validated → under_review → approved → deployed → suspended / retired. Approval needs validation ' +
      'evidence, a completed bias report computed for the version and signed off (approved) by an ethics-board ' +
      'member (POST /bias-reports/{id}/signatures), and approved signatures of the ethics board and regulatory affairs on the current ' +
      'record by two different people, neither the submitter; deploy and resume need the `deploy` permission. ' +
      "Each permission is checked on this model (a policy may narrow it to the model's name, departments or risk class): " +
      'outside it, `access.denied`.',
    body: transitionBody,
    success: { status: 200, description: 'from, to, and the SHA-256 of the record at this step' },
    refusals: [
      'lifecycle.transition_invalid',
      'lifecycle.validation_missing',
      'lifecycle.bias_report_missing',
      'lifecycle.signature_missing',
      'lifecycle.signers_not_distinct',
      'lifecycle.submitter_signed',
      'lifecycle.submitter_reviews',
      'lifecycle.pccp_failed',
      'lifecycle.already_deployed',
    ],
  },
  {
    method: 'get',
    path: CANARY,
    tag,
    summary: "The model's running canary (or null) and every change of its canaries",
    success: {
      status: 200,
      description:
        '`canary` (version, sharePercent, scope, startedBy, startedAt) or null; `history`, oldest first',
    },
    refusals: ['model.unknown'],
  },
  {
    method: 'post',
    path: CANARY,
    tag,
    summary: 'Start a canary: an approved version serves a share (1–50 %) of the unpinned calls',
    description:
      'Needs the `deploy` permission (model owner), like deploying, and no signature. The version must be ' +
      'approved and not the deployed one; the model needs a deployed version and no canary running. The ' +
      'gateways route each patient (by pseudonym) to one version for the whole canary and follow changes within ' +
      'one second; pinned calls are served as pinned. `scope` (optional) limits the canary to clinicians of ' +
      "some `sites` and `departments` (their verified token's site and departments; an empty list leaves that " +
      'side open); the share applies within the scope, and every other call goes to the deployed version. ' +
      "The scope is fixed for the canary's life. Suspending or retiring the deployed version, or retiring " +
      "the canary's version, stops the canary (`model.canary_stop` in the audit trail). Audited as " +
      '`model.canary_start`, refusals included.',
    body: canaryStartBody,
    success: { status: 201, description: "the canary, and the SHA-256 of its version's approval record" },
    refusals: [
      'model.unknown',
      'model_version.unknown',
      'canary.share_invalid',
      'canary.version_not_approved',
      'canary.already_running',
      'canary.no_deployment',
    ],
  },
  {
    method: 'put',
    path: `${CANARY}/share`,
    tag,
    summary:
      "Change the running canary's share (1–50 %); patients already on the canary stay there when it rises",
    body: canaryShareBody,
    success: { status: 200, description: 'the canary with its new share' },
    refusals: ['model.unknown', 'canary.share_invalid', 'canary.not_running'],
  },
  {
    method: 'post',
    path: `${CANARY}/promote`,
    tag,
    summary:
      'Promote the canary: it becomes the deployed version, and the version deployed before is suspended',
    description:
      'Both are lifecycle steps (`deploy` of the canary version, `suspend` of the one it replaces) taken in one ' +
      'transaction with their transition rows and audit records; roll back by suspending the new version and ' +
      'resuming the old one.',
    body: canaryReasonBody,
    success: { status: 200, description: 'the canary as it ended, replacedVersion, and the two steps' },
    refusals: ['model.unknown', 'canary.not_running', 'canary.no_deployment'],
  },
  {
    method: 'post',
    path: `${CANARY}/abort`,
    tag,
    summary: 'Abort the canary: every unpinned call goes to the deployed version again',
    body: canaryReasonBody,
    success: { status: 200, description: 'the canary as it ended' },
    refusals: ['model.unknown', 'canary.not_running'],
  },
  {
    method: 'get',
    path: `${VERSION}/history`,
    tag,
    summary: 'Every lifecycle step and signature of the version',
    success: { status: 200, description: 'transitions and signatures, oldest first' },
  },
  {
    method: 'post',
    path: `${VERSION}/signatures`,
    tag,
    summary: 'Sign the approval record (21 CFR Part 11): meaning, record SHA-256, and your signing PIN',
    body: signatureBody,
    success: { status: 201, description: 'the signature manifestation' },
    refusals: [
      'signature.reauthentication_failed',
      'signature.locked',
      'signature.pin_unbound',
      'signature.record_mismatch',
      'signature.role_invalid',
    ],
  },
  {
    method: 'put',
    path: '/signing-pin',
    tag,
    summary: 'Set your signing PIN (changing it needs the current one); stored as an scrypt hash',
    body: signingPinBody,
    success: { status: 204, description: 'set' },
    refusals: [
      'signature.pin_exists',
      'signature.pin_unbound',
      'signature.reauthentication_failed',
      'signature.locked',
    ],
  },
  {
    method: 'post',
    path: `${VERSION}/evidence`,
    tag,
    summary:
      'Add evidence: a file (base64; PDF, PNG, JSON, CSV, text; checked by content) or a structured item',
    body: evidenceBody,
    success: { status: 201, description: 'the evidence with its SHA-256' },
    refusals: [
      'evidence.too_large',
      'evidence.type_invalid',
      'evidence.name_invalid',
      'evidence.details_invalid',
    ],
  },
  {
    method: 'get',
    path: `${VERSION}/evidence`,
    tag,
    summary: 'The evidence of a version',
    success: { status: 200, description: 'evidence, oldest first' },
  },
  {
    method: 'post',
    path: '/models/{name}/change-control-plan',
    tag,
    summary: 'Set the predetermined change control plan (FDA PCCP) in force for the model',
    body: planBody,
    success: { status: 201, description: 'the plan with its SHA-256' },
  },
  {
    method: 'get',
    path: `${VERSION}/pccp-assessment`,
    tag,
    summary: 'Acceptance checks of a version declared under the plan, with the traceability table',
    success: { status: 200, description: 'accepted, each check, and modification → evidence' },
    refusals: ['pccp.missing'],
  },
  {
    method: 'post',
    path: '/models/{name}/datasets',
    tag,
    summary: 'Register a dataset with its datasheet; rows given get a data-quality report',
    body: datasetBody,
    success: { status: 201, description: 'the dataset with its content hash and quality report' },
    refusals: ['dataset.exists', 'dataset.not_independent'],
  },
  {
    method: 'get',
    path: '/models/{name}/datasets',
    tag,
    summary: 'The datasets of a model',
    success: { status: 200, description: 'datasets, oldest first' },
  },
  {
    method: 'post',
    path: `${VERSION}/drift-checks`,
    tag,
    summary: 'Population stability index per input feature against a baseline; alerts above the threshold',
    body: driftBody,
    success: { status: 201, description: 'PSI and level per feature; isAlert' },
  },
  {
    method: 'get',
    path: `${VERSION}/drift-checks`,
    tag,
    summary: 'Drift checks of a version over time',
    success: { status: 200, description: 'checks, oldest first' },
  },
  {
    method: 'post',
    path: `${VERSION}/performance`,
    tag,
    summary: 'Record one period of post-market performance; metrics below their floors raise an alert',
    body: performanceBody,
    success: { status: 201, description: 'the observation with its breaches; isAlert; recording "request"' },
  },
  {
    method: 'get',
    path: `${VERSION}/performance`,
    tag,
    summary: 'Performance of a version over time',
    description:
      'Each observation says how it was recorded: recording "schedule" (one of the feedback schedule’s periods; schedule gives the period length it was cut on and isTransition) or "request" (recorded on request, e.g. an ad-hoc review of a span the schedule also recorded; schedule is null). The schedule’s periods never overlap; a recording on request is an observation of its own beside them.',
    success: {
      status: 200,
      description: 'observations, oldest period first, each with recording and schedule',
    },
  },
  {
    method: 'get',
    path: `${VERSION}/feedback-summary`,
    tag,
    summary: 'Clinician feedback on the version’s outputs in [periodStart, periodEnd), from the audit trail',
    description:
      'Counts by verdict and reason, total, acceptance rate and override rate ((modified + rejected) / total; null without feedback). A clinician who judged one output more than once counts once, with the latest verdict.',
    query: feedbackPeriodQuery,
    success: { status: 200, description: 'the summary' },
    refusals: ['model.unknown', 'model_version.unknown'],
  },
  {
    method: 'post',
    path: `${VERSION}/performance/clinician-feedback`,
    tag,
    summary:
      'Record the period’s feedback summary as performance (source clinician-feedback); floors not met raise an alert',
    description:
      'Metrics: feedback_count (overall and per verdict=… and reason=… subgroup), feedback_acceptance_rate and feedback_override_rate (no rate without feedback, so a rate floor is then breached as not reported). Floors are minimums: bound overrides with a floor on feedback_acceptance_rate.',
    body: feedbackObservationBody,
    success: {
      status: 201,
      description:
        'the observation with its breaches and isAlert, recording "request" (never one of the schedule’s periods), and the summary',
    },
    refusals: ['model.unknown', 'model_version.unknown'],
  },
];
