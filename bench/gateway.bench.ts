/**
 * What the gateway costs: the full gateway (every check on, durable audit on real PostgreSQL) against
 * a bare reverse proxy doing nothing but forwarding, both in front of the same backend.
 *
 * Process tree (forked from bench/support/bench-processes.ts): `backend`, a fixed-answer Open Inference Protocol server
 * (it checks nothing, so the backend costs the same on both paths); `proxy`, node:http + an undici
 * pool forwarding every POST to the backend; `platform`, the Praesidium platform as `npm start` runs it
 * (gateway, governance, sample model) on a fresh PostgreSQL database of its own, with the demo's
 * lumbar ESI model pointed at the bench backend. The load generator (autocannon) runs here.
 *
 * Measurements, each a JSON line:
 *   throughput      requests/s at CONNECTIONS concurrent connections for DURATION s: backend, bare, gateway
 *   fixed_rate      latency p50/p99 (ms) at RATE requests/s on bare and gateway, and what the gateway adds
 *   sequential      one request at a time (SEQUENTIAL requests): p50/p99 (ms) bare and gateway, and added
 *   pg_commit       one single-row INSERT committed on the same PostgreSQL (SEQUENTIAL times): p50/p99 (ms)
 * The last line is the summary with the goals: sequential added p50 ≤ one commit's p50 + 1 ms, and
 * gateway throughput ≥ 50% of the bare proxy's.
 *
 * Env: DATABASE_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_DURATION (5),
 * BENCH_CONNECTIONS (32), BENCH_RATE (200), BENCH_SEQUENTIAL (1000), BENCH_OUTCOME_AUDIT (the
 * gateway's PRAESIDIUM_GATEWAY_OUTCOME_AUDIT; its default, after-release, when unset: the goals
 * are for the default). Run with `npm run bench:gateway`.
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { loadConfig } from '@praesidium/config';
import {
  adminStatement,
  backendInferUrl,
  benchPlatformEnv,
  prepareInference,
  spawnBenchChild,
  stopBenchChildren,
} from './support/bench-processes.js';
import { percentile, positiveInt, print, round } from './support/stats.js';

const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DURATION = positiveInt(process.env.BENCH_DURATION, 5);
const CONNECTIONS = positiveInt(process.env.BENCH_CONNECTIONS, 32);
const RATE = positiveInt(process.env.BENCH_RATE, 200);
const SEQUENTIAL = positiveInt(process.env.BENCH_SEQUENTIAL, 1000);
const OUTCOME_AUDIT = process.env.BENCH_OUTCOME_AUDIT;

// ---- measurements ---------------------------------------------------------------------------------

const admin = (statement: string) => adminStatement(ADMIN_URL, statement);

async function sequential(url: string, headers: Record<string, string>, body: string): Promise<Float64Array> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 1 });
  const samples = new Float64Array(SEQUENTIAL);
  try {
    for (let i = -50; i < SEQUENTIAL; i += 1) {
      const started = process.hrtime.bigint();
      const answer = await pool.request({ method: 'POST', path: target.pathname, headers, body });
      await answer.body.arrayBuffer();
      if (answer.statusCode !== 200) throw new Error(`${url} answered ${answer.statusCode}`);
      if (i >= 0) samples[i] = Number(process.hrtime.bigint() - started) / 1e6;
    }
  } finally {
    await pool.close();
  }
  return samples.sort();
}

async function commits(url: string): Promise<Float64Array> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const samples = new Float64Array(SEQUENTIAL);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS bench_commit (id bigserial PRIMARY KEY, payload text)');
    for (let i = -20; i < SEQUENTIAL; i += 1) {
      const started = process.hrtime.bigint();
      await client.query('INSERT INTO bench_commit (payload) VALUES ($1)', ['x'.repeat(200)]);
      if (i >= 0) samples[i] = Number(process.hrtime.bigint() - started) / 1e6;
    }
  } finally {
    await client.end();
  }
  return samples.sort();
}

async function load(url: string, headers: Record<string, string>, body: string, overallRate?: number) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections: overallRate ? 16 : CONNECTIONS,
    duration: DURATION,
    ...(overallRate ? { overallRate } : {}),
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  }
  return result;
}

const ms = (value: number) => round(value, 3);

async function main(): Promise<void> {
  const dbName = `praesidium_gateway_bench_${process.pid}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-gateway-bench-'));
  const dbUrl = new URL(ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const children: ChildProcess[] = [];
  try {
    const backend = await spawnBenchChild('backend', {});
    children.push(backend.process);
    const backendUrl = backendInferUrl(backend.port);
    const proxy = await spawnBenchChild('proxy', { BENCH_BACKEND_URL: backendUrl });
    children.push(proxy.process);
    const env = {
      ...(await benchPlatformEnv(dataDir, dbUrl.toString())),
      ...(OUTCOME_AUDIT ? { PRAESIDIUM_GATEWAY_OUTCOME_AUDIT: OUTCOME_AUDIT } : {}),
    };
    const platform = await spawnBenchChild('platform', env);
    children.push(platform.process);
    const config = loadConfig(env);
    const inference = await prepareInference(config, dbUrl.toString(), backendUrl);
    const { body } = inference;
    const gatewayUrl = inference.url;
    const bareUrl = backendInferUrl(proxy.port);
    const auth = { authorization: inference.headers.authorization };
    const json = { 'content-type': 'application/json' };
    print({
      setup: {
        duration_s: DURATION,
        connections: CONNECTIONS,
        rate_per_s: RATE,
        sequential: SEQUENTIAL,
        outcome_audit: config.gateway.outcomeAudit.mode,
      },
    });

    // Warm every path once (JIT, pools, consent cache) before measuring.
    await sequential(gatewayUrl, { ...json, ...auth }, body);

    const backendRun = await load(backendUrl, {}, body);
    const bareCpu = await cpuMs(proxy.process);
    const bareRun = await load(bareUrl, {}, body);
    const bareCpuPerCall = ((await cpuMs(proxy.process)) - bareCpu) / bareRun.requests.total;
    const beforeLoad = await stepTotals(config.http.gatewayUrl);
    const gatewayCpu = await cpuMs(platform.process);
    const databaseCpu = await databaseCpuMs(dbName);
    const gatewayRun = await load(gatewayUrl, auth, body);
    const gatewayCpuPerCall = ((await cpuMs(platform.process)) - gatewayCpu) / gatewayRun.requests.total;
    const databaseCpuPerCall = ((await databaseCpuMs(dbName)) - databaseCpu) / gatewayRun.requests.total;
    const underLoad = stepMeans(beforeLoad, await stepTotals(config.http.gatewayUrl));
    const throughput = {
      backend_rps: round(backendRun.requests.average, 0),
      bare_rps: round(bareRun.requests.average, 0),
      gateway_rps: round(gatewayRun.requests.average, 0),
      gateway_over_bare: round(gatewayRun.requests.average / bareRun.requests.average, 3),
      // CPU time (user + system) of the proxy / platform process per call: what the shared machine's
      // other work cannot distort.
      bare_cpu_ms_per_call: ms(bareCpuPerCall),
      gateway_cpu_ms_per_call: ms(gatewayCpuPerCall),
      // The PostgreSQL backends of the gateway's database (both audit appends, their triggers, lookups).
      database_cpu_ms_per_call: ms(databaseCpuPerCall),
    };
    print({ throughput });

    const bareFixed = await load(bareUrl, {}, body, RATE);
    const gatewayFixed = await load(gatewayUrl, auth, body, RATE);
    const fixedRate = {
      rate_per_s: RATE,
      bare_p50_ms: bareFixed.latency.p50,
      bare_p99_ms: bareFixed.latency.p99,
      gateway_p50_ms: gatewayFixed.latency.p50,
      gateway_p99_ms: gatewayFixed.latency.p99,
      added_p50_ms: ms(gatewayFixed.latency.p50 - bareFixed.latency.p50),
      added_p99_ms: ms(gatewayFixed.latency.p99 - bareFixed.latency.p99),
    };
    print({ fixed_rate: fixedRate });

    const bareSeq = await sequential(bareUrl, json, body);
    const beforeSequential = await stepTotals(config.http.gatewayUrl);
    const gatewaySeq = await sequential(gatewayUrl, { ...json, ...auth }, body);
    const oneAtATime = stepMeans(beforeSequential, await stepTotals(config.http.gatewayUrl));
    const sequentialLine = {
      bare_p50_ms: ms(percentile(bareSeq, 0.5)),
      bare_p99_ms: ms(percentile(bareSeq, 0.99)),
      gateway_p50_ms: ms(percentile(gatewaySeq, 0.5)),
      gateway_p99_ms: ms(percentile(gatewaySeq, 0.99)),
      added_p50_ms: ms(percentile(gatewaySeq, 0.5) - percentile(bareSeq, 0.5)),
      added_p99_ms: ms(percentile(gatewaySeq, 0.99) - percentile(bareSeq, 0.99)),
    };
    print({ sequential: sequentialLine });

    const commit = await commits(dbUrl.toString());
    const pgCommit = { p50_ms: ms(percentile(commit, 0.5)), p99_ms: ms(percentile(commit, 0.99)) };
    print({ pg_commit: pgCommit });

    print({ gateway_steps_mean_ms: { under_load: underLoad, sequential: oneAtATime } });

    const addedBeyondCommit = ms(sequentialLine.added_p50_ms - pgCommit.p50_ms);
    print({
      summary: {
        gateway_over_bare_throughput: throughput.gateway_over_bare,
        sequential_added_p50_ms: sequentialLine.added_p50_ms,
        pg_commit_p50_ms: pgCommit.p50_ms,
        sequential_added_beyond_commit_p50_ms: addedBeyondCommit,
        fixed_rate_added_p50_ms: fixedRate.added_p50_ms,
        fixed_rate_added_p99_ms: fixedRate.added_p99_ms,
        goal_sequential_added_within_1ms_of_commit: addedBeyondCommit <= 1,
        goal_throughput_at_least_half_of_bare: throughput.gateway_over_bare >= 0.5,
      },
    });
  } finally {
    await stopBenchChildren(children);
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

type StepTotals = Map<string, { sum: number; count: number }>;

/** Per pipeline step (successes only): total seconds and count, from the gateway's Prometheus metrics. */
async function stepTotals(gatewayUrl: string): Promise<StepTotals> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const read = (suffix: string) =>
    new Map(
      [
        ...text.matchAll(
          new RegExp(
            `praesidium_gateway_step_duration_seconds_${suffix}\\{step="([a-z_]+)",outcome="ok"[^}]*\\} ([0-9.e+-]+)`,
            'g',
          ),
        ),
      ].map((match) => [match[1], Number(match[2])] as const),
    );
  const sums = read('sum');
  const counts = read('count');
  return new Map([...sums].map(([step, sum]) => [step, { sum, count: counts.get(step) ?? 0 }]));
}

/** Mean time per step (ms) over the calls made between two readings. */
function stepMeans(before: StepTotals, after: StepTotals): Record<string, number> {
  return Object.fromEntries(
    [...after].map(([step, { sum, count }]) => {
      const earlier = before.get(step) ?? { sum: 0, count: 0 };
      const calls = count - earlier.count;
      return [step, calls > 0 ? ms(((sum - earlier.sum) / calls) * 1000) : 0];
    }),
  );
}

/** CPU time (user + system, ms) a child process has used so far, from /proc (Linux; NaN elsewhere). */
function cpuMs(child: ChildProcess): Promise<number> {
  return processCpuMs(child.pid ?? 0);
}

/** CPU time (ms) used so far by the PostgreSQL backends connected to one database (same host only). */
async function databaseCpuMs(database: string): Promise<number> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1',
      [database],
    );
    const each = await Promise.all(rows.map((row) => processCpuMs(row.pid)));
    return each.reduce((sum, value) => sum + value, 0);
  } finally {
    await client.end();
  }
}

async function processCpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesized command name; utime and stime are the 12th and 13th of them.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_S = 100;

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
