import {
  biasReportSettingsSchema,
  type BiasReportSettings,
  type BiasReportSettingsInput,
  type ColumnMapping,
} from './bias-report-settings.js';
import { bootstrapIntervals } from './count-bootstrap.js';
import type { EvaluationTable } from './evaluation-table.js';
import {
  auroc,
  COUNT_METRICS,
  reliabilityCurve,
  rocCurve,
  SCORE_METRICS,
  type Confusion,
  type GroupSummary,
  type MetricName,
  type ReliabilityPoint,
} from './group-metrics.js';
import { addSummary, cellSummary, emptySummary, summaryRows } from './group-summaries.js';
import { buildGroupings, groupingAttributeSets, type Grouping } from './groupings.js';
import { judge, worstOutcome, type Estimate, type Judgement, type Outcome } from './judgement.js';
import { plainLanguageSummary } from './plain-language-summary.js';
import { StatisticsLayout, type AurocShifts, type DisparityName } from './statistics-layout.js';

export const BIAS_REPORT_FORMAT = 'praesidium.bias-report/1';

/** What the numbers were computed from: enough to find the exact file again and check it is the same. */
export interface DatasetDescription {
  readonly sha256: string;
  readonly format: 'csv' | 'ndjson';
  readonly bytes: number;
  readonly rows: number;
  readonly name?: string;
}

export interface GroupReport {
  readonly key: string;
  readonly values: Readonly<Record<string, string>>;
  readonly count: number;
  readonly isSmall: boolean;
  readonly confusion: Confusion;
  readonly metrics: Record<MetricName, Estimate>;
  /** Selection rate over the highest group's (the four-fifths rule's ratio). */
  readonly disparateImpact: Estimate;
  /** Aequitas-style comparison with the grouping's reference group. */
  readonly reference: Record<MetricName, { difference: Estimate; ratio: Estimate }>;
  readonly roc: { fpr: number; tpr: number }[];
  readonly reliability: ReliabilityPoint[];
}

export interface GroupingReport {
  readonly name: string;
  readonly attributes: readonly string[];
  readonly referenceGroup: string;
  readonly smallGroups: string[];
  readonly groups: GroupReport[];
  readonly disparities: Record<DisparityName, Estimate>;
  /** Groups whose selection rate is below four fifths of the highest (EEOC four-fifths rule). */
  readonly fourFifthsRuleViolations: string[];
}

export interface BiasReport {
  readonly format: typeof BIAS_REPORT_FORMAT;
  readonly dataset: DatasetDescription;
  readonly mapping: ColumnMapping;
  readonly settings: BiasReportSettings;
  readonly metrics: readonly MetricName[];
  readonly overall: Omit<GroupReport, 'key' | 'values' | 'isSmall' | 'disparateImpact' | 'reference'>;
  readonly groupings: GroupingReport[];
  readonly judgements: Judgement[];
  readonly verdict: Outcome;
  readonly summary: string[];
}

export interface ComputeOptions {
  onProgress?: (fraction: number) => void | Promise<void>;
  /** Threads drawing bootstrap resamples (default: the cores, at most 4); the report does not depend on it. */
  threads?: number;
}

