import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EvaluationTable, EvaluationTableJson } from './evaluation-table.js';
import type { MetricName } from './group-metrics.js';
import type { Grouping } from './groupings.js';
import { RESAMPLE_BLOCK, ResampleEngine, type ResampleOptions } from './resample-engine.js';
import type { AurocShifts, StatisticsLayout } from './statistics-layout.js';

export interface BootstrapOptions extends ResampleOptions {
  readonly confidence: number;
}

export interface BootstrapIntervals {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** Past this many stored values (statistics × resamples, 8 bytes each) the bootstrap refuses to run. */
export const MAX_BOOTSTRAP_VALUES = 40_000_000;

/** At most this many threads draw resamples (the calling one included). */
const MAX_THREADS = 4;

/** Below this many binomial draws in all, a worker's start-up (~50 ms) costs more than it saves. */
const MIN_DRAWS_FOR_WORKERS = 2_000_000;

/** What a worker thread needs to draw its blocks (structured-cloned to it). */
export interface BootstrapWorkerData {
  readonly table: EvaluationTableJson;
  readonly groupings: readonly Grouping[];
  readonly metrics: readonly MetricName[];
  readonly referenceGroups: readonly number[];
  readonly shifts: AurocShifts;
  readonly options: ResampleOptions;
  readonly blocks: readonly number[];
}

/** A worker's answer: one block's statistics, statistic-major. */
export interface BootstrapWorkerMessage {
  readonly block: number;
  readonly values: Float64Array;
}

const WORKER_SCRIPT = new URL('./bootstrap-worker.js', import.meta.url);

/**
 * Threads by default: the machine's cores, at most MAX_THREADS; one while the cores are already busy
 * (1-minute load average at or above the core count), where a second thread was measured to slow the
 * report down (its start-up and the JIT and GC work of two isolates wait behind everything else).
 */
export function defaultBootstrapThreads(): number {
  const cores = os.availableParallelism();
  if (os.loadavg()[0] >= cores) return 1;
  return Math.max(1, Math.min(MAX_THREADS, cores));
}

/**
 * Stratified bootstrap by resampling counts instead of rows. Each cell (a combination of all sensitive
 * attributes) is a stratum of fixed size n: drawing n rows with replacement from it gives a confusion
 * matrix ~ Multinomial(n, observed shares), and, given how many positives and negatives were drawn, a
 * score histogram per label ~ Multinomial(count, observed bin shares). Groups and intersections are sums
 * of cells, so every group keeps its size and a resample costs O(cells × bins), not O(rows).
 *
 * Resamples are drawn in blocks, each from its own seeded stream, shared out between this thread and
 * up to `threads − 1` worker threads; the intervals do not depend on how many threads drew them.
 */
export async function bootstrapIntervals(
  table: EvaluationTable,
  groupings: readonly Grouping[],
  layout: StatisticsLayout,
  shifts: AurocShifts,
  options: BootstrapOptions,
  onProgress: (fraction: number) => void | Promise<void> = () => undefined,
  threads = defaultBootstrapThreads(),
): Promise<BootstrapIntervals> {
  const { resamples } = options;
  const lower = new Float64Array(layout.size).fill(NaN);
  const upper = new Float64Array(layout.size).fill(NaN);
  if (resamples === 0) return { lower, upper };
  if (layout.size * resamples > MAX_BOOTSTRAP_VALUES)
    throw new Error(
      `the bootstrap would hold ${layout.size} statistics × ${resamples} resamples; reduce resamples or intersections`,
    );
  const engine = new ResampleEngine(table, groupings, layout, shifts, options);
  const blocks = Math.ceil(resamples / RESAMPLE_BLOCK);
  const values = new Float64Array(layout.size * resamples);
  const stored = new Uint8Array(blocks);
  let storedCount = 0;
  const store = ({ block, values: blockValues }: BootstrapWorkerMessage) => {
    if (stored[block]) return;
    const length = engine.blockLength(block);
    const first = block * RESAMPLE_BLOCK;
    for (let s = 0; s < layout.size; s++) {
      const from = s * length;
      const to = s * resamples + first;
      for (let b = 0; b < length; b++) values[to + b] = blockValues[from + b];
    }
    stored[block] = 1;
    storedCount++;
  };
  const useWorkers =
    engine.drawsPerResample * resamples >= MIN_DRAWS_FOR_WORKERS && existsSync(fileURLToPath(WORKER_SCRIPT));
  const shares = useWorkers ? Math.max(1, Math.min(threads, blocks)) : 1;
  const workers = Array.from({ length: shares - 1 }, (_, w) =>
    runWorker(
      {
        table: table.toJSON(),
        groupings,
        metrics: layout.metrics,
        referenceGroups: layout.referenceGroups,
        shifts,
        options,
        blocks: Array.from({ length: blocks }, (_, k) => k).filter((k) => k % shares === w + 1),
      },
      store,
    ),
  );
  // This thread draws its share, then whatever a failed worker left undrawn.
  const drawHere = async (block: number) => {
    store({ block, values: engine.run(block) });
    await onProgress(storedCount / blocks);
    await new Promise((resolve) => setImmediate(resolve));
  };
  for (let block = 0; block < blocks; block += shares) await drawHere(block);
  await Promise.all(workers);
  for (let block = 0; block < blocks; block++) if (!stored[block]) await drawHere(block);
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

/** Runs one worker to its end; resolves (never rejects) when it exits, whatever blocks it delivered. */
function runWorker(
  data: BootstrapWorkerData,
  store: (message: BootstrapWorkerMessage) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SCRIPT, { workerData: data });
    } catch {
      resolve();
      return;
    }
    worker.on('message', (message: BootstrapWorkerMessage) => store(message));
    // A failed worker's blocks are drawn by the calling thread afterwards.
    worker.on('error', () => undefined);
    worker.on('exit', () => resolve());
  });
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
