/**
 * Regulatory documents: how long does the full signed submission bundle of a model version take to
 * generate, without PDF? Every document kind (FDA AI-DSF, PCCP, premarket cybersecurity, EU MDR Annex
 * II and III, EU AI Act Annex IV, model card, GMLP) as HTML, Markdown, DOCX and completeness JSON, the
 * model card JSON, the CycloneDX SBOM of the platform's package-lock.json, and the manifest signed with
 * a `regulatory-bundle` key, written to a directory; the records are the complete demo fixture (the
 * registry read is one query per record type and is not timed here).
 *
 * Output: one JSON line per run (`cold` is the first, with template compilation and module warm-up;
 * then `RUNS` warm runs; wall clock and the process's CPU time), then a summary line with the figures:
 * cold, p50 and max of the warm runs (wall), p50 of their CPU time,
 * the bundle's file count and size, and whether the goal (under one second, on the warm p50) is met.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeyStore } from '@praesidium/keys';
import {
  findInstallation,
  generateSubmission,
  writeSubmission,
  type PackageLock,
} from '@praesidium/regulatory-docs';
import { completeSnapshot } from '../libs/regulatory-docs/src/complete-snapshot.fixture.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const GOAL_MS = 1000;

const work = await mkdtemp(path.join(tmpdir(), 'praesidium-bench-docs-'));
try {
  const lock = JSON.parse(await readFile(findInstallation('package-lock.json'), 'utf8')) as PackageLock;
  const keyStore = await KeyStore.openOrCreate(path.join(work, 'data'));
  const signing = {
    privateJwk: keyStore.current('regulatory-bundle'),
    publicJwks: await keyStore.publicJwks('regulatory-bundle'),
  };
  const timings: number[] = [];
  const cpuTimings: number[] = [];
  let files = 0;
  let bytes = 0;
  for (let run = 0; run <= RUNS; run += 1) {
    const out = path.join(work, `bundle-${run}`);
    const started = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const bundle = await generateSubmission(
      { snapshot: completeSnapshot(), lock, generatedAt: new Date().toISOString() },
      signing,
    );
    await writeSubmission(out, bundle);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage(cpuStart);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    files = bundle.files.length + 1;
    bytes = bundle.files.reduce(
      (sum, file) => sum + Buffer.byteLength(file.content, file.encoding ?? 'utf8'),
      0,
    );
    console.log(
      JSON.stringify({
        run: run === 0 ? 'cold' : run,
        ms: Math.round(ms * 10) / 10,
        cpu_ms: Math.round(cpuMs * 10) / 10,
        files,
      }),
    );
    if (run > 0) {
      timings.push(ms);
      cpuTimings.push(cpuMs);
    }
  }
  const sorted = [...timings].sort((a, b) => a - b);
  const p50 = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const max = sorted.at(-1) ?? Number.NaN;
  console.log(
    JSON.stringify({
      summary: 'docs bundle (no PDF)',
      documents: 8,
      files,
      bundle_kib: Math.round(bytes / 1024),
      warm_runs: timings.length,
      warm_p50_ms: Math.round(p50),
      warm_max_ms: Math.round(max),
      // CPU time of the process per run: what a machine not shared with other work would take, roughly.
      warm_cpu_p50_ms: Math.round(
        [...cpuTimings].sort((a, b) => a - b)[Math.floor(cpuTimings.length / 2)] ?? 0,
      ),
      goal_ms: GOAL_MS,
      goal_met: p50 < GOAL_MS,
      load_average: (await import('node:os')).loadavg().map((value) => Math.round(value * 10) / 10),
    }),
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
