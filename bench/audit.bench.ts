/**
 * Audit trail: append throughput with group commit, single-append latency next to this machine's own
 * PostgreSQL commit latency, and hash-chain verification rate, all against a real PostgreSQL server.
 *
 * Measurements, in one fresh database (`praesidium_bench_<ts>`, migrated, dropped WITH (FORCE) at the end):
 *   pg_commit          a single-row autocommit INSERT into a plain text/bigint/jsonb table (the shape of
 *                      audit.event's core) over one `pg` connection: what one durable commit costs here
 *   single_append      sequential `AuditTrail.append` of a realistic inference event; measured in rounds
 *                      interleaved with pg_commit, so load from other processes falls on both alike
 *   throughput_1_stream   WRITERS concurrent loops on one AuditTrail (one stream, as one gateway process)
 *   throughput_4_streams  the same WRITERS spread over 4 AuditTrail instances (4 streams, 4 processes)
 *   verify_stream      `verifyStream` of each stream written (must be valid and complete)
 *   verify             `verify()` over everything written, records/s
 *                      (verifier_us_per_record: the verifier alone, on one stream's COPY held in memory;
 *                      the rest is PostgreSQL producing the rows and Node receiving them)
 *   hash_only          the CPU cost of recomputing one record's hash (RFC 8785 canonicalize + SHA-256) in
 *                      a tight loop, and its two halves, and of hashing the stored canonical bytes
 *                      (stored_hash_us)
 *
 * Output: one JSON line per measurement on stdout, then a summary line with the issue's figures and
 * goals (≥ 20,000 appends/s on one stream, verification ≥ 500,000 records/s, single append ≤ 1.5 × one
 * PostgreSQL commit at p50). BENCH_ITERATIONS (1000), BENCH_WARMUP (200), BENCH_APPENDS (100000),
 * BENCH_MAX_SECONDS (20, per throughput run) and BENCH_WRITERS (64) bound the work.
 *
 * Run with `npm run bench:audit` (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import 'reflect-metadata';
import {
  AuditEventEntity,
  AuditStreamEntity,
  AuditTrail,
  recordHash,
  recordHashOfCanonical,
  type AuditEvent,
  type AuditEventInput,
  StoredChainVerifier,
  type ChainVerification,
} from '@praesidium/audit';
import { dataSourceOptions, openDataSource, runMigrations } from '@praesidium/database';
import { canonicalJson, sha256Hex } from '@praesidium/digest';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';
import { positiveInt, print, round, summarizeLatencies, type LatencySummary } from './support/stats.js';

const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ITERATIONS = positiveInt(process.env.BENCH_ITERATIONS, 1000);
const WARMUP = positiveInt(process.env.BENCH_WARMUP, 200);
const APPENDS = positiveInt(process.env.BENCH_APPENDS, 100_000);
const MAX_SECONDS = positiveInt(process.env.BENCH_MAX_SECONDS, 20);
const WRITERS = positiveInt(process.env.BENCH_WRITERS, 64);
const STREAMS = 4;
const ROUNDS = 4;
const THROUGHPUT_WARMUP = 2000;
const HASH_ITERATIONS = 50_000;
const INPUT_POOL = 1024;
const POOL_SIZE = 10;

const GOAL_THROUGHPUT = 20_000;
const GOAL_VERIFY = 500_000;
const GOAL_SINGLE_OVER_COMMIT = 1.5;

const PROBE_SCHEMA = [
  'CREATE SCHEMA bench',
  `CREATE TABLE bench.commit_probe (
     stream_id text NOT NULL,
     seq bigint NOT NULL,
     event jsonb NOT NULL,
     CONSTRAINT pk_bench_commit_probe PRIMARY KEY (stream_id, seq)
   )`,
];
const PROBE_INSERT = 'INSERT INTO bench.commit_probe (stream_id, seq, event) VALUES ($1, $2, $3)';

const streams = new Map<AuditTrail, string>();
const appended = new Map<AuditTrail, number>();

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const runCleanups = once(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(warn('cleanup'));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      void runCleanups().finally(() => process.exit(130));
    });

  try {
    const admin = await connectClient(POSTGRES_URL);
    cleanups.push(() => admin.end());
    const database = `praesidium_bench_${Date.now()}_${process.pid}`;
    await admin.query(`CREATE DATABASE ${database}`);
    cleanups.push(() => admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${database}`;

    const dataSource = await openDataSource(
      dataSourceOptions(
        { kind: 'server', url: url.toString() },
        [AuditEventEntity, AuditStreamEntity],
        POOL_SIZE,
      ),
    );
    cleanups.push(() => dataSource.destroy());
    await runMigrations(dataSource);

    const probe = await connectClient(url.toString());
    cleanups.push(() => probe.end());
    for (const statement of PROBE_SCHEMA) await probe.query(statement);

    const inputs = Array.from({ length: INPUT_POOL }, (_, i) => inferenceEvent(i));
    const newTrail = () =>
      new AuditTrail(
        dataSource.getRepository(AuditEventEntity),
        dataSource.getRepository(AuditStreamEntity),
        'bench',
      );
    const trail = newTrail();

    // 1. One durable commit on this machine, and one append, interleaved.
    const { commit, single } = await measureLatencies(probe, trail, inputs);
    print({ bench: 'audit', measurement: 'pg_commit', path: 'pg single-row autocommit INSERT', ...commit });
    const singleOverCommit = round(single.p50_us / commit.p50_us, 2);
    print({
      bench: 'audit',
      measurement: 'single_append',
      ...single,
      over_commit_p50: singleOverCommit,
      over_commit_mean: round(single.mean_us / commit.mean_us, 2),
    });

    // 2. Throughput: WRITERS loops on one stream, then the same spread over STREAMS streams.
    const oneStream = await measureThroughput([trail], inputs);
    print({ bench: 'audit', measurement: 'throughput_1_stream', streams: 1, writers: WRITERS, ...oneStream });
    const trails = Array.from({ length: STREAMS }, newTrail);
    const manyStreams = await measureThroughput(trails, inputs);
    print({
      bench: 'audit',
      measurement: `throughput_${STREAMS}_streams`,
      streams: STREAMS,
      writers: WRITERS,
      ...manyStreams,
    });

    // 3. The chains written are whole and valid.
    let chainsValid = true;
    for (const [t, count] of appended) {
      const streamId = streamIdOf(t);
      const started = performance.now();
      const result = await trail.verifyStream(streamId);
      const seconds = (performance.now() - started) / 1000;
      const complete = result.valid && result.checked === count && result.lastSeq === count;
      chainsValid &&= complete;
      print({
        bench: 'audit',
        measurement: 'verify_stream',
        stream: streamId,
        valid: result.valid,
        checked: result.checked,
        expected: count,
        complete,
        records_per_s: round(result.checked / seconds, 0),
        ...(result.firstBreak ? { first_break: result.firstBreak } : {}),
      });
    }

    // 4. Verification rate over everything written, and the hash's own share of it.
    const verifyStarted = performance.now();
    const verification = await trail.verify();
    const verifySeconds = (performance.now() - verifyStarted) / 1000;
    const verified = verification.streams.reduce((sum: number, s: ChainVerification) => sum + s.checked, 0);
    const verifyRate = round(verified / verifySeconds, 0);
    chainsValid &&= verification.valid;
    const hash = measureHashOnly(await sampleEvent(trail, dataSource));
    const inMemory = await measureVerifierInMemory(probe, streamIdOf(trail));
    const verifyUsPerRecord = 1e6 / verifyRate;
    print({
      bench: 'audit',
      measurement: 'verify',
      streams: verification.streams.length,
      records: verified,
      valid: verification.valid,
      seconds: round(verifySeconds, 3),
      records_per_s: verifyRate,
      us_per_record: round(verifyUsPerRecord, 2),
      // The verifier's own work (reading the COPY's rows, framing and hashing the stored canonical
      // bytes), timed on a stream's COPY already in memory: no database or socket in it.
      verifier_us_per_record: inMemory.us_per_record,
      // What is left: PostgreSQL producing the rows and Node receiving them (pg, the kernel's loopback).
      database_and_socket_us_per_record: round(verifyUsPerRecord - inMemory.us_per_record, 2),
    });
    print({ bench: 'audit', measurement: 'hash_only', ...hash });

    print({
      bench: 'audit',
      summary: true,
      append_throughput_per_s: oneStream.appends_per_s,
      append_throughput_4_streams_per_s: manyStreams.appends_per_s,
      single_append_p50_us: single.p50_us,
      pg_commit_p50_us: commit.p50_us,
      single_append_over_commit: singleOverCommit,
      verify_records_per_s: verifyRate,
      hash_only_records_per_s: hash.records_per_s,
      chains_valid: chainsValid,
      goals: {
        throughput_20000: oneStream.appends_per_s >= GOAL_THROUGHPUT,
        verify_500000: verifyRate >= GOAL_VERIFY,
        single_append_1_5x_commit: singleOverCommit <= GOAL_SINGLE_OVER_COMMIT,
      },
      writers: WRITERS,
      iterations: ITERATIONS,
      warmup: WARMUP,
      node: process.version,
      cpus: os.cpus().length,
    });
    if (!chainsValid) process.exitCode = 1;
  } finally {
    await runCleanups();
  }
}

/**
 * WARMUP untimed calls of each, then ITERATIONS timed sequential calls of each, split into ROUNDS that
 * alternate between the plain commit and the append (order swapped each round).
 */
