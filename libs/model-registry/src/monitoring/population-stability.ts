/**
 * Population stability index (PSI) per feature: bins from the baseline's quantiles, then
 * Σ (current% − baseline%) · ln(current% / baseline%). Common reading: < 0.1 stable, 0.1–0.25
 * moderate shift, > 0.25 major shift. Thresholds are the caller's (MDR Annex III asks for
 * indicators and threshold values), these are only defaults.
 */
export const DEFAULT_DRIFT_THRESHOLDS = { warn: 0.1, alert: 0.25 } as const;

const BINS = 10;
/** Keeps an empty bin from making the index infinite. */
const EPSILON = 1e-4;

export interface DriftThresholds {
  readonly warn: number;
  readonly alert: number;
}

export interface FeatureDrift {
  readonly feature: string;
  readonly psi: number;
  readonly level: 'stable' | 'warn' | 'alert';
}

export function populationStabilityIndex(baseline: readonly number[], current: readonly number[]): number {
  if (baseline.length === 0 || current.length === 0) throw new Error('PSI needs values on both sides');
  const edges = quantileEdges(baseline);
  const expected = shares(baseline, edges);
  const actual = shares(current, edges);
  return expected.reduce((sum, e, index) => {
    const a = actual[index] ?? EPSILON;
    return sum + (a - e) * Math.log(a / e);
  }, 0);
}

export function featureDrift(
  baseline: Readonly<Record<string, readonly number[]>>,
  current: Readonly<Record<string, readonly number[]>>,
  thresholds: DriftThresholds = DEFAULT_DRIFT_THRESHOLDS,
): FeatureDrift[] {
  return Object.keys(baseline)
    .filter((feature) => current[feature]?.length)
    .sort()
    .map((feature) => {
      const psi = populationStabilityIndex(baseline[feature] ?? [], current[feature] ?? []);
      const level = psi >= thresholds.alert ? 'alert' : psi >= thresholds.warn ? 'warn' : 'stable';
      return { feature, psi: Math.round(psi * 1e6) / 1e6, level };
    });
}

/** Inner bin edges at the baseline's deciles, deduplicated (a discrete feature has fewer bins). */
function quantileEdges(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let i = 1; i < BINS; i += 1) {
    const edge = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / BINS))];
    if (edges[edges.length - 1] !== edge) edges.push(edge);
  }
  return edges;
}

/** Share of values per bin; bin k holds values below edge k (and ≥ edge k−1), the last the rest. */
function shares(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const value of values) {
    let bin = edges.findIndex((edge) => value < edge);
    if (bin === -1) bin = edges.length;
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts.map((count) => Math.max(count / values.length, EPSILON));
}
