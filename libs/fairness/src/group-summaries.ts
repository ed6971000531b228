import { type Cell, CONFUSION_FN, CONFUSION_FP, CONFUSION_TN, CONFUSION_TP } from './evaluation-table.js';
import type { GroupSummary } from './group-metrics.js';

/** An all-zero summary with histograms of `bins` bins, to add cells into. */
export function emptySummary(withScores: boolean, bins: number, calibrationBins: number): GroupSummary {
  return {
    confusion: { tp: 0, fp: 0, tn: 0, fn: 0 },
    ...(withScores
      ? {
          scores: {
            positives: new Float64Array(bins),
            negatives: new Float64Array(bins),
            squaredErrorSum: 0,
            calibration: new Float64Array(3 * calibrationBins),
          },
        }
      : {}),
  };
}

export function resetSummary(summary: GroupSummary): void {
  const c = summary.confusion;
  c.tp = c.fp = c.tn = c.fn = 0;
  if (!summary.scores) return;
  summary.scores.positives.fill(0);
  summary.scores.negatives.fill(0);
  summary.scores.squaredErrorSum = 0;
  summary.scores.calibration.fill(0);
}

/** target += source (same bins). */
export function addSummary(target: GroupSummary, source: GroupSummary): void {
  const t = target.confusion;
  const s = source.confusion;
  t.tp += s.tp;
  t.fp += s.fp;
  t.tn += s.tn;
  t.fn += s.fn;
  if (!target.scores || !source.scores) return;
  addInto(target.scores.positives, source.scores.positives);
  addInto(target.scores.negatives, source.scores.negatives);
  addInto(target.scores.calibration, source.scores.calibration);
  target.scores.squaredErrorSum += source.scores.squaredErrorSum;
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] += source[i];
}

/**
 * The exact summary of one cell from its fine statistics, histograms merged to `bins` bins
 * (a divisor of the fine bins): Σ(s − y)² = Σs² − 2·y·Σs + y·n per label.
 */
export function cellSummary(
  cell: Cell,
  fineBins: number,
  bins: number,
  calibrationBins: number,
): GroupSummary {
  const summary = emptySummary(cell.scores !== undefined, bins, calibrationBins);
  const c = summary.confusion;
  c.tp = cell.confusion[CONFUSION_TP];
  c.fp = cell.confusion[CONFUSION_FP];
  c.tn = cell.confusion[CONFUSION_TN];
  c.fn = cell.confusion[CONFUSION_FN];
  const scores = summary.scores;
  if (!scores || !cell.scores) return summary;
  const merge = fineBins / bins;
  const perCalibration = fineBins / calibrationBins;
  for (let label = 0; label < 2; label++) {
    const histogram = label === 1 ? scores.positives : scores.negatives;
    for (let bin = 0; bin < fineBins; bin++) {
      const index = label * fineBins + bin;
      const count = cell.scores.count[index];
      if (count === 0) continue;
      const sum = cell.scores.sum[index];
      histogram[Math.floor(bin / merge)] += count;
      scores.squaredErrorSum += cell.scores.sumSquares[index] - 2 * label * sum + label * count;
      const calibration = Math.floor(bin / perCalibration) * 3;
      scores.calibration[calibration] += count;
      scores.calibration[calibration + 1] += label * count;
      scores.calibration[calibration + 2] += sum;
    }
  }
  return summary;
}

export function summaryRows(summary: GroupSummary): number {
  const { tp, fp, tn, fn } = summary.confusion;
  return tp + fp + tn + fn;
}