async function measureLatencies(
  probe: pg.Client,
  trail: AuditTrail,
  inputs: readonly AuditEventInput[],
): Promise<{ commit: LatencySummary; single: LatencySummary }> {
  const probeStream = `probe-${randomBytes(4).toString('hex')}`;
  let probeSeq = 0;
  let next = 0;
  // The probe stores the same kind of document the trail does: an event with its id and time.
  const commitOnce = () =>
    probe.query(PROBE_INSERT, [
      probeStream,
      ++probeSeq,
      JSON.stringify({
        ...inputs[next++ % INPUT_POOL],
        id: randomUUID(),
        recordedAt: new Date().toISOString(),
      }),
    ]);
  const appendOnce = () => append(trail, inputs[next++ % INPUT_POOL]);
  const series = [
    { op: commitOnce, samples: new Float64Array(ITERATIONS), done: 0, ms: 0 },
    { op: appendOnce, samples: new Float64Array(ITERATIONS), done: 0, ms: 0 },
  ];
  for (const { op } of series) for (let i = 0; i < WARMUP; i++) await op();
  for (let r = 0; r < ROUNDS; r++) {
    const until = Math.round((ITERATIONS * (r + 1)) / ROUNDS);
    for (let k = 0; k < series.length; k++) {
      const s = series[(k + r) % series.length];
      const started = performance.now();
      for (; s.done < until; s.done++) {
        const t0 = performance.now();
        await s.op();
        s.samples[s.done] = (performance.now() - t0) * 1000;
      }
      s.ms += performance.now() - started;
    }
  }
  return {
    commit: summarizeLatencies(series[0].samples, series[0].ms),
    single: summarizeLatencies(series[1].samples, series[1].ms),
  };
}

