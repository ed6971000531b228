import type { BiasReport } from '../bias-report.js';
import { METRIC_LABELS } from '../group-metrics.js';
import type { Estimate, Judgement } from '../judgement.js';
import { groupingCharts } from './grouping-charts.js';

/** A judgement as a table row: its estimate and threshold written out. */
export interface JudgementRow extends Omit<Judgement, 'estimate'> {
  readonly estimate: string;
  readonly threshold: string;
}

/** One group's row: its size, a flag when it is small, and one cell per report metric then disparate impact. */
export interface GroupRow {
  readonly key: string;
  readonly isSmall: boolean;
  readonly count: number;
  readonly cells: string[];
}

/** What a reader sees of one grouping: its reference, flagged groups, disparities, charts and group rows. */
export interface GroupingTables {
  readonly name: string;
  readonly referenceGroup: string;
  readonly smallGroups: string[];
  readonly fourFifths: string[];
  readonly disparities: { name: string; estimate: string }[];
  /** Inline SVG, every text from data escaped (svg-charts.ts), so a page may insert it unescaped. */
  readonly charts: string[];
  readonly groups: GroupRow[];
}

export interface ReportTables {
  /** Column headings of the group rows' metric cells, in `report.metrics` order. */
  readonly metricLabels: string[];
  readonly judgements: JudgementRow[];
  readonly groupings: GroupingTables[];
}

/**
 * The report's tables as text, every estimate with its interval: the judgements against the policy and,
 * per grouping, disparities, charts and per-group metrics. The HTML report and the web console's report
 * page both render these, so the board reads the same numbers in both.
 */
export function reportTables(report: BiasReport): ReportTables {
  return {
    metricLabels: report.metrics.map((metric) => METRIC_LABELS[metric]),
    judgements: report.judgements.map((judgement) => ({
      ...judgement,
      estimate: estimateText(judgement.estimate),
      threshold: judgement.rule.max !== undefined ? `≤ ${judgement.rule.max}` : `≥ ${judgement.rule.min}`,
    })),
    groupings: report.groupings.map((grouping) => ({
      name: grouping.name,
      referenceGroup: grouping.referenceGroup,
      smallGroups: grouping.smallGroups,
      fourFifths: grouping.fourFifthsRuleViolations,
      disparities: Object.entries(grouping.disparities).map(([name, estimate]) => ({
        name,
        estimate: estimateText(estimate),
      })),
      charts: groupingCharts(report, grouping),
      groups: grouping.groups.map((group) => ({
        key: group.key,
        isSmall: group.isSmall,
        count: group.count,
        cells: [
          ...report.metrics.map((metric) => estimateText(group.metrics[metric])),
          estimateText(group.disparateImpact),
        ],
      })),
    })),
  };
}

/** `0.812 [0.771, 0.850]`: a value with its interval, as the report writes every estimate. */
export function estimateText(estimate: Estimate): string {
  if (estimate.value === null) return 'undefined';
  const value = estimate.value.toFixed(3);
  return estimate.lower === null || estimate.upper === null
    ? value
    : `${value} [${estimate.lower.toFixed(3)}, ${estimate.upper.toFixed(3)}]`;
}
