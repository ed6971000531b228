/** Latency figures every benchmark prints, in microseconds. */
export interface LatencySummary {
  readonly ops: number;
  readonly p50_us: number;
  readonly p95_us: number;
  readonly p99_us: number;
  readonly mean_us: number;
  readonly ops_per_s: number;
}

/** Summarizes per-operation samples (µs) taken over `elapsedMs`. */
export function summarizeLatencies(samples: Float64Array, elapsedMs: number): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return {
    ops: sorted.length,
    p50_us: round(percentile(sorted, 0.5), 1),
    p95_us: round(percentile(sorted, 0.95), 1),
    p99_us: round(percentile(sorted, 0.99), 1),
    mean_us: round(mean, 1),
    ops_per_s: round(sorted.length / (elapsedMs / 1000), 0),
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A positive integer from an environment variable, or the default. */
export function positiveInt(raw: string | undefined, fallback: number): number {
  const n = raw === undefined ? NaN : Number.parseInt(raw, 10);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** One JSON line on stdout: the form every benchmark reports in. */
export function print(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