/**
 * WRITERS async loops, writer w on trails[w % trails.length], append until APPENDS in total or
 * MAX_SECONDS have passed. A short untimed warm-up with the same writers comes first.
 */
async function measureThroughput(
  trails: readonly AuditTrail[],
  inputs: readonly AuditEventInput[],
): Promise<LatencySummary & { appends: number; appends_per_s: number; seconds: number }> {
  const run = async (total: number, deadline: number, samples?: Float64Array) => {
    let issued = 0;
    const writer = async (w: number) => {
      const t = trails[w % trails.length];
      while (issued < total && performance.now() < deadline) {
        const i = issued++;
        const t0 = performance.now();
        await append(t, inputs[i % INPUT_POOL]);
        if (samples) samples[i] = (performance.now() - t0) * 1000;
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    return issued;
  };
  await run(THROUGHPUT_WARMUP, Infinity);
  const samples = new Float64Array(APPENDS);
  const started = performance.now();
  const appends = await run(APPENDS, started + MAX_SECONDS * 1000, samples);
  const ms = performance.now() - started;
  return {
    appends,
    appends_per_s: round(appends / (ms / 1000), 0),
    seconds: round(ms / 1000, 3),
    ...summarizeLatencies(samples.subarray(0, appends), ms),
  };
}

/** Recomputing one record's hash, with no database in the way: the ceiling for verification. */
function measureHashOnly(event: AuditEvent): {
  records: number;
  records_per_s: number;
  record_hash_us: number;
  canonicalize_us: number;
  sha256_us: number;
  json_stringify_us: number;
  stored_hash_us: number;
  canonical_bytes: number;
} {
  const streamId = 'bench.hash';
  const prevHash = sha256Hex('previous');
  const time = (fn: (i: number) => unknown): number => {
    for (let i = 0; i < HASH_ITERATIONS / 10; i++) fn(i);
    const t0 = performance.now();
    for (let i = 0; i < HASH_ITERATIONS; i++) fn(i);
    return ((performance.now() - t0) * 1000) / HASH_ITERATIONS;
  };
  let sink = 0;
  const recordUs = time((i) => (sink += recordHash(streamId, i + 1, prevHash, event).length));
  const content = { streamId, seq: 1, prevHash, event };
  const canonicalUs = time(() => (sink += canonicalJson(content).length));
  const text = canonicalJson(content);
  const shaUs = time(() => (sink += createHash('sha256').update(text).digest('hex').length));
  const stringifyUs = time(() => (sink += JSON.stringify(content).length));
  const stored = canonicalJson(event);
  const storedUs = time((i) => (sink += recordHashOfCanonical(streamId, i + 1, prevHash, stored).length));
  if (sink === 0) throw new Error('unreachable');
  return {
    records: HASH_ITERATIONS,
    records_per_s: round(1e6 / recordUs, 0),
    record_hash_us: round(recordUs, 2),
    canonicalize_us: round(canonicalUs, 2),
    sha256_us: round(shaUs, 2),
    json_stringify_us: round(stringifyUs, 2),
    stored_hash_us: round(storedUs, 2),
    canonical_bytes: Buffer.byteLength(text),
  };
}

/**
 * The verifier alone: one stream's binary COPY, exactly as `verifyStream` asks for it, is read into
 * memory once, then fed to StoredChainVerifier several times in the chunks it arrived in.
 */
async function measureVerifierInMemory(
  client: pg.Client,
  streamId: string,
): Promise<{ records: number; us_per_record: number }> {
  const chunks: Buffer[] = [];
  const copy = client.query(
    copyTo(
      `COPY (SELECT seq, prev_hash, hash, event_jcs FROM audit.event
              WHERE stream_id = ${client.escapeLiteral(streamId)} ORDER BY seq) TO STDOUT (FORMAT binary)`,
    ),
  );
  for await (const chunk of copy) chunks.push(chunk as Buffer);
  const verifyOnce = () => {
    const verifier = new StoredChainVerifier(streamId);
    for (const chunk of chunks) verifier.push(chunk);
    const result = verifier.result();
    if (!result.valid) throw new Error(`the in-memory copy of ${streamId} does not verify`);
    return result.checked;
  };
  verifyOnce();
  const started = performance.now();
  let records = 0;
  for (let pass = 0; pass < 3; pass++) records += verifyOnce();
  return { records, us_per_record: round(((performance.now() - started) * 1000) / records, 2) };
}

/** One event as stored: its canonical bytes, parsed. */
async function sampleEvent(trail: AuditTrail, dataSource: DataSource): Promise<AuditEvent> {
  const row = await dataSource
    .getRepository(AuditEventEntity)
    .findOne({ where: { streamId: streamIdOf(trail), seq: 1 } });
  if (!row) throw new Error('no audit record to sample');
  return JSON.parse(row.eventJcs) as AuditEvent;
}

/** Appends, noting the stream each trail writes to (its first append opens it) and how much. */
async function append(trail: AuditTrail, input: AuditEventInput): Promise<void> {
  const record = await trail.append(input);
  if (!streams.has(trail)) streams.set(trail, record.streamId);
  appended.set(trail, (appended.get(trail) ?? 0) + 1);
}

function streamIdOf(trail: AuditTrail): string {
  const id = streams.get(trail);
  if (id === undefined) throw new Error('trail has no stream yet');
  return id;
}

/** A gateway's inference audit event: who, on which patient (pseudonym), with which model, why. */
function inferenceEvent(i: number): AuditEventInput {
  const digest = (label: string) => createHash('sha256').update(`${label}-${i}`).digest('hex');
  return {
    action: 'inference.request',
    outcome: i % 17 === 0 ? 'refused' : 'success',
    ...(i % 17 === 0 ? { reasonCode: 'consent.denied' } : {}),
    agent: {
      subject: `clinician-${i % 97}`,
      issuer: 'https://idp.hospital.example/realms/clinical',
      roles: ['clinician', 'radiologist'],
      address: `10.20.${i % 256}.${(i * 7) % 256}`,
    },
    entity: {
      patientPseudonym: `pp-${digest('patient').slice(0, 32)}`,
      model: 'chest-xray-triage',
      modelVersion: '1.4.2',
      consentId: randomUUID(),
      consentVersion: 1 + (i % 3),
      provisionPath: 'provision[0].provision[1]',
    },
    purposeOfUse: 'TREAT',
    requestSha256: digest('request'),
    responseSha256: digest('response'),
    traceId: digest('trace').slice(0, 32),
    correlationId: randomUUID(),
  };
}

async function connectClient(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

function warn(what: string): (error: unknown) => void {
  return (error) =>
    process.stderr.write(`audit bench: ${what}: ${error instanceof Error ? error.message : String(error)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`audit bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
