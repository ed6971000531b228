/**
 * Embedded database: what does serving PGlite over a Unix socket cost, next to querying it in process
 * and next to a real PostgreSQL server?
 *
 * Paths, each given the same SQL text and the same parameters:
 *   pglite-direct  `PGlite.query` in this process (the rejected alternative: only the owner reaches it)
 *   pglite-socket  `pg` over the pglite-socket Unix socket of `EmbeddedPostgres` (the embedded default)
 *   postgres       `pg` over TCP to `DATABASE_URL` (in a temporary database, dropped afterwards)
 * Each path gets a fresh database with the platform's migrations applied, plus a small `bench` schema.
 * All three stay open and are measured in interleaved rounds (order rotated each round), so load from
 * other processes on the machine falls on every path alike and the ratios stay comparable.
 *
 * Also checked over the socket: two clients' read-modify-write transactions never lose an update
 * (the multiplexer keeps each transaction whole), and two clients' concurrent statements never receive
 * each other's rows.
 *
 * Output: one JSON line per measurement on stdout, then a summary line. Ratios compare p50 latencies
 * measured in this run. BENCH_ITERATIONS (default 2000) and BENCH_WARMUP (default 200) bound the work.
 *
 * Run with `npm run bench:embedded`.
 */
import { PGlite } from '@electric-sql/pglite';
import { EmbeddedPostgres, dataSourceOptions, openDataSource, runMigrations } from '@praesidium/database';
import type { PostgresConnection } from '@praesidium/database';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { percentile, positiveInt, print, round } from './support/stats.js';

type PathName = 'pglite-direct' | 'pglite-socket' | 'postgres';
type Workload = 'select_pk' | 'insert_row' | 'tx_insert_x10';

/** The one thing every path must do: run one statement, with optional parameters. */
type Run = (sql: string, params?: unknown[]) => Promise<unknown>;

interface Target {
  readonly name: PathName;
  readonly run: Run;
  seq: number;
}

interface Measurement {
  bench: 'embedded-db';
  path: PathName;
  workload: string;
  ops: number;
  p50_us: number;
  p95_us: number;
  mean_us: number;
  ops_per_s: number;
  [extra: string]: unknown;
}

const ITERATIONS = positiveInt(process.env.BENCH_ITERATIONS, 2000);
const WARMUP = positiveInt(process.env.BENCH_WARMUP, 200);
const ROUNDS = 4;
const SEED_ROWS = 1000;
const CLIENTS = 2;
const RMW_TRANSACTIONS = 200;
const CROSS_CHECK_QUERIES = 500;
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// Identical on every path. `bench.event` has the shape of `audit.event`'s core: text, bigint, jsonb.
const SCHEMA = [
  'CREATE SCHEMA bench',
  'CREATE TABLE bench.item (id integer PRIMARY KEY, name text NOT NULL, payload jsonb NOT NULL)',
  `CREATE TABLE bench.event (
     stream_id text NOT NULL,
     seq bigint NOT NULL,
     event jsonb NOT NULL,
     CONSTRAINT pk_bench_event PRIMARY KEY (stream_id, seq)
   )`,
  'CREATE TABLE bench.counter (id integer PRIMARY KEY, n bigint NOT NULL)',
  `INSERT INTO bench.item (id, name, payload)
     SELECT g, 'item-' || g, jsonb_build_object('department', 'radiology', 'n', g)
     FROM generate_series(1, ${SEED_ROWS}) AS g`,
  'INSERT INTO bench.counter (id, n) VALUES (1, 0)',
];
const SELECT_PK = 'SELECT id, name, payload FROM bench.item WHERE id = $1';
const INSERT_EVENT = 'INSERT INTO bench.event (stream_id, seq, event) VALUES ($1, $2, $3)';
// JSON text on every path, so no driver serializes an object its own way.
const EVENT_JSON = JSON.stringify({
  action: 'inference.request',
  outcome: 'permitted',
  agent: { subject: 'clinician-42', roles: ['radiologist'] },
  model: { name: 'chest-xray-triage', version: '1.4.0' },
  patient: 'p-5f2c9a',
});

