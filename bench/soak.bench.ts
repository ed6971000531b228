/**
 * Soak: the gateway driven at half its measured capacity for a long time (ten minutes by default) on
 * real PostgreSQL, watching throughput, latency, errors and the gateway process's memory over time.
 *
 * Processes (forked from bench/support/bench-processes.ts, as `bench:gateway` runs them): the fixed-
 * answer `backend`; governance and the sample model in one `platform` process (it seeds the demo and
 * signs audit checkpoints every minute, as in production); the gateway alone in another, so its memory
 * is its own. All on a fresh PostgreSQL database. The load generator (autocannon) runs here.
 *
 * JSON lines:
 *   setup      the parameters
 *   capacity   requests/s at CONNECTIONS connections for CAPACITY_DURATION s (non-2xx and errors too)
 *   window     every WINDOW s of the soak at half that rate: elapsed time, requests, achieved rate,
 *              latency p50/p90/p99/max (ms), non-2xx, errors, timeouts, and the gateway's RSS and heap
 *              (MB, the heap after a full garbage collection)
 *   summary    (last line) totals, the worst window's p99, memory growth from the first window to the
 *              last, and the goals: zero errors and memory growth ≤ 10% (RSS and heap)
 *
 * Env: DATABASE_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_DURATION (600 s),
 * BENCH_WINDOW (30 s), BENCH_CAPACITY_DURATION (10 s), BENCH_CONNECTIONS (32). `npm run bench:soak`.
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { loadConfig } from '@praesidium/config';
import {
  adminStatement,
  backendInferUrl,
  benchPlatformEnv,
  memoryOf,
  prepareInference,
  spawnBenchChild,
  stopBenchChildren,
  type BenchChild,
  type BenchInference,
} from './support/bench-processes.js';
import { positiveInt, print, round } from './support/stats.js';

const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DURATION = positiveInt(process.env.BENCH_DURATION, 600);
const WINDOW = Math.min(positiveInt(process.env.BENCH_WINDOW, 30), DURATION);
const CAPACITY_DURATION = positiveInt(process.env.BENCH_CAPACITY_DURATION, 10);
const CONNECTIONS = positiveInt(process.env.BENCH_CONNECTIONS, 32);
const MEMORY_GROWTH_GOAL = 0.1;

const mb = (bytes: number) => round(bytes / (1024 * 1024), 1);
const pct = (from: number, to: number) => round(((to - from) / from) * 100, 1);

function drive(inference: BenchInference, seconds: number, overallRate?: number) {
  return autocannon({
    url: inference.url,
    method: 'POST',
    headers: inference.headers,
    body: inference.body,
    connections: overallRate ? 16 : CONNECTIONS,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
  });
}

/** Warms JIT, pools and caches one call at a time; any refusal stops the bench before it measures. */
async function warm(inference: BenchInference, calls: number): Promise<void> {
  const target = new URL(inference.url);
  const pool = new Pool(target.origin, { connections: 1 });
  try {
    for (let i = 0; i < calls; i += 1) {
      const answer = await pool.request({
        method: 'POST',
        path: target.pathname,
        headers: inference.headers,
        body: inference.body,
      });
      await answer.body.arrayBuffer();
      if (answer.statusCode !== 200)
        throw new Error(`the gateway answered ${answer.statusCode} while warming`);
    }
  } finally {
    await pool.close();
  }
}

interface WindowLine {
  readonly elapsed_s: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly rss_mb: number;
  readonly heap_used_mb: number;
}

async function soak(inference: BenchInference, gateway: BenchChild, rate: number): Promise<WindowLine[]> {
  const windows: WindowLine[] = [];
  const started = Date.now();
  let elapsed = 0;
  while (elapsed < DURATION) {
    const seconds = Math.min(WINDOW, DURATION - elapsed);
    const run = await drive(inference, seconds, rate);
    const memory = await memoryOf(gateway);
    elapsed += seconds;
    const line: WindowLine = {
      elapsed_s: round((Date.now() - started) / 1000, 1),
      requests: run.requests.total,
      rps: round(run.requests.total / seconds, 1),
      p50_ms: run.latency.p50,
      p90_ms: run.latency.p90,
      p99_ms: run.latency.p99,
      max_ms: run.latency.max,
      non2xx: run.non2xx,
      errors: run.errors,
      timeouts: run.timeouts,
      rss_mb: mb(memory.rss),
      heap_used_mb: mb(memory.heapUsed),
    };
    windows.push(line);
    print({ window: line });
  }
  return windows;
}

