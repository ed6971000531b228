import type { EvaluationTable } from './evaluation-table.js';
import type { GroupSummary } from './group-metrics.js';
import { addSummary, cellSummary, emptySummary, resetSummary } from './group-summaries.js';
import type { Grouping } from './groupings.js';
import { chainProbabilities, multinomialInto, SeededRandom } from './random.js';
import type { AurocShifts, StatisticsLayout } from './statistics-layout.js';

export interface BootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  readonly confidence: number;
  /** Coarse score bins the resampled histograms use. */
  readonly bins: number;
  readonly calibrationBins: number;
}

export interface BootstrapIntervals {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** Past this many stored values (statistics × resamples, 8 bytes each) the bootstrap refuses to run. */
export const MAX_BOOTSTRAP_VALUES = 40_000_000;

/** How one label's rows of a cell are redrawn: over the non-empty coarse bins. */
interface LabelSampler {
  readonly bins: Int32Array;
  readonly chain: Float64Array;
  /** Mean of (score − label)² in the bin. */
  readonly squaredError: Float64Array;
  readonly meanScore: Float64Array;
  readonly calibrationBin: Int32Array;
  readonly drawn: Float64Array;
}

interface CellSampler {
  readonly rows: number;
  readonly confusionChain: Float64Array;
  readonly labels?: readonly [LabelSampler, LabelSampler];
  readonly summary: GroupSummary;
}

/**
 * Stratified bootstrap by resampling counts instead of rows. Each cell (a combination of all sensitive
 * attributes) is a stratum of fixed size n: drawing n rows with replacement from it gives a confusion
 * matrix ~ Multinomial(n, observed shares), and, given how many positives and negatives were drawn, a
 * score histogram per label ~ Multinomial(count, observed bin shares). Groups and intersections are sums
 * of cells, so every group keeps its size and a resample costs O(cells × bins), not O(rows).
 */
export async function bootstrapIntervals(
  table: EvaluationTable,
  groupings: readonly Grouping[],
  layout: StatisticsLayout,
  shifts: AurocShifts,
  options: BootstrapOptions,
  onProgress: (fraction: number) => void | Promise<void> = () => undefined,
): Promise<BootstrapIntervals> {
  const { resamples } = options;
  const lower = new Float64Array(layout.size).fill(NaN);
  const upper = new Float64Array(layout.size).fill(NaN);
  if (resamples === 0) return { lower, upper };
  if (layout.size * resamples > MAX_BOOTSTRAP_VALUES)
    throw new Error(
      `the bootstrap would hold ${layout.size} statistics × ${resamples} resamples; reduce resamples or intersections`,
    );
  const random = new SeededRandom(options.seed);
  const samplers = table.cells.map((_, index) => cellSampler(table, index, options));
  const withScores = table.hasScores;
  const groupSummaries = groupings.map((grouping) =>
    grouping.groups.map(() => emptySummary(withScores, options.bins, options.calibrationBins)),
  );
  const overall = emptySummary(withScores, options.bins, options.calibrationBins);
  const values = new Float64Array(layout.size * resamples);
  const row = new Float64Array(layout.size);
  const chunk = Math.max(1, Math.ceil(resamples / 50));
  for (let r = 0; r < resamples; r++) {
    for (const sampler of samplers) resampleCell(random, sampler);
    resetSummary(overall);
    for (const sampler of samplers) addSummary(overall, sampler.summary);
    for (let g = 0; g < groupings.length; g++) {
      const groups = groupings[g].groups;
      for (let i = 0; i < groups.length; i++) {
        const summary = groupSummaries[g][i];
        resetSummary(summary);
        const cells = groups[i].cells;
        for (let c = 0; c < cells.length; c++) addSummary(summary, samplers[cells[c]].summary);
      }
    }
    layout.evaluate(overall, groupSummaries, shifts, row);
    for (let s = 0; s < layout.size; s++) values[s * resamples + r] = row[s];
    if ((r + 1) % chunk === 0) {
      await onProgress((r + 1) / resamples);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const alpha = (1 - options.confidence) / 2;
  for (let s = 0; s < layout.size; s++) {
    const column = values.subarray(s * resamples, (s + 1) * resamples);
    const defined = moveNaNsToEnd(column);
    if (defined === 0) continue;
    lower[s] = selectQuantile(column, defined, alpha);
    upper[s] = selectQuantile(column, defined, 1 - alpha);
  }
  return { lower, upper };
}

/** Moves the NaNs (undefined values) behind the defined ones; returns how many are defined. */
function moveNaNsToEnd(values: Float64Array): number {
  let defined = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (Number.isNaN(value)) continue;
    values[i] = values[defined];
    values[defined++] = value;
  }
  for (let i = defined; i < values.length; i++) values[i] = NaN;
  return defined;
}

/**
 * The type-7 quantile of the first `length` values, by selection instead of a full sort (two order
 * statistics are needed, not the order of all 2,000 resamples). Reorders the values.
 */
export function selectQuantile(values: Float64Array, length: number, q: number): number {
  const position = (length - 1) * q;
  const below = Math.floor(position);
  const low = select(values, 0, length - 1, below);
  if (below + 1 >= length || position === below) return low;
  let high = Infinity;
  for (let i = below + 1; i < length; i++) if (values[i] < high) high = values[i];
  return low + (high - low) * (position - below);
}

/** Hoare's quickselect: puts the k-th smallest of values[left..right] at k, smaller ones before it. */
function select(values: Float64Array, left: number, right: number, k: number): number {
  while (right > left) {
    const pivot = values[(left + right) >> 1];
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const swap = values[i];
        values[i] = values[j];
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k];
}

/** Linear-interpolation quantile of sorted values (numpy's default, Hyndman–Fan type 7). */
export function quantile(sorted: ArrayLike<number>, length: number, q: number): number {
  const position = (length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(length - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

function cellSampler(table: EvaluationTable, index: number, options: BootstrapOptions): CellSampler {
  const cell = table.cells[index];
  const summary = cellSummary(cell, table.scoreBins ?? options.bins, options.bins, options.calibrationBins);
  const rows = cell.confusion.reduce((sum, count) => sum + count, 0);
  const confusionChain = chainProbabilities(cell.confusion);
  if (!cell.scores || table.scoreBins === null) return { rows, confusionChain, summary };
  const fine = table.scoreBins;
  const merge = fine / options.bins;
  const perCalibration = options.bins / options.calibrationBins;
  const labelSampler = (label: 0 | 1): LabelSampler => {
    const fineScores = cell.scores as NonNullable<typeof cell.scores>;
    const count = new Float64Array(options.bins);
    const sum = new Float64Array(options.bins);
    const squared = new Float64Array(options.bins);
    for (let bin = 0; bin < fine; bin++) {
      const source = label * fine + bin;
      const target = Math.floor(bin / merge);
      count[target] += fineScores.count[source];
      sum[target] += fineScores.sum[source];
      squared[target] +=
        fineScores.sumSquares[source] - 2 * label * fineScores.sum[source] + label * fineScores.count[source];
    }
    const bins = [...count.keys()].filter((bin) => count[bin] > 0);
    return {
      bins: Int32Array.from(bins),
      chain: chainProbabilities(bins.map((bin) => count[bin])),
      squaredError: Float64Array.from(bins, (bin) => squared[bin] / count[bin]),
      meanScore: Float64Array.from(bins, (bin) => sum[bin] / count[bin]),
      calibrationBin: Int32Array.from(bins, (bin) => Math.floor(bin / perCalibration)),
      drawn: new Float64Array(bins.length),
    };
  };
  return { rows, confusionChain, labels: [labelSampler(0), labelSampler(1)], summary };
}

const confusionDraw = new Float64Array(4);

function resampleCell(random: SeededRandom, sampler: CellSampler): void {
  multinomialInto(random, sampler.rows, sampler.confusionChain, confusionDraw);
  const confusion = sampler.summary.confusion;
  confusion.tp = confusionDraw[0];
  confusion.fp = confusionDraw[1];
  confusion.tn = confusionDraw[2];
  confusion.fn = confusionDraw[3];
  const scores = sampler.summary.scores;
  if (!scores || !sampler.labels) return;
  scores.calibration.fill(0);
  scores.squaredErrorSum = 0;
  for (let label = 0; label < 2; label++) {
    const drawer: LabelSampler = sampler.labels[label];
    const total = label === 1 ? confusion.tp + confusion.fn : confusion.fp + confusion.tn;
    const histogram = label === 1 ? scores.positives : scores.negatives;
    if (drawer.bins.length === 0) continue;
    multinomialInto(random, total, drawer.chain, drawer.drawn);
    for (let k = 0; k < drawer.bins.length; k++) {
      const drawn = drawer.drawn[k];
      histogram[drawer.bins[k]] = drawn;
      scores.squaredErrorSum += drawn * drawer.squaredError[k];
      const calibration = drawer.calibrationBin[k] * 3;
      scores.calibration[calibration] += drawn;
      scores.calibration[calibration + 1] += label * drawn;
      scores.calibration[calibration + 2] += drawn * drawer.meanScore[k];
    }
  }
}
