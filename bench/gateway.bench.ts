/**
 * What the gateway costs: the full gateway (every check on, durable audit on real PostgreSQL) against
 * a bare reverse proxy doing nothing but forwarding, both in front of the same backend.
 *
 * Process tree (this process forks itself): `backend`, a fixed-answer Open Inference Protocol server
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
 * BENCH_CONNECTIONS (32), BENCH_RATE (200), BENCH_SEQUENTIAL (1000). Run with `npm run bench:gateway`.
 */
import 'reflect-metadata';
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Pool } from 'undici';
import { loadConfig } from '@praesidium/config';
import { dataSourceOptions, openDataSource } from '@praesidium/database';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME, mintDemoToken } from '@praesidium/demo';
import { KeyStore } from '@praesidium/keys';
import { ModelEntity, ModelRegistry, ModelVersionEntity } from '@praesidium/model-registry';
import { startPlatform } from '../apps/cli/src/platform.js';
import { percentile, positiveInt, print, round } from './support/stats.js';

const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DURATION = positiveInt(process.env.BENCH_DURATION, 5);
const CONNECTIONS = positiveInt(process.env.BENCH_CONNECTIONS, 32);
const RATE = positiveInt(process.env.BENCH_RATE, 200);
const SEQUENTIAL = positiveInt(process.env.BENCH_SEQUENTIAL, 1000);

const BACKEND_ANSWER = JSON.stringify({
  model_name: LUMBAR_ESI_MODEL_NAME,
  model_version: '1.0.0',
  outputs: [{ name: 'probability_meaningful_relief', shape: [1], datatype: 'FP32', data: [0.61] }],
});

type Role = 'backend' | 'proxy' | 'platform';

// ---- child roles ----------------------------------------------------------------------------------

async function runBackend(): Promise<number> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(BACKEND_ANSWER),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function runProxy(backendUrl: string): Promise<number> {
  const target = new URL(backendUrl);
  const pool = new Pool(target.origin, { connections: 64 });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      pool
        .request({
          method: 'POST',
          path: target.pathname,
          body: Buffer.concat(chunks),
          headers: { 'content-type': 'application/json' },
        })
        .then(async (answer) => {
          const body = Buffer.from(await answer.body.arrayBuffer());
          response.writeHead(answer.statusCode, { 'content-type': 'application/json' }).end(body);
        })
        .catch(() => response.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function runPlatform(): Promise<number> {
  const config = loadConfig(process.env);
  await startPlatform(config);
  return config.http.gatewayPort;
}

async function child(role: Role): Promise<void> {
  const port =
    role === 'backend'
      ? await runBackend()
      : role === 'proxy'
        ? await runProxy(process.env.BENCH_BACKEND_URL as string)
        : await runPlatform();
  // Exit normally on SIGTERM, so a CPU profile (if asked for) is written.
  process.once('SIGTERM', () => process.exit(0));
  process.send?.({ port });
}

function spawn(role: Role, env: Record<string, string>): Promise<{ process: ChildProcess; port: number }> {
  const profile = process.env.BENCH_CPU_PROFILE_DIR;
  const processHandle = fork(fileURLToPath(import.meta.url), [role], {
    env: { ...process.env, ...env },
    // BENCH_CPU_PROFILE_DIR: a V8 CPU profile of the platform process, written when it exits.
    execArgv: role === 'platform' && profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    processHandle.once('message', (message: { port: number }) =>
      resolve({ process: processHandle, port: message.port }),
    );
    processHandle.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

// ---- measurements ---------------------------------------------------------------------------------

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

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
    const backend = await spawn('backend', {});
    children.push(backend.process);
    const backendUrl = `http://127.0.0.1:${backend.port}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    const proxy = await spawn('proxy', { BENCH_BACKEND_URL: backendUrl });
    children.push(proxy.process);
    const env = {
      NODE_ENV: 'test',
      PRAESIDIUM_LOG_LEVEL: 'error',
      PRAESIDIUM_DATA_DIR: dataDir,
      DATABASE_URL: dbUrl.toString(),
      PRAESIDIUM_GATEWAY_PORT: '0',
      PRAESIDIUM_GOVERNANCE_PORT: '0',
      PRAESIDIUM_SAMPLE_MODEL_PORT: '0',
      // Every check on: rate limits too, set high enough that the load never reaches them.
      PRAESIDIUM_GATEWAY_RATE_LIMIT_PRINCIPAL: '1000000000',
      PRAESIDIUM_GATEWAY_RATE_LIMIT_MODEL: '1000000000',
      PRAESIDIUM_GATEWAY_BACKEND_CONCURRENCY: '256',
    };
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    Object.assign(env, {
      PRAESIDIUM_GATEWAY_PORT: String(ports[0]),
      PRAESIDIUM_GOVERNANCE_PORT: String(ports[1]),
      PRAESIDIUM_SAMPLE_MODEL_PORT: String(ports[2]),
    });
    const platform = await spawn('platform', env);
    children.push(platform.process);
    const config = loadConfig(env);

    const dataSource = await openDataSource(
      dataSourceOptions({ kind: 'server', url: dbUrl.toString() }, [ModelEntity, ModelVersionEntity], 1),
    );
    try {
      const registry = new ModelRegistry(
        dataSource.getRepository(ModelEntity),
        dataSource.getRepository(ModelVersionEntity),
      );
      await registry.relocateBackend(LUMBAR_ESI_MODEL_NAME, '1.0.0', backendUrl);
    } finally {
      await dataSource.destroy();
    }
    const token = await mintDemoToken(await KeyStore.openOrCreate(dataDir), config, 'pain-clinician');
    const body = JSON.stringify({
      parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
      inputs: exampleEsiInputs(),
    });
    const gatewayUrl = `${config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    const bareUrl = `http://127.0.0.1:${proxy.port}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    const auth = { authorization: `Bearer ${token}` };
    const json = { 'content-type': 'application/json' };
    print({
      setup: { duration_s: DURATION, connections: CONNECTIONS, rate_per_s: RATE, sequential: SEQUENTIAL },
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
    for (const handle of children.reverse()) handle.kill('SIGTERM');
    await Promise.all(
      children.map(
        (handle) =>
          new Promise((resolve) => (handle.exitCode !== null ? resolve(0) : handle.once('exit', resolve))),
      ),
    );
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

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const role = process.argv[2] as Role | undefined;
(role ? child(role) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