/** Computes every metric, disparity, interval and judgement of a bias report from an aggregated table. */
export async function computeBiasReport(
  table: EvaluationTable,
  dataset: DatasetDescription,
  mapping: ColumnMapping,
  settingsInput: BiasReportSettingsInput,
  options: ComputeOptions = {},
): Promise<BiasReport> {
  const settings = biasReportSettingsSchema.parse(settingsInput);
  if (table.hasScores && table.scoreBins !== settings.scoreBins)
    throw new Error('the table was aggregated with other score bins than the settings name');
  const metrics: MetricName[] = [...COUNT_METRICS, ...(table.hasScores ? SCORE_METRICS : [])];
  const groupings = buildGroupings(table, groupingAttributeSets(mapping.sensitive, settings.intersections));
  const fineBins = settings.scoreBins;
  const cellsFine = table.cells.map((cell) =>
    cellSummary(cell, fineBins, fineBins, settings.calibrationBins),
  );
  const cellsCoarse = table.cells.map((cell) =>
    cellSummary(cell, fineBins, settings.bootstrapScoreBins, settings.calibrationBins),
  );
  const fine = summarize(groupings, cellsFine, table.hasScores, fineBins, settings.calibrationBins);
  const coarse = summarize(
    groupings,
    cellsCoarse,
    table.hasScores,
    settings.bootstrapScoreBins,
    settings.calibrationBins,
  );
  const referenceGroups = groupings.map((grouping, g) =>
    referenceGroupIndex(grouping, fine.groups[g], settings),
  );
  const layout = new StatisticsLayout(groupings, metrics, referenceGroups);
  const point = new Float64Array(layout.size);
  const noShift: AurocShifts = { overall: 0, groups: groupings.map((g) => g.groups.map(() => 0)) };
  layout.evaluate(fine.overall, fine.groups, noShift, point);
  const shifts: AurocShifts = {
    overall: aurocGap(fine.overall, coarse.overall),
    groups: fine.groups.map((groups, g) =>
      groups.map((summary, i) => aurocGap(summary, coarse.groups[g][i])),
    ),
  };
  const intervals = await bootstrapIntervals(
    table,
    groupings,
    layout,
    shifts,
    { ...settings.bootstrap, bins: settings.bootstrapScoreBins, calibrationBins: settings.calibrationBins },
    options.onProgress,
    options.threads,
  );
  const estimate = (index: number): Estimate => ({
    value: orNull(point[index]),
    lower: orNull(intervals.lower[index]),
    upper: orNull(intervals.upper[index]),
  });
  /**
   * Between-group max − min (and min / max) is biased away from parity, and its bootstrap replicates
   * overshoot by about as much again: the basic interval [2θ̂ − q_hi, 2θ̂ − q_lo] reflects that bias
   * back, where the percentile interval would double it. Clamped to [0, 1], where these statistics live.
   */
  const disparityEstimate = (index: number): Estimate => {
    const value = orNull(point[index]);
    const lower = orNull(intervals.lower[index]);
    const upper = orNull(intervals.upper[index]);
    if (value === null || lower === null || upper === null) return { value, lower, upper };
    return { value, lower: clampUnit(2 * value - upper), upper: clampUnit(2 * value - lower) };
  };
  const metricEstimates = (index: (m: number) => number) =>
    Object.fromEntries(metrics.map((metric, m) => [metric, estimate(index(m))])) as Record<
      MetricName,
      Estimate
    >;

  const groupingReports: GroupingReport[] = groupings.map((grouping, g) => {
    const groups = grouping.groups.map((group, i): GroupReport => {
      const summary = fine.groups[g][i];
      const count = summaryRows(summary);
      return {
        key: group.key,
        values: group.values,
        count,
        isSmall: count < settings.minGroupSize,
        confusion: { ...summary.confusion },
        metrics: metricEstimates((m) => layout.groupMetricIndex(g, i, m)),
        disparateImpact: estimate(layout.disparateImpactIndex(g, i)),
        reference: Object.fromEntries(
          metrics.map((metric, m) => [
            metric,
            {
              difference: estimate(layout.referenceIndex(g, i, m, 'difference')),
              ratio: estimate(layout.referenceIndex(g, i, m, 'ratio')),
            },
          ]),
        ) as GroupReport['reference'],
        roc: summary.scores ? thin(rocCurve(summary.scores.positives, summary.scores.negatives)) : [],
        reliability: summary.scores ? reliabilityCurve(summary.scores.calibration) : [],
      };
    });
    return {
      name: grouping.name,
      attributes: grouping.attributes,
      referenceGroup: grouping.groups[referenceGroups[g]].key,
      smallGroups: groups.filter((group) => group.isSmall).map((group) => group.key),
      groups,
      disparities: Object.fromEntries(
        layout.disparityNames.map((name, d) => [name, disparityEstimate(layout.disparityIndex(g, d))]),
      ) as Record<DisparityName, Estimate>,
      fourFifthsRuleViolations: groups
        .filter((group) => group.disparateImpact.value !== null && group.disparateImpact.value < 0.8)
        .map((group) => group.key),
    };
  });

  const judgements = groupingReports.flatMap((grouping) =>
    settings.thresholds
      .filter((rule) => rule.statistic in grouping.disparities)
      .map((rule) =>
        judge(
          grouping.name,
          rule.statistic,
          rule,
          grouping.disparities[rule.statistic as DisparityName],
          grouping.smallGroups,
          settings.minGroupSize,
        ),
      ),
  );
  const report: Omit<BiasReport, 'summary'> = {
    format: BIAS_REPORT_FORMAT,
    dataset,
    mapping,
    settings,
    metrics,
    overall: {
      count: summaryRows(fine.overall),
      confusion: { ...fine.overall.confusion },
      metrics: metricEstimates((m) => layout.overallIndex(m)),
      roc: fine.overall.scores
        ? thin(rocCurve(fine.overall.scores.positives, fine.overall.scores.negatives))
        : [],
      reliability: fine.overall.scores ? reliabilityCurve(fine.overall.scores.calibration) : [],
    },
    groupings: groupingReports,
    judgements,
    verdict: worstOutcome(judgements.map((judgement) => judgement.outcome)),
  };
  return { ...report, summary: plainLanguageSummary(report) };
}

