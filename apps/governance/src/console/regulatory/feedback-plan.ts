import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FeedbackPeriodLength } from '@praesidium/config';
import type { PerformanceFloor } from '@praesidium/model-registry';
import { attempt } from '../console-page.js';
import type { ConsoleApi } from '../console-api.js';
import { formOf, segment, submitThenRedirect, userOf, versionHref } from '../page-support.js';

const ACCEPTANCE = 'feedback_acceptance_rate';
const COUNT = 'feedback_count';

interface ApiFloorRevision {
  revision: number;
  floors: PerformanceFloor[];
  reason: string;
  declaredBy: string;
  declaredAt: string;
}

interface ApiSchedule {
  period: FeedbackPeriodLength | null;
  periodInForceSince: string | null;
  checkSeconds: number;
  floors: ApiFloorRevision | null;
  serving: { isCanary: boolean } | null;
  isScheduled: boolean;
  lastRecorded: {
    periodStart: string;
    periodEnd: string;
    isAlert: boolean;
    floorsRevision: number;
    recordedAt: string;
    isTransition: boolean;
  } | null;
  recordedPeriods: number;
  nextPeriod: { periodStart: string; periodEnd: string; isTransition: boolean } | null;
}

/** A floor field of a form: empty means "no such floor". */
export const optionalRate = z.union([z.literal(''), z.coerce.number().min(0).max(1)]).optional();
export const optionalCount = z.union([z.literal(''), z.coerce.number().int().min(0)]).optional();

const declareForm = z.object({
  minimumAcceptance: optionalRate,
  minimumCount: optionalCount,
  reason: z.string().trim().min(1).max(2000),
});

/** The floors the console's two fields give (the API takes more: per verdict, per reason). */
export function floorsOfForm(form: { minimumAcceptance?: number | ''; minimumCount?: number | '' }) {
  return [
    ...(typeof form.minimumAcceptance === 'number'
      ? [{ metric: ACCEPTANCE, minimum: form.minimumAcceptance }]
      : []),
    ...(typeof form.minimumCount === 'number' ? [{ metric: COUNT, minimum: form.minimumCount }] : []),
  ];
}

/**
 * The version's post-market plan for feedback: the floors in force and every revision, and where
 * the schedule stands (cadence, last period recorded, the next one), or why it records nothing.
 */
export async function feedbackPlanView(api: ConsoleApi, versionPath: string) {
  const [floors, schedule] = await Promise.all([
    attempt(() => api.get<{ revisions: ApiFloorRevision[] }>(`${versionPath}/feedback-floors`)),
    attempt(() => api.get<ApiSchedule>(`${versionPath}/feedback-schedule`)),
  ]);
  const status = schedule.value;
  const current = status?.floors ?? null;
  return {
    problem: floors.problem ?? schedule.problem,
    current: current && { ...current, text: floorsText(current.floors) },
    acceptance: current?.floors.find((floor) => floor.metric === ACCEPTANCE && floor.subgroup === 'overall')
      ?.minimum,
    count: current?.floors.find((floor) => floor.metric === COUNT && floor.subgroup === 'overall')?.minimum,
    revisions: floors.value?.revisions.map((revision) => ({
      ...revision,
      text: floorsText(revision.floors),
    })),
    schedule: status && {
      cadence: cadence(status.period),
      periodInForceSince: status.periodInForceSince,
      isScheduled: status.isScheduled && status.checkSeconds > 0,
      notScheduled: notScheduledBecause(status),
      lastRecorded: status.lastRecorded,
      recordedPeriods: status.recordedPeriods,
      nextPeriod: status.nextPeriod,
    },
  };
}

/** The plan's forms: declare the floors (a new revision), and record the closed periods now. */
export function registerFeedbackPlanRoutes(app: FastifyInstance): void {
  app.post('/registry/:model/:version/feedback-floors', async (request, reply) => {
    const { model, version } = z.object({ model: z.string(), version: z.string() }).parse(request.params);
    const form = formOf(declareForm, request.body);
    const path = `/models/${segment(model)}/versions/${segment(version)}/feedback-floors`;
    const floors = floorsOfForm(form);
    return submitThenRedirect(
      request,
      reply,
      `${versionHref(model, version)}#feedback-plan`,
      () => userOf(request).api.put(path, { floors, reason: form.reason }),
      floors.length > 0
        ? 'Floors declared: every period from now on is held to them.'
        : 'Floors withdrawn: the schedule records no period of this version until floors are declared again.',
    );
  });

  app.post('/registry/:model/:version/feedback-schedule-run', async (request, reply) => {
    const { model, version } = z.object({ model: z.string(), version: z.string() }).parse(request.params);
    return submitThenRedirect(
      request,
      reply,
      `${versionHref(model, version)}#feedback-plan`,
      () => userOf(request).api.post('/post-market/feedback-schedule/runs', {}),
      'Queued: every closed period not yet recorded is recorded within moments (reload to see it).',
    );
  });
}

function floorsText(floors: readonly PerformanceFloor[]): string {
  if (floors.length === 0) return 'none (withdrawn)';
  return floors.map((floor) => `${floor.metric} [${floor.subgroup}] ≥ ${floor.minimum}`).join('; ');
}

function cadence(period: FeedbackPeriodLength | null): string {
  if (!period) return 'by a period length governance has not recorded yet';
  switch (period.unit) {
    case 'day':
      return 'each UTC day';
    case 'week':
      return 'each ISO week (Monday 00:00 UTC to Monday)';
    case 'month':
      return 'each calendar month (UTC)';
    case 'seconds':
      return `each period of ${period.seconds} seconds`;
  }
}

function notScheduledBecause(status: ApiSchedule): string | undefined {
  if (status.checkSeconds === 0 && status.isScheduled)
    return 'Automatic recording is off on this installation (PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS=0): record the closed periods below.';
  if (status.isScheduled) return undefined;
  if (!status.floors)
    return 'No floors are declared: declare them below and the schedule records each period.';
  if (status.floors.floors.length === 0) return 'The floors were withdrawn: the schedule records nothing.';
  return 'The version is neither deployed nor a canary: the schedule records only versions that serve calls.';
}