const WORKLOADS: ReadonlyArray<readonly [Workload, (target: Target, i: number) => Promise<unknown>]> = [
  ['select_pk', (t, i) => t.run(SELECT_PK, [(i % SEED_ROWS) + 1])],
  ['insert_row', (t) => t.run(INSERT_EVENT, ['stream-single', ++t.seq, EVENT_JSON])],
  [
    'tx_insert_x10',
    async (t) => {
      await t.run('BEGIN');
      for (let k = 0; k < 10; k++) await t.run(INSERT_EVENT, ['stream-tx', ++t.seq, EVENT_JSON]);
      await t.run('COMMIT');
    },
  ],
];

async function main(): Promise<void> {
  const tempRoot = await mkdtemp(path.join(os.tmpdir(), 'praesidium-bench-'));
  const cleanups: Array<() => Promise<unknown>> = [];
  const results: Measurement[] = [];
  let lostUpdates: number | null;
  let crossedResults: number | null;
  let postgresLostUpdates: number | null = null;
  try {
    const targets: Target[] = [];

    // (a) PGlite in process, on its own data dir: migrated over a socket first, then reopened bare.
    const directDir = path.join(tempRoot, 'direct');
    const migrator = await EmbeddedPostgres.start(directDir);
    try {
      await migrate(migrator.connection);
    } finally {
      await migrator.stop();
    }
    const direct = await PGlite.create(path.join(directDir, 'pgdata'));
    cleanups.push(() => direct.close());
    targets.push(await prepare('pglite-direct', (sql, params) => direct.query(sql, params)));

    // (b) pg over the pglite-socket Unix socket, as the platform and the CLI reach it.
    const embedded = await EmbeddedPostgres.start(path.join(tempRoot, 'socket'));
    cleanups.push(() => embedded.stop());
    await migrate(embedded.connection);
    const socketConfig = clientConfig(embedded.connection);
    const socketClient = await connectClient(socketConfig);
    cleanups.push(() => socketClient.end());
    targets.push(await prepare('pglite-socket', (sql, params) => socketClient.query(sql, params)));

    // (c) A real PostgreSQL server, in a temporary database of its own.
    const postgresConfig = await openPostgres(cleanups);
    if (postgresConfig !== undefined) {
      const postgresClient = await connectClient(postgresConfig);
      cleanups.push(() => postgresClient.end());
      targets.push(await prepare('postgres', (sql, params) => postgresClient.query(sql, params)));
    }

    for (const [workload, op] of WORKLOADS)
      results.push(...(await measureInterleaved(targets, workload, op)));

    // (d) Concurrent read-modify-write transactions: the multiplexer must keep each one whole.
    const rmw = await measureReadModifyWrite('pglite-socket', socketConfig);
    lostUpdates = rmw.lostUpdates;
    results.push(rmw.measurement);
    // (e) Concurrent parameterized statements outside a transaction: no client may get another's rows.
    const cross = await measureCrossCheck('pglite-socket', socketConfig);
    crossedResults = cross.crossed;
    results.push(cross.measurement);
    // The same read-modify-write on the server, for contrast (informational, not a check).
    if (postgresConfig !== undefined) {
      const server = await measureReadModifyWrite('postgres', postgresConfig);
      postgresLostUpdates = server.lostUpdates;
      results.push(server.measurement);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(warn('cleanup'));
    await rm(tempRoot, { recursive: true, force: true });
  }

  for (const measurement of results) print(measurement);
  const p50 = (p: PathName, w: Workload) => results.find((m) => m.path === p && m.workload === w)?.p50_us;
  const ratio = (a: PathName, b: PathName, w: Workload) => {
    const [x, y] = [p50(a, w), p50(b, w)];
    return x === undefined || y === undefined ? null : round(x / y, 2);
  };
  const overhead = (w: Workload) => {
    const [x, y] = [p50('pglite-socket', w), p50('pglite-direct', w)];
    return x === undefined || y === undefined ? null : round(x - y, 1);
  };
  print({
    bench: 'embedded-db',
    summary: true,
    ratio_basis: 'p50',
    socket_over_direct_ratio_select: ratio('pglite-socket', 'pglite-direct', 'select_pk'),
    socket_over_direct_ratio_insert: ratio('pglite-socket', 'pglite-direct', 'insert_row'),
    socket_over_direct_ratio_tx10: ratio('pglite-socket', 'pglite-direct', 'tx_insert_x10'),
    socket_over_postgres_ratio_select: ratio('pglite-socket', 'postgres', 'select_pk'),
    socket_over_postgres_ratio_insert: ratio('pglite-socket', 'postgres', 'insert_row'),
    socket_over_postgres_ratio_tx10: ratio('pglite-socket', 'postgres', 'tx_insert_x10'),
    socket_overhead_select_us: overhead('select_pk'),
    socket_overhead_insert_us: overhead('insert_row'),
    socket_overhead_tx10_us: overhead('tx_insert_x10'),
    lost_updates: lostUpdates,
    crossed_results: crossedResults,
    // READ COMMITTED on a server lets the same unlocked read-modify-write lose updates; the embedded
    // socket runs whole transactions one at a time, which no server promises. Not a check.
    postgres_lost_updates_read_committed: postgresLostUpdates,
    iterations: ITERATIONS,
    warmup: WARMUP,
    rounds: ROUNDS,
    node: process.version,
    cpus: os.cpus().length,
  });
  if (lostUpdates !== 0 || crossedResults !== 0) process.exitCode = 1;
}

async function prepare(name: PathName, run: Run): Promise<Target> {
  for (const statement of SCHEMA) await run(statement);
  return { name, run, seq: 0 };
}

async function migrate(connection: PostgresConnection): Promise<void> {
  // The default pool: runMigrations holds one connection for its lock while TypeORM takes another.
  const dataSource = await openDataSource(dataSourceOptions(connection));
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** Creates and migrates a temporary database on the server; undefined when the server is unreachable. */
async function openPostgres(cleanups: Array<() => Promise<unknown>>): Promise<pg.ClientConfig | undefined> {
  let admin: pg.Client;
  try {
    admin = await connectClient({ connectionString: POSTGRES_URL });
  } catch (error) {
    warn(`PostgreSQL at ${redact(POSTGRES_URL)} is unreachable; skipping the postgres baseline`)(error);
    return undefined;
  }
  cleanups.push(() => admin.end());
  const database = `praesidium_bench_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${database}`);
  cleanups.push(() => admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  await migrate({ kind: 'server', url: url.toString() });
  return { connectionString: url.toString() };
}

/**
 * Warms every target up, then runs ITERATIONS timed sequential calls per target, split into ROUNDS
 * that alternate between targets in a rotating order.
 */
async function measureInterleaved(
  targets: readonly Target[],
  workload: Workload,
  op: (target: Target, i: number) => Promise<unknown>,
): Promise<Measurement[]> {
  for (const target of targets) for (let i = 0; i < WARMUP; i++) await op(target, i);
  const runs = targets.map(() => ({ samples: new Float64Array(ITERATIONS), done: 0, elapsedMs: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    const until = Math.round((ITERATIONS * (round + 1)) / ROUNDS);
    for (let k = 0; k < targets.length; k++) {
      const index = (k + round) % targets.length;
      const [target, run] = [targets[index], runs[index]];
      const started = performance.now();
      for (; run.done < until; run.done++) {
        const t0 = process.hrtime.bigint();
        await op(target, WARMUP + run.done);
        run.samples[run.done] = Number(process.hrtime.bigint() - t0) / 1000;
      }
      run.elapsedMs += performance.now() - started;
    }
  }
  return targets.map((target, index) =>
    summarize(target.name, workload, runs[index].samples, runs[index].elapsedMs),
  );
}

/**
 * CLIENTS clients each run BEGIN; SELECT n; UPDATE n := n + 1 (computed in the client); COMMIT, with no
 * row lock. If another client's transaction could run in between, increments would be lost.
 */
async function measureReadModifyWrite(
  pathName: PathName,
  config: pg.ClientConfig,
): Promise<{ measurement: Measurement; lostUpdates: number }> {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connectClient(config)));
  try {
    await clients[0].query('UPDATE bench.counter SET n = 0 WHERE id = 1');
    const samples = new Float64Array(CLIENTS * RMW_TRANSACTIONS);
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = 0; i < RMW_TRANSACTIONS; i++) {
          const t0 = process.hrtime.bigint();
          await client.query('BEGIN');
          try {
            const { rows } = await client.query<{ n: string }>(
              'SELECT n FROM bench.counter WHERE id = $1',
              [1],
            );
            await client.query('UPDATE bench.counter SET n = $1 WHERE id = $2', [Number(rows[0].n) + 1, 1]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
          samples[c * RMW_TRANSACTIONS + i] = Number(process.hrtime.bigint() - t0) / 1000;
        }
      }),
    );
    const elapsed = performance.now() - started;
    const { rows } = await clients[0].query<{ n: string }>('SELECT n FROM bench.counter WHERE id = 1');
    const expected = CLIENTS * RMW_TRANSACTIONS;
    const lostUpdates = expected - Number(rows[0].n);
    const measurement = summarize(pathName, `rmw_tx_${CLIENTS}_clients`, samples, elapsed);
    return {
      measurement: { ...measurement, expected_counter: expected, lost_updates: lostUpdates },
      lostUpdates,
    };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

/**
 * CLIENTS clients run the same parameterized SELECT with different keys, outside any transaction; each
 * result must carry the key its own client asked for. The extended protocol's unnamed statement and
 * portal belong to a session, and PGlite has only one, so interleaved messages would cross results.
 */
async function measureCrossCheck(
  pathName: PathName,
  config: pg.ClientConfig,
): Promise<{ measurement: Measurement; crossed: number }> {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connectClient(config)));
  try {
    let crossed = 0;
    const samples = new Float64Array(CLIENTS * CROSS_CHECK_QUERIES);
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = 0; i < CROSS_CHECK_QUERIES; i++) {
          const id = ((i * 7 + Math.floor((c * SEED_ROWS) / CLIENTS)) % SEED_ROWS) + 1;
          const t0 = process.hrtime.bigint();
          const { rows } = await client.query<{ id: number }>(SELECT_PK, [id]);
          samples[c * CROSS_CHECK_QUERIES + i] = Number(process.hrtime.bigint() - t0) / 1000;
          if (rows.length !== 1 || rows[0].id !== id) crossed++;
        }
      }),
    );
    const measurement = summarize(
      pathName,
      `select_pk_${CLIENTS}_clients`,
      samples,
      performance.now() - started,
    );
    return { measurement: { ...measurement, crossed_results: crossed }, crossed };
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

function summarize(
  pathName: PathName,
  workload: string,
  samples: Float64Array,
  elapsedMs: number,
): Measurement {
  const sorted = Float64Array.from(samples).sort();
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  return {
    bench: 'embedded-db',
    path: pathName,
    workload,
    ops: sorted.length,
    p50_us: round(percentile(sorted, 0.5), 1),
    p95_us: round(percentile(sorted, 0.95), 1),
    mean_us: round(mean, 1),
    ops_per_s: round(sorted.length / (elapsedMs / 1000), 0),
  };
}

function clientConfig(connection: PostgresConnection): pg.ClientConfig {
  return connection.kind === 'server'
    ? { connectionString: connection.url }
    : { host: connection.socketDir, port: 5432, user: 'postgres', database: 'postgres' };
}

async function connectClient(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}

function warn(what: string): (error: unknown) => void {
  return (error) =>
    process.stderr.write(`embedded-db bench: ${what}: ${(error as Error)?.message ?? error}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`embedded-db bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
