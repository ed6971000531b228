/**
 * Per-group metrics from a group's sufficient statistics: its confusion matrix and, when scores exist,
 * a score histogram by label plus the sums Brier and calibration need. Every metric is `null` where
 * its denominator is zero (docs/fairness-metrics.md lists each case).
 */

export const COUNT_METRICS = [
  'prevalence',
  'selectionRate',
  'tpr',
  'fpr',
  'tnr',
  'fnr',
  'ppv',
  'npv',
  'accuracy',
  'f1',
] as const;
export const SCORE_METRICS = ['auroc', 'brier', 'ece'] as const;
export type CountMetric = (typeof COUNT_METRICS)[number];
export type ScoreMetric = (typeof SCORE_METRICS)[number];
export type MetricName = CountMetric | ScoreMetric;

export const METRIC_LABELS: Record<MetricName, string> = {
  prevalence: 'Prevalence',
  selectionRate: 'Selection rate',
  tpr: 'True positive rate (sensitivity)',
  fpr: 'False positive rate',
  tnr: 'True negative rate (specificity)',
  fnr: 'False negative rate',
  ppv: 'Positive predictive value (precision)',
  npv: 'Negative predictive value',
  accuracy: 'Accuracy',
  f1: 'F1 score',
  auroc: 'AUROC',
  brier: 'Brier score',
  ece: 'Expected calibration error',
};

/** Counts of one group: true/false positives and negatives. */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/**
 * What every metric of a group is computed from. `positives`/`negatives` are score histograms by label
 * (equal-width bins over [0, 1]); `squaredErrorSum` is Σ(score − label)²; `calibration` holds, for each
 * calibration bin, [rows, positives, score sum].
 */
export interface GroupSummary {
  readonly confusion: Confusion;
  readonly scores?: {
    readonly positives: Float64Array;
    readonly negatives: Float64Array;
    squaredErrorSum: number;
    readonly calibration: Float64Array;
  };
}

