import { execFile } from 'node:child_process';
import path from 'node:path';

/**
 * The bootstrap's worker threads exist only in the built library (dist/), so this runs a small script
 * against it in a child process: the same seed must give the same report on one thread or on three.
 */
const LIBRARY = path.resolve('dist/libs/fairness/src/index.js');

const SCRIPT = `
import { computeBiasReport, EvaluationTable, SeededRandom } from ${JSON.stringify(LIBRARY)};
let workers = 0;
process.on('worker', () => workers++);
const random = new SeededRandom(5);
const table = new EvaluationTable(['site', 'sex'], 1000);
for (let i = 0; i < 60000; i++) {
  const label = random.next() < 0.3 ? 1 : 0;
  const score = Math.round(Math.min(1, Math.max(0, 0.5 + (label ? 0.2 : -0.2) + (random.next() - 0.5) * 0.8)) * 1000) / 1000;
  table.addRow(['s' + (i % 25), i % 2 ? 'f' : 'm'], label, score >= 0.5 ? 1 : 0, score);
}
const mapping = { label: 'y', prediction: 'p', score: 's', sensitive: ['site', 'sex'] };
const dataset = { sha256: '0'.repeat(64), format: 'csv', bytes: 0, rows: table.rows };
const settings = { bootstrap: { resamples: 1000, seed: 11 } };
const one = await computeBiasReport(table, dataset, mapping, settings, { threads: 1 });
const workersOfOne = workers;
const three = await computeBiasReport(table, dataset, mapping, settings, { threads: 3 });
const again = await computeBiasReport(table, dataset, mapping, { bootstrap: { resamples: 1000, seed: 12 } }, { threads: 3 });
console.log(JSON.stringify({
  same: JSON.stringify(one) === JSON.stringify(three),
  otherSeedDiffers: JSON.stringify(again) !== JSON.stringify(three),
  workersOfOne,
  workersOfThree: workers - workersOfOne, // two reports on three threads
}));
`;

function run(): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--input-type=module', '-e', SCRIPT],
      { timeout: 120_000 },
      (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)),
    ),
  );
}

describe('bias report bootstrap threads', () => {
  it('gives the same intervals on one thread or several, for the same seed', async () => {
    const result = JSON.parse(await run()) as {
      same: boolean;
      otherSeedDiffers: boolean;
      workersOfOne: number;
      workersOfThree: number;
    };
    // 50 cells × ~90 draws × 1000 resamples is enough work for worker threads: two a report drew
    // with the calling thread (the check that the threads were really used).
    expect(result.workersOfOne).toBe(0);
    expect(result.workersOfThree).toBe(4);
    expect(result.same).toBe(true);
    expect(result.otherSeedDiffers).toBe(true);
  });
});
