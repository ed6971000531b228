import { featureDrift, populationStabilityIndex } from './population-stability.js';

/** Deterministic pseudo-random numbers (mulberry32), so the test never flakes. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(next: () => number, mean: number, sd: number, n: number): number[] {
  return Array.from({ length: n }, () => {
    const u = Math.max(next(), 1e-12);
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  });
}

describe('population stability index', () => {
  const next = random(42);
  const baseline = normal(next, 55, 12, 5000);

  it('stays below the warning threshold for the same distribution', () => {
    expect(populationStabilityIndex(baseline, normal(next, 55, 12, 2000))).toBeLessThan(0.1);
  });

  it('raises an alert on a shifted input distribution, and only on the shifted feature', () => {
    const drift = featureDrift(
      { age_years: baseline, baseline_pain_nrs: normal(next, 6, 2, 5000) },
      { age_years: normal(next, 70, 12, 2000), baseline_pain_nrs: normal(next, 6, 2, 2000) },
    );
    expect(drift.find((f) => f.feature === 'age_years')).toMatchObject({ level: 'alert' });
    expect(drift.find((f) => f.feature === 'age_years')?.psi).toBeGreaterThan(0.25);
    expect(drift.find((f) => f.feature === 'baseline_pain_nrs')).toMatchObject({ level: 'stable' });
  });

  it('uses the thresholds it is given', () => {
    const [moderate] = featureDrift(
      { x: baseline },
      { x: normal(next, 59, 12, 2000) },
      { warn: 0.05, alert: 5 },
    );
    expect(moderate?.level).toBe('warn');
  });

  it('handles a discrete feature (few distinct values)', () => {
    const base = Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const shifted = Array.from({ length: 1000 }, (_, i) => (i % 4 === 0 ? 0 : 1));
    expect(populationStabilityIndex(base, base)).toBeCloseTo(0, 6);
    expect(populationStabilityIndex(base, shifted)).toBeGreaterThan(0.25);
  });
});