function summarize(capacityRps: number, rate: number, windows: readonly WindowLine[]) {
  const [first] = windows;
  const last = windows[windows.length - 1];
  const total = (key: 'requests' | 'non2xx' | 'errors' | 'timeouts') =>
    windows.reduce((sum, window) => sum + window[key], 0);
  const failures = total('non2xx') + total('errors') + total('timeouts');
  const rssGrowth = pct(first.rss_mb, last.rss_mb);
  const heapGrowth = pct(first.heap_used_mb, last.heap_used_mb);
  const requests = total('requests');
  return {
    duration_s: DURATION,
    capacity_rps: capacityRps,
    target_rps: rate,
    achieved_rps: round(requests / DURATION, 1),
    requests,
    non2xx: total('non2xx'),
    errors: total('errors'),
    timeouts: total('timeouts'),
    p50_ms_median_window: [...windows].map((w) => w.p50_ms).sort((a, b) => a - b)[
      Math.floor(windows.length / 2)
    ],
    p99_ms_worst_window: Math.max(...windows.map((w) => w.p99_ms)),
    max_ms: Math.max(...windows.map((w) => w.max_ms)),
    rss_mb_first: first.rss_mb,
    rss_mb_last: last.rss_mb,
    rss_growth_pct: rssGrowth,
    heap_used_mb_first: first.heap_used_mb,
    heap_used_mb_last: last.heap_used_mb,
    heap_growth_pct: heapGrowth,
    goal_zero_errors: failures === 0,
    goal_memory_growth_within_10pct:
      rssGrowth <= MEMORY_GROWTH_GOAL * 100 && heapGrowth <= MEMORY_GROWTH_GOAL * 100,
  };
}

async function main(): Promise<void> {
  const dbName = `praesidium_soak_bench_${process.pid}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-soak-bench-'));
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  await adminStatement(ADMIN_URL, `CREATE DATABASE ${dbName}`);
  const children: ChildProcess[] = [];
  try {
    const backend = await spawnBenchChild('backend', {});
    children.push(backend.process);
    const backendUrl = backendInferUrl(backend.port);
    const env = await benchPlatformEnv(dataDir, dbUrl.toString());
    // Governance first: it migrates and seeds the demo the gateway serves.
    const governance = await spawnBenchChild('platform', { ...env, BENCH_APPS: 'sample-model,governance' });
    children.push(governance.process);
    const gateway = await spawnBenchChild('platform', { ...env, BENCH_APPS: 'gateway' }, { exposeGc: true });
    children.push(gateway.process);
    const inference = await prepareInference(loadConfig(env), dbUrl.toString(), backendUrl);
    print({
      setup: {
        duration_s: DURATION,
        window_s: WINDOW,
        capacity_duration_s: CAPACITY_DURATION,
        connections: CONNECTIONS,
      },
    });

    await warm(inference, 200);
    const capacityRun = await drive(inference, CAPACITY_DURATION);
    const capacityRps = round(capacityRun.requests.total / CAPACITY_DURATION, 1);
    print({
      capacity: {
        rps: capacityRps,
        p50_ms: capacityRun.latency.p50,
        p99_ms: capacityRun.latency.p99,
        non2xx: capacityRun.non2xx,
        errors: capacityRun.errors,
      },
    });
    const rate = Math.max(1, Math.round(capacityRps / 2));
    print({ summary: summarize(capacityRps, rate, await soak(inference, gateway, rate)) });
  } finally {
    await stopBenchChildren(children);
    await adminStatement(ADMIN_URL, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
