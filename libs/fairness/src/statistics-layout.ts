import { COUNT_METRICS, fillMetrics, type GroupSummary, type MetricName } from './group-metrics.js';
import type { Grouping } from './groupings.js';

/**
 * Named disparities, defined as Fairlearn defines them (docs/fairness-metrics.md). Here rather than
 * with the settings so that a bootstrap worker thread loads no validation library.
 */
export const NAMED_DISPARITIES = [
  'demographicParityDifference',
  'demographicParityRatio',
  'equalizedOddsDifference',
  'equalizedOddsRatio',
  'equalOpportunityDifference',
  'equalOpportunityRatio',
  'predictiveParityDifference',
  'predictiveParityRatio',
] as const;
export type NamedDisparity = (typeof NAMED_DISPARITIES)[number];

/** The disparities of one grouping: the named ones, then each metric's difference and ratio. */
export type DisparityName = NamedDisparity | `${MetricName}.difference` | `${MetricName}.ratio`;

/** AUROC corrections added to coarse-histogram AUROCs (zero for point estimates). */
export interface AurocShifts {
  readonly overall: number;
  readonly groups: readonly (readonly number[])[];
}

/**
 * Every number of a report (metrics, disparities, reference comparisons) laid out in one flat array, so
 * the point estimate and each bootstrap resample run the very same code and the intervals line up.
 * Undefined values (a zero denominator) are NaN in the array and null in the report.
 */
export class StatisticsLayout {
  readonly size: number;
  readonly disparityNames: DisparityName[];
  private readonly bases: number[] = [];

  constructor(
    readonly groupings: readonly Grouping[],
    readonly metrics: readonly MetricName[],
    readonly referenceGroups: readonly number[],
  ) {
    this.disparityNames = [
      ...NAMED_DISPARITIES,
      ...metrics.flatMap((metric) => [`${metric}.difference` as const, `${metric}.ratio` as const]),
    ];
    let offset = metrics.length;
    for (const grouping of groupings) {
      this.bases.push(offset);
      const groups = grouping.groups.length;
      offset += groups * metrics.length + this.disparityNames.length + groups * metrics.length * 2 + groups;
    }
    this.size = offset;
  }

  overallIndex(metric: number): number {
    return metric;
  }

  groupMetricIndex(grouping: number, group: number, metric: number): number {
    return this.bases[grouping] + group * this.metrics.length + metric;
  }

  disparityIndex(grouping: number, disparity: number): number {
    return this.bases[grouping] + this.groupings[grouping].groups.length * this.metrics.length + disparity;
  }

  referenceIndex(grouping: number, group: number, metric: number, measure: 'difference' | 'ratio'): number {
    const groups = this.groupings[grouping].groups.length;
    const start = this.bases[grouping] + groups * this.metrics.length + this.disparityNames.length;
    return start + (group * this.metrics.length + metric) * 2 + (measure === 'ratio' ? 1 : 0);
  }

  disparateImpactIndex(grouping: number, group: number): number {
    const groups = this.groupings[grouping].groups.length;
    return this.bases[grouping] + groups * this.metrics.length * 3 + this.disparityNames.length + group;
  }

  /** Fills `out` with every statistic computed from the summaries of the overall population and of each group. */
  evaluate(
    overall: GroupSummary,
    summaries: readonly (readonly GroupSummary[])[],
    shifts: AurocShifts,
    out: Float64Array,
  ): void {
    const metricCount = this.metrics.length;
    const withScores = metricCount > COUNT_METRICS.length;
    fillMetrics(overall, shifts.overall, out, this.overallIndex(0), withScores);
    for (let g = 0; g < this.groupings.length; g++) {
      const groups = summaries[g];
      const base = this.groupMetricIndex(g, 0, 0);
      for (let i = 0; i < groups.length; i++)
        fillMetrics(groups[i], shifts.groups[g][i], out, base + i * metricCount, withScores);
      this.evaluateDisparities(g, base, groups.length, out);
      this.evaluateReferences(g, base, groups.length, out);
    }
  }

  private evaluateDisparities(g: number, base: number, groups: number, out: Float64Array): void {
    const stride = this.metrics.length;
    const spread = (metric: MetricName) => {
      const m = this.metrics.indexOf(metric);
      return m < 0 ? UNDEFINED_SPREAD : betweenGroups(out, base + m, stride, groups);
    };
    const selection = spread('selectionRate');
    const tpr = spread('tpr');
    const fpr = spread('fpr');
    const ppv = spread('ppv');
    const named: Record<NamedDisparity, number> = {
      demographicParityDifference: selection.difference,
      demographicParityRatio: selection.ratio,
      equalizedOddsDifference: Math.max(tpr.difference, fpr.difference),
      equalizedOddsRatio: Math.min(tpr.ratio, fpr.ratio),
      equalOpportunityDifference: tpr.difference,
      equalOpportunityRatio: tpr.ratio,
      predictiveParityDifference: ppv.difference,
      predictiveParityRatio: ppv.ratio,
    };
    NAMED_DISPARITIES.forEach((name, d) => (out[this.disparityIndex(g, d)] = named[name]));
    for (let m = 0; m < stride; m++) {
      const { difference, ratio } = betweenGroups(out, base + m, stride, groups);
      out[this.disparityIndex(g, NAMED_DISPARITIES.length + 2 * m)] = difference;
      out[this.disparityIndex(g, NAMED_DISPARITIES.length + 2 * m + 1)] = ratio;
    }
    const s = this.metrics.indexOf('selectionRate');
    const highest = selection.max;
    for (let i = 0; i < groups; i++)
      out[this.disparateImpactIndex(g, i)] = highest > 0 ? out[base + i * stride + s] / highest : NaN;
  }

  private evaluateReferences(g: number, base: number, groups: number, out: Float64Array): void {
    const stride = this.metrics.length;
    const reference = base + this.referenceGroups[g] * stride;
    for (let i = 0; i < groups; i++) {
      for (let m = 0; m < stride; m++) {
        const value = out[base + i * stride + m];
        const referenceValue = out[reference + m];
        out[this.referenceIndex(g, i, m, 'difference')] = value - referenceValue;
        out[this.referenceIndex(g, i, m, 'ratio')] = referenceValue !== 0 ? value / referenceValue : NaN;
      }
    }
  }
}

const UNDEFINED_SPREAD = { difference: NaN, ratio: NaN, max: NaN };

/**
 * Fairlearn's between_groups aggregates over the groups where the metric is defined: difference
 * max − min, ratio min / max. Fewer than two defined groups, or max = 0 for the ratio, gives NaN.
 * Math.max/min propagate NaN, so equalized odds is undefined if either of its rates is.
 */
function betweenGroups(
  values: Float64Array,
  start: number,
  stride: number,
  count: number,
): { difference: number; ratio: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  let defined = 0;
  for (let i = 0; i < count; i++) {
    const value = values[start + i * stride];
    if (Number.isNaN(value)) continue;
    defined++;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (defined < 2) return { difference: NaN, ratio: NaN, max: defined === 1 ? max : NaN };
  return { difference: max - min, ratio: max > 0 ? min / max : NaN, max };
}
