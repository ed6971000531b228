/**
 * Bias report computation at the scale: 1,000,000 evaluation rows with three sensitive
 * attributes (sex × 6 age bands × 5 race categories), a label, a prediction and a score, and a
 * stratified count bootstrap of 2,000 resamples over every metric and disparity of each attribute and
 * each pairwise intersection (the report defaults).
 *
 * Measurements:
 *   generate   writing the synthetic CSV to a temporary file (not part of the goal)
 *   parse      streaming the file through csv-parse into the aggregated table (validation, hashing)
 *   compute    every metric, disparity, reference comparison, bootstrap interval and judgement; CPU
 *              seconds count every thread of the process
 *   total      parse + compute: the goal is under 2 s
 *   peak_rss   the process's maximum resident set size (process.resourceUsage().maxRSS): goal 500 MB
 * Each time is given as wall-clock milliseconds and as CPU seconds of this process (user + system): on a
 * shared machine the wall clock also counts waiting for a core; the summary's load average says how busy
 * the machine was. The goal flag is judged on the wall clock.
 *
 * BENCH_BIAS_ROWS (1000000) and BENCH_BIAS_RESAMPLES (2000) change the scale; BENCH_BIAS_THREADS the
 * threads drawing resamples (default: the library's, the cores or one on a busy machine). Output: JSON lines, the
 * last one the summary with goal flags. Run with `npm run bench:bias`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import {
  computeBiasReport,
  defaultBootstrapThreads,
  parseEvaluation,
  SeededRandom,
  type ColumnMapping,
} from '@praesidium/fairness';
import { positiveInt, print, round } from './support/stats.js';

const ROWS = positiveInt(process.env.BENCH_BIAS_ROWS, 1_000_000);
const RESAMPLES = positiveInt(process.env.BENCH_BIAS_RESAMPLES, 2000);
// Threads drawing resamples: the library's default (the cores, one on a busy machine) unless set.
const THREADS = positiveInt(process.env.BENCH_BIAS_THREADS, 0) || undefined;
const SEXES = ['female', 'male'];
const AGE_BANDS = ['18-29', '30-39', '40-49', '50-59', '60-69', '70+'];
const RACES = ['asian', 'black', 'white', 'other', 'unknown'];

async function generate(file: string): Promise<void> {
  const random = new SeededRandom(1);
  const out = createWriteStream(file);
  let buffer = 'label,prediction,score,sex,age_band,race\n';
  for (let row = 0; row < ROWS; row++) {
    const sex = Math.floor(random.next() * SEXES.length);
    const age = Math.floor(random.next() * AGE_BANDS.length);
    const race = Math.floor(random.next() * RACES.length);
    const label = random.next() < 0.2 + 0.03 * age ? 1 : 0;
    // A model a little worse for some groups: the signal shrinks with age and for one category.
    const signal = (label ? 0.25 : -0.25) * (1 - 0.08 * age) * (race === 3 ? 0.7 : 1);
    const score = Math.min(1, Math.max(0, 0.5 + signal + (random.next() - 0.5) * 0.8));
    buffer += `${label},${score >= 0.5 ? 1 : 0},${score.toFixed(3)},${SEXES[sex]},${AGE_BANDS[age]},${RACES[race]}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

const mapping: ColumnMapping = {
  label: 'label',
  prediction: 'prediction',
  score: 'score',
  sensitive: ['sex', 'age_band', 'race'],
};

/** CPU time (user + system) of this process: what the work costs whatever else the machine runs. */
function cpuSeconds(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'praesidium-bias-bench-'));
const file = path.join(dir, 'evaluation.csv');
try {
  let started = performance.now();
  await generate(file);
  print({ measurement: 'generate', rows: ROWS, ms: round(performance.now() - started, 0) });
  const rssBefore = process.memoryUsage().rss;

  started = performance.now();
  let cpu = process.cpuUsage();
  const parsed = await parseEvaluation(createReadStream(file, { highWaterMark: 1 << 20 }), {
    format: 'csv',
    mapping,
    scoreBins: 1000,
  });
  const parseMs = performance.now() - started;
  const parseCpu = cpuSeconds(process.cpuUsage(cpu));
  if (!parsed.valid) throw new Error(`the synthetic file did not validate: ${JSON.stringify(parsed.issues)}`);
  print({
    measurement: 'parse',
    rows: parsed.table.rows,
    cells: parsed.table.cells.length,
    ms: round(parseMs, 0),
    cpu_s: round(parseCpu, 3),
  });

  started = performance.now();
  cpu = process.cpuUsage();
  const threads = THREADS ?? defaultBootstrapThreads();
  const report = await computeBiasReport(
    parsed.table,
    { sha256: parsed.sha256, format: 'csv', bytes: parsed.bytes, rows: parsed.table.rows },
    mapping,
    { bootstrap: { resamples: RESAMPLES, seed: 1 } },
    { threads },
  );
  const computeMs = performance.now() - started;
  const computeCpu = cpuSeconds(process.cpuUsage(cpu));
  const groups = report.groupings.reduce((sum, grouping) => sum + grouping.groups.length, 0);
  print({
    measurement: 'compute',
    groupings: report.groupings.length,
    groups,
    resamples: RESAMPLES,
    threads,
    ms: round(computeMs, 0),
    cpu_s: round(computeCpu, 3),
  });
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const totalSeconds = (parseMs + computeMs) / 1000;
  print({
    summary: 'bias',
    rows: ROWS,
    sensitive_attributes: mapping.sensitive.length,
    resamples: RESAMPLES,
    threads,
    parse_s: round(parseMs / 1000, 3),
    compute_s: round(computeMs / 1000, 3),
    total_s: round(totalSeconds, 3),
    total_cpu_s: round(parseCpu + computeCpu, 3),
    peak_rss_mb: round(peakRssMb, 0),
    rss_before_parse_mb: round(rssBefore / 1048576, 0),
    cpus: os.cpus().length,
    load_average_1m: round(os.loadavg()[0], 2),
    goal_time_under_2s: totalSeconds < 2,
    goal_memory_under_500mb: peakRssMb < 500,
    report_verdict: report.verdict,
  });
} finally {
  await rm(dir, { recursive: true, force: true });
}
