import type { EvaluationTable } from './evaluation-table.js';
import type { GroupSummary } from './group-metrics.js';
import type { Grouping } from './groupings.js';
import { chainProbabilities, multinomialInto, SeededRandom } from './random.js';
import type { AurocShifts, StatisticsLayout } from './statistics-layout.js';

/** What a resample is drawn with (the report settings' bootstrap, with its bins). */
export interface ResampleOptions {
  readonly resamples: number;
  readonly seed: number;
  /** Coarse score bins the resampled histograms use. */
  readonly bins: number;
  readonly calibrationBins: number;
}

/**
 * Resamples come in blocks of this many, block k drawn from its own stream of the seed (stream k):
 * which thread draws a block changes nothing, so a report is the same on one core or several.
 */
export const RESAMPLE_BLOCK = 64;

/** How one label's rows of a cell are redrawn: over the non-empty coarse bins. */
interface LabelSampler {
  /** Where each drawn bin's count goes in the cell's vector. */
  readonly slots: Int32Array;
  readonly chain: Float64Array;
  /** Mean of (score − label)² in the bin. */
  readonly squaredError: Float64Array;
  readonly meanScore: Float64Array;
  /** Offset of the bin's calibration triple in the cell's vector. */
  readonly calibrationSlot: Int32Array;
  readonly drawn: Float64Array;
}

interface CellSampler {
  readonly rows: number;
  readonly confusionChain: Float64Array;
  /** Where the cell's vector starts, and its calibration triples. */
  readonly offset: number;
  readonly calibrationStart: number;
  readonly calibrationLength: number;
  readonly labels?: readonly [LabelSampler, LabelSampler];
}

/**
 * A summary's resampled numbers packed in one vector, so that adding cells into groups is one loop:
 * [tp, fp, tn, fn, Σ(score − label)², positives[bins], negatives[bins], calibration[3·calibrationBins]].
 */
const SQUARED_ERROR = 4;
const HISTOGRAMS = 5;

/** Sums of vectors: each target (a group, or the overall population) is the sum of its sources. */
interface SumStep {
  readonly sources: Float64Array;
  readonly targets: Float64Array;
  /** For target t, its sources' indices are members[starts[t]] … members[starts[t + 1] − 1]. */
  readonly starts: Int32Array;
  readonly members: Int32Array;
}

/**
 * Draws blocks of resamples of one table: every cell's counts redrawn, groups summed, every statistic
 * evaluated. One per thread; `run` is allocation-free but for its result.
 */
export class ResampleEngine {
  private readonly width: number;
  private readonly cellVectors: Float64Array;
  private readonly samplers: CellSampler[];
  private readonly steps: SumStep[];
  private readonly overall: SummaryView;
  private readonly views: SummaryView[];
  private readonly groupSummaries: GroupSummary[][];
  private readonly rows: Float64Array;
  /** Binomial draws one resample takes (at most): what a resample costs. */
  readonly drawsPerResample: number;

  constructor(
    table: EvaluationTable,
    groupings: readonly Grouping[],
    private readonly layout: StatisticsLayout,
    private readonly shifts: AurocShifts,
    private readonly options: ResampleOptions,
  ) {
    const withScores = table.hasScores;
    const width = withScores ? HISTOGRAMS + 2 * options.bins + 3 * options.calibrationBins : HISTOGRAMS;
    this.width = width;
    this.cellVectors = new Float64Array(table.cells.length * width);
    this.samplers = table.cells.map((_, index) => cellSampler(table, index, options, index * width));
    const plan = summationPlan(table.cells.length, groupings, this.cellVectors, width);
    this.steps = plan.steps;
    const views = (vectors: Float64Array, count: number) =>
      Array.from({ length: count }, (_, i) => summaryView(vectors, i * width, withScores, options));
    const groupViews = groupings.map((grouping, g) => views(plan.groupVectors[g], grouping.groups.length));
    this.overall = views(plan.overallVector, 1)[0];
    this.groupSummaries = groupViews.map((list) => list.map((view) => view.summary));
    this.views = [this.overall, ...groupViews.flat()];
    this.rows = new Float64Array(layout.size * RESAMPLE_BLOCK);
    this.drawsPerResample = this.samplers.reduce(
      (sum, sampler) =>
        sum + sampler.confusionChain.length + (sampler.labels?.reduce((n, l) => n + l.slots.length, 0) ?? 0),
      0,
    );
  }