export function rate(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

export function countMetrics({ tp, fp, tn, fn }: Confusion): Record<CountMetric, number | null> {
  const n = tp + fp + tn + fn;
  return {
    prevalence: rate(tp + fn, n),
    selectionRate: rate(tp + fp, n),
    tpr: rate(tp, tp + fn),
    fpr: rate(fp, fp + tn),
    tnr: rate(tn, fp + tn),
    fnr: rate(fn, tp + fn),
    ppv: rate(tp, tp + fp),
    npv: rate(tn, tn + fn),
    accuracy: rate(tp + tn, n),
    f1: rate(2 * tp, 2 * tp + fp + fn),
  };
}

/**
 * Area under the ROC curve from score histograms: the probability that a random positive scores above a
 * random negative, ties (same bin) counting one half — the Mann–Whitney form sklearn's roc_auc_score equals.
 */
export function auroc(positives: ArrayLike<number>, negatives: ArrayLike<number>): number | null {
  let negativesBelow = 0;
  let concordant = 0;
  let totalPositives = 0;
  for (let bin = 0; bin < positives.length; bin++) {
    const pos = positives[bin];
    const neg = negatives[bin];
    concordant += pos * (negativesBelow + 0.5 * neg);
    negativesBelow += neg;
    totalPositives += pos;
  }
  const pairs = totalPositives * negativesBelow;
  return pairs > 0 ? concordant / pairs : null;
}

/** Expected calibration error: Σ_b (n_b / n)·|observed rate_b − mean score_b| over non-empty bins. */
export function expectedCalibrationError(calibration: Float64Array): number | null {
  let rows = 0;
  let weighted = 0;
  for (let offset = 0; offset < calibration.length; offset += 3) {
    const count = calibration[offset];
    if (count === 0) continue;
    rows += count;
    weighted += Math.abs(calibration[offset + 1] - calibration[offset + 2]);
  }
  return rows > 0 ? weighted / rows : null;
}

/** Metrics in their canonical order: count metrics, then score metrics. */
export const ALL_METRICS: readonly MetricName[] = [...COUNT_METRICS, ...SCORE_METRICS];

export function groupMetrics(summary: GroupSummary, aurocShift = 0): Record<MetricName, number | null> {
  const values = new Float64Array(ALL_METRICS.length);
  fillMetrics(summary, aurocShift, values, 0, true);
  return Object.fromEntries(
    ALL_METRICS.map((metric, m) => [metric, Number.isNaN(values[m]) ? null : values[m]]),
  ) as Record<MetricName, number | null>;
}

/**
 * Writes the metrics of a group into `out` from `offset` in the order of ALL_METRICS (count metrics
 * only unless `withScores`), NaN where undefined. Allocation-free: the bootstrap calls it for every
 * group of every resample.
 */
export function fillMetrics(
  summary: GroupSummary,
  aurocShift: number,
  out: Float64Array,
  offset: number,
  withScores: boolean,
): void {
  const { tp, fp, tn, fn } = summary.confusion;
  const n = tp + fp + tn + fn;
  out[offset] = n === 0 ? NaN : (tp + fn) / n;
  out[offset + 1] = n === 0 ? NaN : (tp + fp) / n;
  out[offset + 2] = tp + fn === 0 ? NaN : tp / (tp + fn);
  out[offset + 3] = fp + tn === 0 ? NaN : fp / (fp + tn);
  out[offset + 4] = fp + tn === 0 ? NaN : tn / (fp + tn);
  out[offset + 5] = tp + fn === 0 ? NaN : fn / (tp + fn);
  out[offset + 6] = tp + fp === 0 ? NaN : tp / (tp + fp);
  out[offset + 7] = tn + fn === 0 ? NaN : tn / (tn + fn);
  out[offset + 8] = n === 0 ? NaN : (tp + tn) / n;
  out[offset + 9] = 2 * tp + fp + fn === 0 ? NaN : (2 * tp) / (2 * tp + fp + fn);
  if (!withScores) return;
  const scores = summary.scores;
  if (!scores) {
    out[offset + 10] = out[offset + 11] = out[offset + 12] = NaN;
    return;
  }
  const area = auroc(scores.positives, scores.negatives);
  out[offset + 10] = area === null ? NaN : Math.min(1, Math.max(0, area + aurocShift));
  out[offset + 11] = n === 0 ? NaN : scores.squaredErrorSum / n;
  const ece = expectedCalibrationError(scores.calibration);
  out[offset + 12] = ece === null ? NaN : ece;
}

/** One point of a reliability curve: a calibration bin's mean score against its observed positive rate. */
export interface ReliabilityPoint {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly meanScore: number | null;
  readonly observedRate: number | null;
}

export function reliabilityCurve(calibration: Float64Array): ReliabilityPoint[] {
  const bins = calibration.length / 3;
  return Array.from({ length: bins }, (_, bin) => {
    const count = calibration[bin * 3];
    return {
      lower: bin / bins,
      upper: (bin + 1) / bins,
      count,
      meanScore: rate(calibration[bin * 3 + 2], count),
      observedRate: rate(calibration[bin * 3 + 1], count),
    };
  });
}

/** ROC curve points (FPR, TPR), thresholds descending from above the top bin to the bottom one. */
export function rocCurve(
  positives: ArrayLike<number>,
  negatives: ArrayLike<number>,
): { fpr: number; tpr: number }[] {
  let totalPositives = 0;
  let totalNegatives = 0;
  for (let bin = 0; bin < positives.length; bin++) {
    totalPositives += positives[bin];
    totalNegatives += negatives[bin];
  }
  if (totalPositives === 0 || totalNegatives === 0) return [];
  const points = [{ fpr: 0, tpr: 0 }];
  let truePositives = 0;
  let falsePositives = 0;
  for (let bin = positives.length - 1; bin >= 0; bin--) {
    if (positives[bin] === 0 && negatives[bin] === 0) continue;
    truePositives += positives[bin];
    falsePositives += negatives[bin];
    points.push({ fpr: falsePositives / totalNegatives, tpr: truePositives / totalPositives });
  }
  return points;
}
