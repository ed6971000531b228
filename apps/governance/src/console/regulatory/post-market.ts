import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { FeedbackSummary, MetricResult, FloorBreach } from '@praesidium/model-registry';
import { attempt, flash, problemFlash, readableProblem } from '../console-page.js';
import type { ConsoleApi } from '../console-api.js';
import { ApiProblem } from '../console-api.js';
import { formOf, segment, userOf, versionHref } from '../page-support.js';
import { floorsOfForm, optionalCount, optionalRate } from './feedback-plan.js';

/** The days a version page shows feedback for when the user has not picked a period. */
const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;

/** The feedback period of the version page: whole UTC days, `from` to `to` inclusive. */
export const feedbackPeriodQuery = z.object({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
});

const recordForm = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  minimumAcceptance: optionalRate,
  minimumCount: optionalCount,
});

interface ApiObservation {
  id: string;
  periodStart: string;
  periodEnd: string;
  source: string;
  isAlert: boolean;
  createdBy: string;
  result: { metrics: MetricResult[]; breaches: FloorBreach[]; floorsRevision?: number };
  recording: 'schedule' | 'request';
  schedule: { period: string | null; isTransition: boolean } | null;
}

export interface FeedbackPeriod {
  readonly from: string;
  readonly to: string;
}

/** The period asked for, or the last {@link DEFAULT_DAYS} days up to today (UTC). */
export function feedbackPeriod(query: unknown): FeedbackPeriod {
  const { from, to } = formOf(feedbackPeriodQuery, query);
  const end = to ?? new Date().toISOString().slice(0, 10);
  const start = from ?? new Date(Date.parse(end) - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  return { from: start, to: end };
}

/** [periodStart, periodEnd) of the API for whole days `from` to `to`. */
function apiPeriod({ from, to }: FeedbackPeriod) {
  return {
    periodStart: `${from}T00:00:00Z`,
    periodEnd: new Date(Date.parse(to) + DAY_MS).toISOString(),
  };
}

/**
 * The post-market section of a version page (MDR Annex III, EU AI Act Art. 72): clinicians' feedback
 * over the period and the performance observations with their alerts, each readable on its own.
 */
export async function postMarketView(api: ConsoleApi, versionPath: string, period: FeedbackPeriod) {
  const [summary, observations] = await Promise.all([
    attempt(() => api.get<FeedbackSummary>(`${versionPath}/feedback-summary`, apiPeriod(period))),
    attempt(() => api.get<ApiObservation[]>(`${versionPath}/performance`)),
  ]);
  const feedback = summary.value;
  return {
    problem: summary.problem ?? observations.problem,
    period,
    feedback: feedback && {
      total: feedback.total,
      acceptance: percent(feedback.acceptanceRate),
      override: percent(feedback.overrideRate),
      verdicts: Object.entries(feedback.byVerdict).map(([verdict, count]) => ({ verdict, count })),
      reasons: Object.entries(feedback.byReason).map(([reason, count]) => ({ reason, count })),
    },
    observations: observations.value
      ?.map((observation) => ({
        ...observation,
        metrics: observation.result.metrics
          .filter((metric) => metric.subgroup === 'overall')
          .map((metric) => `${metric.metric} ${round(metric.value)}`)
          .join('; '),
        breaches: breachText(observation.result.breaches),
        floorsRevision: observation.result.floorsRevision,
        recordingText: recordingText(observation),
      }))
      .reverse(),
  };
}

/** The version page's form: the period's feedback recorded as performance, with the floors given. */
export function registerPostMarketRoutes(app: FastifyInstance): void {
  app.post('/registry/:model/:version/feedback-performance', async (request, reply) => {
    const { model, version } = z.object({ model: z.string(), version: z.string() }).parse(request.params);
    const form = formOf(recordForm, request.body);
    const period = { from: form.from, to: form.to };
    const floors = floorsOfForm(form);
    const path = `/models/${segment(model)}/versions/${segment(version)}/performance/clinician-feedback`;
    try {
      // No floor in the form: the version's declared floors apply.
      const recorded = await userOf(request).api.post<ApiObservation>(path, {
        ...apiPeriod(period),
        ...(floors.length > 0 ? { floors } : {}),
      });
      flash(request, {
        kind: 'success',
        text: recorded.isAlert
          ? `Recorded, with an alert: ${breachText(recorded.result.breaches)}.`
          : 'Recorded: every floor met.',
      });
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      flash(request, problemFlash(readableProblem(error.problem)));
    }
    const query = new URLSearchParams(period).toString();
    return reply.redirect(`${versionHref(model, version)}?${query}#post-market`, 303);
  });
}

/** Whether the schedule recorded the period, or someone on request (which may repeat a scheduled span). */
function recordingText({ recording, schedule }: ApiObservation): string {
  if (recording === 'request' || !schedule) return 'on request';
  const grid = schedule.period ? `schedule, ${periodText(schedule.period)}` : 'schedule';
  return schedule.isTransition ? `${grid}, transition` : grid;
}

const periodText = (period: string): string => (/^\d+$/.test(period) ? `${period} s` : period);

function breachText(breaches: readonly FloorBreach[]): string {
  return breaches
    .map(
      (breach) =>
        `${breach.metric} [${breach.subgroup}] ${breach.observed === undefined ? 'not reported' : round(breach.observed)} below ${breach.minimum}`,
    )
    .join('; ');
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

function percent(rate: number | null): string {
  return rate === null ? 'no feedback' : `${Math.round(rate * 1000) / 10} %`;
}