  /** How many resamples block `block` holds. */
  blockLength(block: number): number {
    return Math.min(RESAMPLE_BLOCK, this.options.resamples - block * RESAMPLE_BLOCK);
  }

  /** Draws block `block`: its statistics, statistic-major (statistic s at s·length … s·length + length − 1). */
  run(block: number): Float64Array {
    const random = new SeededRandom(this.options.seed, block);
    const size = this.layout.size;
    const length = this.blockLength(block);
    const rows = this.rows;
    for (let b = 0; b < length; b++) {
      for (const sampler of this.samplers) resampleCell(random, sampler, this.cellVectors);
      for (const step of this.steps) sumVectors(step, this.width);
      for (const view of this.views) view.load();
      this.layout.evaluate(this.overall.summary, this.groupSummaries, this.shifts, rows.subarray(b * size));
    }
    const out = new Float64Array(size * length);
    for (let s = 0; s < size; s++) {
      const base = s * length;
      for (let b = 0; b < length; b++) out[base + b] = rows[b * size + s];
    }
    return out;
  }
}

interface SummaryView {
  readonly summary: GroupSummary;
  readonly load: () => void;
}

/**
 * The order in which group vectors are summed: a grouping is the sum of a finer grouping already
 * summed when there is one (sex from sex × race: 10 vectors instead of 60 cells), else of cells; the
 * overall population is the sum of the coarsest grouping.
 */
function summationPlan(
  cellCount: number,
  groupings: readonly Grouping[],
  cellVectors: Float64Array,
  width: number,
): { steps: SumStep[]; groupVectors: Float64Array[]; overallVector: Float64Array } {
  const groupVectors = groupings.map((grouping) => new Float64Array(grouping.groups.length * width));
  const overallVector = new Float64Array(width);
  const order = groupings
    .map((_, g) => g)
    .sort((a, b) => groupings[b].attributes.length - groupings[a].attributes.length);
  const steps: SumStep[] = [];
  const step = (sources: Float64Array, targets: Float64Array, memberLists: number[][]): SumStep => {
    const starts = new Int32Array(memberLists.length + 1);
    memberLists.forEach((list, t) => (starts[t + 1] = starts[t] + list.length));
    return { sources, targets, starts, members: Int32Array.from(memberLists.flat()) };
  };
  order.forEach((g, position) => {
    const grouping = groupings[g];
    const finer = order
      .slice(0, position)
      .filter((f) => groupings[f].attributes.length > grouping.attributes.length)
      .filter((f) => grouping.attributes.every((attribute) => groupings[f].attributes.includes(attribute)))
      .sort((a, b) => groupings[a].groups.length - groupings[b].groups.length)[0];
    if (finer === undefined) {
      steps.push(
        step(
          cellVectors,
          groupVectors[g],
          grouping.groups.map((group) => group.cells),
        ),
      );
      return;
    }
    const groupOfCell = new Int32Array(cellCount);
    grouping.groups.forEach((group, i) => group.cells.forEach((cell) => (groupOfCell[cell] = i)));
    const members: number[][] = grouping.groups.map(() => []);
    groupings[finer].groups.forEach((group, j) => members[groupOfCell[group.cells[0]]].push(j));
    steps.push(step(groupVectors[finer], groupVectors[g], members));
  });
  const coarsest = order[order.length - 1];
  if (coarsest === undefined)
    steps.push(step(cellVectors, overallVector, [Array.from({ length: cellCount }, (_, c) => c)]));
  else steps.push(step(groupVectors[coarsest], overallVector, [groupings[coarsest].groups.map((_, i) => i)]));
  return { steps, groupVectors, overallVector };
}

function sumVectors({ sources, targets, starts, members }: SumStep, width: number): void {
  for (let t = 0; t + 1 < starts.length; t++) {
    const target = t * width;
    const first = members[starts[t]] * width;
    for (let k = 0; k < width; k++) targets[target + k] = sources[first + k];
    for (let m = starts[t] + 1; m < starts[t + 1]; m++) {
      const source = members[m] * width;
      for (let k = 0; k < width; k++) targets[target + k] += sources[source + k];
    }
  }
}

