import type { DocumentedRoute } from '../docs/openapi-document.js';
import { feedbackFloorsBody } from '../models/registry-dto.js';

const VERSION = '/models/{name}/versions/{version}';
const tag = 'post-market surveillance';

/** Declared floors of clinicians' feedback, and the schedule that records each closed period. */
export const POST_MARKET_ROUTES: readonly DocumentedRoute[] = [
  {
    method: 'put',
    path: `${VERSION}/feedback-floors`,
    tag,
    summary: 'Declare the floors the version’s clinician feedback is held to, as a new revision',
    description:
      'Floors are minimums on feedback_acceptance_rate (overall, 0 to 1) or feedback_count (overall, verdict=…, reason=…), one per metric and subgroup; an empty list withdraws them. The schedule records each closed period of a deployed or canary version against the revision in force, and POST …/performance/clinician-feedback uses it when its body gives no floors. Audited as model_version.feedback_floors_declared with the floors’ SHA-256.',
    body: feedbackFloorsBody,
    success: {
      status: 200,
      description: 'the new revision: floors, revision, reason, declaredBy, declaredAt',
    },
    refusals: ['model.unknown', 'model_version.unknown'],
  },
  {
    method: 'get',
    path: `${VERSION}/feedback-floors`,
    tag,
    summary: 'The version’s declared feedback floors: the revision in force and every revision',
    success: { status: 200, description: '`current` (null if none declared) and `revisions`, newest first' },
    refusals: ['model.unknown', 'model_version.unknown'],
  },
  {
    method: 'get',
    path: `${VERSION}/feedback-schedule`,
    tag,
    summary: 'Where the version stands with the feedback schedule: last period recorded, next period',
    description:
      'period is the length in force in the registry (every run records by it), in force since periodInForceSince. lastRecorded and recordedPeriods count the schedule’s own periods only, never a recording on request. A period with isTransition is the stretch from the last period of the former length to the first boundary of the new one, after PRAESIDIUM_FEEDBACK_PERIOD changed.',
    success: {
      status: 200,
      description:
        'period, periodInForceSince, checkSeconds, floors, serving, isScheduled, lastRecorded (with its period and isTransition), recordedPeriods, nextPeriod (with isTransition)',
    },
    refusals: ['model.unknown', 'model_version.unknown'],
  },
  {
    method: 'post',
    path: '/post-market/feedback-schedule/runs',
    tag,
    summary: 'Record every closed period now, for each version the schedule covers, as a job',
    description:
      'The run the schedule makes by itself every PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS; a period already recorded is never recorded again. The run carries this governance’s PRAESIDIUM_FEEDBACK_PERIOD: whichever process runs it records with that length, and a run whose length is not the one in force fails with feedback_schedule.period_mismatch (GET /jobs/{id}), recording nothing.',
    success: {
      status: 202,
      description:
        '`job` id and `status`, the URL to poll (`GET /jobs/{id}`: its result lists each period recorded, with its period and isTransition)',
    },
    refusals: ['jobs.unavailable'],
  },
];