function summarize(
  groupings: readonly Grouping[],
  cells: readonly GroupSummary[],
  withScores: boolean,
  bins: number,
  calibrationBins: number,
): { overall: GroupSummary; groups: GroupSummary[][] } {
  const overall = emptySummary(withScores, bins, calibrationBins);
  for (const cell of cells) addSummary(overall, cell);
  const groups = groupings.map((grouping) =>
    grouping.groups.map((group) => {
      const summary = emptySummary(withScores, bins, calibrationBins);
      for (const cell of group.cells) addSummary(summary, cells[cell]);
      return summary;
    }),
  );
  return { overall, groups };
}

/**
 * The bootstrap redraws scores over coarse bins, which merge nearby scores into ties; the part of the
 * AUROC that comes from ordering within a coarse bin is held at its observed value by adding this gap.
 */
function aurocGap(fine: GroupSummary, coarse: GroupSummary): number {
  if (!fine.scores || !coarse.scores) return 0;
  const exact = auroc(fine.scores.positives, fine.scores.negatives);
  const merged = auroc(coarse.scores.positives, coarse.scores.negatives);
  return exact === null || merged === null ? 0 : exact - merged;
}

/** The configured reference group, else the largest group (Aequitas's "majority" default). */
function referenceGroupIndex(
  grouping: Grouping,
  summaries: GroupSummary[],
  settings: BiasReportSettings,
): number {
  const configured = settings.referenceGroups[grouping.name];
  if (configured !== undefined) {
    const index = grouping.groups.findIndex((group) => group.key === configured);
    if (index < 0) throw new Error(`reference group ${configured} does not exist in ${grouping.name}`);
    return index;
  }
  let largest = 0;
  summaries.forEach((summary, index) => {
    if (summaryRows(summary) > summaryRows(summaries[largest])) largest = index;
  });
  return largest;
}

/** At most ~200 points of a curve, keeping both ends: enough for a chart, small in the JSON. */
function thin<T>(points: T[], most = 200): T[] {
  if (points.length <= most) return points;
  const step = Math.ceil(points.length / most);
  return points.filter((_, index) => index % step === 0 || index === points.length - 1);
}

function clampUnit(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function orNull(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}