/** A GroupSummary whose histograms are views into a packed vector; load() refreshes the rest. */
function summaryView(
  vectors: Float64Array,
  offset: number,
  withScores: boolean,
  options: ResampleOptions,
): SummaryView {
  const { bins } = options;
  const start = offset + HISTOGRAMS;
  const scores = withScores
    ? {
        positives: vectors.subarray(start, start + bins),
        negatives: vectors.subarray(start + bins, start + 2 * bins),
        squaredErrorSum: 0,
        calibration: vectors.subarray(start + 2 * bins, start + 2 * bins + 3 * options.calibrationBins),
      }
    : undefined;
  const summary: GroupSummary = { confusion: { tp: 0, fp: 0, tn: 0, fn: 0 }, ...(scores ? { scores } : {}) };
  const load = () => {
    const confusion = summary.confusion;
    confusion.tp = vectors[offset];
    confusion.fp = vectors[offset + 1];
    confusion.tn = vectors[offset + 2];
    confusion.fn = vectors[offset + 3];
    if (scores) scores.squaredErrorSum = vectors[offset + SQUARED_ERROR];
  };
  return { summary, load };
}

function cellSampler(
  table: EvaluationTable,
  index: number,
  options: ResampleOptions,
  offset: number,
): CellSampler {
  const cell = table.cells[index];
  const rows = cell.confusion.reduce((sum, count) => sum + count, 0);
  const confusionChain = chainProbabilities(cell.confusion);
  const calibrationStart = offset + HISTOGRAMS + 2 * options.bins;
  const calibrationLength = 3 * options.calibrationBins;
  if (!cell.scores || table.scoreBins === null)
    return { rows, confusionChain, offset, calibrationStart, calibrationLength: 0 };
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
    // Positives' histogram first, then negatives'.
    const histogram = offset + HISTOGRAMS + (label === 1 ? 0 : options.bins);
    return {
      slots: Int32Array.from(bins, (bin) => histogram + bin),
      chain: chainProbabilities(bins.map((bin) => count[bin])),
      squaredError: Float64Array.from(bins, (bin) => squared[bin] / count[bin]),
      meanScore: Float64Array.from(bins, (bin) => sum[bin] / count[bin]),
      calibrationSlot: Int32Array.from(
        bins,
        (bin) => calibrationStart + Math.floor(bin / perCalibration) * 3,
      ),
      drawn: new Float64Array(bins.length),
    };
  };
  return {
    rows,
    confusionChain,
    offset,
    calibrationStart,
    calibrationLength,
    labels: [labelSampler(0), labelSampler(1)],
  };
}

const confusionDraw = new Float64Array(4);

/** Redraws one cell into its vector: confusion counts, then each label's score bins given its count. */
function resampleCell(random: SeededRandom, sampler: CellSampler, vectors: Float64Array): void {
  multinomialInto(random, sampler.rows, sampler.confusionChain, confusionDraw);
  const offset = sampler.offset;
  const tp = (vectors[offset] = confusionDraw[0]);
  const fp = (vectors[offset + 1] = confusionDraw[1]);
  const tn = (vectors[offset + 2] = confusionDraw[2]);
  const fn = (vectors[offset + 3] = confusionDraw[3]);
  const labels = sampler.labels;
  if (!labels) return;
  vectors.fill(0, sampler.calibrationStart, sampler.calibrationStart + sampler.calibrationLength);
  let squaredErrorSum = 0;
  for (let label = 0; label < 2; label++) {
    const drawer = labels[label];
    const bins = drawer.slots.length;
    if (bins === 0) continue;
    multinomialInto(random, label === 1 ? tp + fn : fp + tn, drawer.chain, drawer.drawn);
    for (let k = 0; k < bins; k++) {
      const drawn = drawer.drawn[k];
      vectors[drawer.slots[k]] = drawn;
      squaredErrorSum += drawn * drawer.squaredError[k];
      const calibration = drawer.calibrationSlot[k];
      vectors[calibration] += drawn;
      vectors[calibration + 1] += label * drawn;
      vectors[calibration + 2] += drawn * drawer.meanScore[k];
    }
  }
  vectors[offset + SQUARED_ERROR] = squaredErrorSum;
}
