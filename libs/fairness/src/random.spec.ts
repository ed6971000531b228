import { quantile, selectQuantile } from './count-bootstrap.js';
import { binomial, chainProbabilities, multinomialInto, SeededRandom } from './random.js';

function binomialPmf(n: number, p: number): number[] {
  const pmf: number[] = [];
  let logChoose = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logChoose += Math.log(n - k + 1) - Math.log(k);
    pmf.push(Math.exp(logChoose + k * Math.log(p) + (n - k) * Math.log(1 - p)));
  }
  return pmf;
}

describe('SeededRandom', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const first = new SeededRandom(42);
    const second = new SeededRandom(42);
    const other = new SeededRandom(43);
    const a = Array.from({ length: 5 }, () => first.next());
    expect(Array.from({ length: 5 }, () => second.next())).toEqual(a);
    expect(Array.from({ length: 5 }, () => other.next())).not.toEqual(a);
    for (const value of a) expect(value >= 0 && value < 1).toBe(true);
  });
});

describe('binomial', () => {
  it.each([
    [20, 0.1],
    [50, 0.3],
    [200, 0.5],
    [1000, 0.8],
  ])('draws Binomial(%i, %f) with the exact probabilities (chi-square)', (n, p) => {
    const random = new SeededRandom(7);
    const draws = 200_000;
    const observed = new Array<number>(n + 1).fill(0);
    for (let i = 0; i < draws; i++) observed[binomial(random, n, p)]++;
    const pmf = binomialPmf(n, p);
    let chiSquare = 0;
    let cells = 0;
    let pooledExpected = 0;
    let pooledObserved = 0;
    for (let k = 0; k <= n; k++) {
      pooledExpected += pmf[k] * draws;
      pooledObserved += observed[k];
      if (pooledExpected >= 20) {
        chiSquare += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
        cells++;
        pooledExpected = 0;
        pooledObserved = 0;
      }
    }
    // The 99.9th percentile of chi-square with d degrees of freedom is below d + 4.5·sqrt(2d) + 10.
    const degrees = cells - 1;
    expect(chiSquare).toBeLessThan(degrees + 4.5 * Math.sqrt(2 * degrees) + 10);
  });

  it('returns the edges exactly', () => {
    const random = new SeededRandom(1);
    expect(binomial(random, 0, 0.5)).toBe(0);
    expect(binomial(random, 10, 0)).toBe(0);
    expect(binomial(random, 10, 1)).toBe(10);
  });
});

describe('multinomialInto', () => {
  it('keeps the total and the expected shares', () => {
    const random = new SeededRandom(3);
    const chain = chainProbabilities([1, 0, 3, 6]);
    const out = new Float64Array(4);
    const sums = [0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) {
      multinomialInto(random, 1000, chain, out);
      expect(out.reduce((sum, value) => sum + value, 0)).toBe(1000);
      expect(out[1]).toBe(0);
      out.forEach((value, index) => (sums[index] += value / 2000));
    }
    expect(sums[0]).toBeCloseTo(100, 0);
    expect(sums[2]).toBeCloseTo(300, 0);
    expect(sums[3]).toBeCloseTo(600, 0);
  });
});

describe('selectQuantile', () => {
  it('equals the type-7 quantile of the sorted values (numpy’s default)', () => {
    const random = new SeededRandom(11);
    for (const length of [1, 2, 3, 10, 2000]) {
      const values = Float64Array.from({ length }, () => Math.round(random.next() * 50) / 10);
      const sorted = Float64Array.from(values).sort();
      for (const q of [0, 0.025, 0.5, 0.975, 1]) {
        expect(selectQuantile(Float64Array.from(values), length, q)).toBeCloseTo(
          quantile(sorted, length, q),
          12,
        );
      }
    }
  });
});
