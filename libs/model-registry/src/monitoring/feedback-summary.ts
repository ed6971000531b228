import type { MetricResult } from '../pccp/change-control-plan.js';
import { FEEDBACK_REASONS, FEEDBACK_VERDICTS } from './clinician-feedback.js';

export type FeedbackVerdict = (typeof FEEDBACK_VERDICTS)[number];
export type FeedbackReason = (typeof FEEDBACK_REASONS)[number];

/** The source of performance observations computed from clinicians' feedback in the audit trail. */
export const CLINICIAN_FEEDBACK_SOURCE = 'clinician-feedback';

/** The metric names a feedback observation reports (floors may name them). */
export const FEEDBACK_METRICS = {
  count: 'feedback_count',
  acceptanceRate: 'feedback_acceptance_rate',
  overrideRate: 'feedback_override_rate',
} as const;

/** How many judgments gave one verdict for one reason (a row of the database's grouping). */
export interface FeedbackCount {
  readonly verdict: string;
  readonly reason: string | null;
  readonly count: number;
}

/** Clinicians' judgments of one model version's outputs over one period. */
export interface FeedbackSummary {
  readonly model: string;
  readonly version: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly total: number;
  /** Every verdict, zero included. */
  readonly byVerdict: Readonly<Record<FeedbackVerdict, number>>;
  /** Every reason, zero included. */
  readonly byReason: Readonly<Record<FeedbackReason, number>>;
  /** accepted / total; null without feedback (no rate is not a rate of zero). */
  readonly acceptanceRate: number | null;
  /** (modified + rejected) / total: how often a clinician overrode the output; null without feedback. */
  readonly overrideRate: number | null;
}

export interface FeedbackSubject {
  readonly model: string;
  readonly version: string;
  readonly periodStart: Date;
  readonly periodEnd: Date;
}

const isVerdict = (value: string): value is FeedbackVerdict =>
  (FEEDBACK_VERDICTS as readonly string[]).includes(value);
const isReason = (value: string | null): value is FeedbackReason =>
  (FEEDBACK_REASONS as readonly string[]).includes(value ?? '');

/**
 * Adds up the grouped counts. Only the verdicts and reasons the gateway accepts count: the gateway
 * validates against the same lists, so anything else is not clinician feedback.
 */
export function summarizeFeedback(
  subject: FeedbackSubject,
  counts: readonly FeedbackCount[],
): FeedbackSummary {
  const byVerdict = zeroed(FEEDBACK_VERDICTS);
  const byReason = zeroed(FEEDBACK_REASONS);
  for (const row of counts) {
    if (!isVerdict(row.verdict)) continue;
    byVerdict[row.verdict] += row.count;
    if (isReason(row.reason)) byReason[row.reason] += row.count;
  }
  const total = byVerdict.accepted + byVerdict.modified + byVerdict.rejected;
  return {
    model: subject.model,
    version: subject.version,
    periodStart: subject.periodStart.toISOString(),
    periodEnd: subject.periodEnd.toISOString(),
    total,
    byVerdict,
    byReason,
    acceptanceRate: total === 0 ? null : byVerdict.accepted / total,
    overrideRate: total === 0 ? null : (byVerdict.modified + byVerdict.rejected) / total,
  };
}

/**
 * The summary as performance metrics: the count overall and per verdict and reason (subgroups
 * `verdict=…`, `reason=…`), and both rates. A period without feedback reports no rate, so a floor on
 * a rate is then breached as "not reported": silence is a signal too (MDR Art. 83).
 */
export function feedbackMetrics(summary: FeedbackSummary): MetricResult[] {
  const { count, acceptanceRate, overrideRate } = FEEDBACK_METRICS;
  const metric = (name: string, subgroup: string, value: number): MetricResult => ({
    metric: name,
    subgroup,
    value,
  });
  return [
    metric(count, 'overall', summary.total),
    ...Object.entries(summary.byVerdict).map(([verdict, n]) => metric(count, `verdict=${verdict}`, n)),
    ...Object.entries(summary.byReason).map(([reason, n]) => metric(count, `reason=${reason}`, n)),
    ...(summary.acceptanceRate === null ? [] : [metric(acceptanceRate, 'overall', summary.acceptanceRate)]),
    ...(summary.overrideRate === null ? [] : [metric(overrideRate, 'overall', summary.overrideRate)]),
  ];
}

function zeroed<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}
