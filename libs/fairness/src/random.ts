/**
 * A small, fast, seeded pseudo-random generator (sfc32, seeded through splitmix32) and the samplers
 * the count bootstrap needs. The same seed gives the same stream on every machine and Node version,
 * which is what makes a bias report reproducible: Math.random cannot be seeded.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * `stream` picks one of 2³² independent streams of the same seed (the bootstrap draws each block of
   * resamples from its own); stream 0 is the seed's plain stream.
   */
  constructor(seed: number, stream = 0) {
    let state = seed >>> 0;
    const next = () => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    // Multiplying by an odd constant is a bijection: distinct streams start from distinct states.
    this.c = (next() ^ Math.imul(stream, 0x9e3779b1)) >>> 0;
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }
}

/** Stirling-series corrections log(k!) − [(k+½)log(k+1) − (k+1) + ½log(2π)], exact for k < 10. */
const STIRLING_CORRECTION = [
  0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509, 0.01664469118982119,
  0.01387612882307075, 0.01189670994589177, 0.01041126526197209, 0.009255462182712733, 0.008330563433362871,
];

function stirlingCorrection(k: number): number {
  if (k < 10) return STIRLING_CORRECTION[k];
  const inverse = 1 / (k + 1);
  const inverseSquared = inverse * inverse;
  return (1 / 12 - (1 / 360 - inverseSquared / 1260) * inverseSquared) * inverse;
}

/**
 * One draw from Binomial(n, p). Inversion when n·min(p, 1−p) is small, otherwise Hörmann's BTRD
 * (transformed rejection with decomposition, 1993), which costs a few operations per draw whatever n is.
 */
export function binomial(random: SeededRandom, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(random, n, 1 - p);
  if (n * p < 10) return binomialInversion(random, n, p);
  return binomialBtrd(random, n, p);
}

function binomialInversion(random: SeededRandom, n: number, p: number): number {
  const q = 1 - p;
  const ratio = p / q;
  let probability = Math.pow(q, n);
  let u = random.next();
  let k = 0;
  while (u > probability) {
    u -= probability;
    k += 1;
    if (k > n) return n;
    probability *= (ratio * (n - k + 1)) / k;
    if (probability === 0) return k;
  }
  return k;
}

function binomialBtrd(random: SeededRandom, n: number, p: number): number {
  const spq = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spq;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const alpha = (2.83 + 5.1 / b) * spq;
  // The exact acceptance test below is needed for about one draw in seven: set it up only then.
  let lpq = NaN;
  let m = 0;
  let h = 0;
  for (;;) {
    const u = random.next() - 0.5;
    let v = random.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= vr) return k;
    if (Number.isNaN(lpq)) {
      lpq = Math.log(p / (1 - p));
      m = Math.floor((n + 1) * p);
      h = logFactorialApprox(m) + logFactorialApprox(n - m);
    }
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound = h - logFactorialApprox(k) - logFactorialApprox(n - k) + (k - m) * lpq;
    if (v <= bound) return k;
  }
}

/** log(k!) through Stirling's series with the exact corrections above. */
function logFactorialApprox(k: number): number {
  return (k + 0.5) * Math.log(k + 1) - (k + 1) + 0.5 * Math.log(2 * Math.PI) + stirlingCorrection(k);
}

/**
 * Conditional probabilities for drawing a multinomial as a chain of binomials: the k-th category gets
 * Binomial(remaining, q_k) with q_k = p_k / (p_k + … + p_last). Precomputed once per distribution.
 */
export function chainProbabilities(weights: ArrayLike<number>): Float64Array {
  const chain = new Float64Array(weights.length);
  let remaining = 0;
  for (let i = weights.length - 1; i >= 0; i--) {
    remaining += weights[i];
    chain[i] = remaining > 0 ? weights[i] / remaining : 0;
  }
  return chain;
}

/** Draws Multinomial(n, p) into `out`, p given by `chainProbabilities`. */
export function multinomialInto(
  random: SeededRandom,
  n: number,
  chain: Float64Array,
  out: Float64Array,
): void {
  let remaining = n;
  const last = chain.length - 1;
  for (let i = 0; i < last; i++) {
    const drawn = remaining > 0 ? binomial(random, remaining, chain[i]) : 0;
    out[i] = drawn;
    remaining -= drawn;
  }
  if (last >= 0) out[last] = remaining;
}
