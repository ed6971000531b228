import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import {
  AuditCheckpoints,
  AuditEventEntity,
  AuditStreamEntity,
  AuditTrail,
  verifyAudit,
} from '@praesidium/audit';
import { KeyStore } from '@praesidium/keys';
import { openIsolatedPostgres, type TestDatabase } from '../support/databases.js';

/** The appender process: plain ESM over dist/ (built by `npm test`'s pretest). */
const APPENDER = path.resolve('test/support/audit-appender.mjs');
/** What the appender names its PostgreSQL sessions (see audit-appender.mjs). */
const APPENDER_SESSIONS = 'praesidium-audit-appender';
const LOOPS = 32;
const KILL_AFTER_ACKS = 2000;
const CLEAN_APPENDS = 500;
const APPENDER_TIMEOUT_MS = 15_000;

interface Ack {
  readonly streamId: string;
  readonly seq: number;
  readonly correlationId: string;
}

interface AppenderRun {
  /** Every `ack` line this process received, including those still in the pipe when it was killed. */
  readonly acks: readonly Ack[];
  /** How many acks had arrived when SIGKILL was sent (undefined: it was not killed). */
  readonly ackedAtKill: number | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** Lines that were neither an ack nor a torn last line. */
  readonly unexpected: readonly string[];
}

const children = new Set<ChildProcess>();

/**
 * Starts an appender (a new process, so a new stream) with LOOPS concurrent append loops. With
 * `killAfterAcks` it is SIGKILLed, mid-load, as soon as that many acks have arrived; with `total` it
 * appends that many records and exits on its own.
 */
function runAppender(url: string, mode: { killAfterAcks: number } | { total: number }): Promise<AppenderRun> {
  const total = 'total' in mode ? mode.total : 0;
  const child = spawn(process.execPath, [APPENDER, url, String(LOOPS), String(total)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() },
  });
  children.add(child);
  return new Promise((resolve, reject) => {
    const acks: Ack[] = [];
    const unexpected: string[] = [];
    let partial = '';
    let stderr = '';
    let ackedAtKill: number | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the appender timed out after ${acks.length} acks; stderr: ${stderr}`));
    }, APPENDER_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      // A line without its newline yet is no ack (yet): only whole lines count.
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const [tag, streamId, seq, correlationId, ...extra] = line.split(' ');
        if (tag === 'ack' && correlationId && extra.length === 0 && /^\d+$/.test(seq)) {
          acks.push({ streamId, seq: Number(seq), correlationId });
        } else {
          unexpected.push(line);
        }
      }
      if ('killAfterAcks' in mode && ackedAtKill === undefined && acks.length >= mode.killAfterAcks) {
        ackedAtKill = acks.length;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ acks, ackedAtKill, code, signal, stderr, unexpected });
    });
  });
}

/**
 * Waits until PostgreSQL has ended every session of the appenders: an INSERT the server had already
 * received when its client died still runs to its end, and it must not land under the verification.
 */
async function appenderSessionsEnded(dataSource: DataSource): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [{ sessions }]: { sessions: number }[] = await dataSource.query(
      `SELECT count(*)::int AS sessions FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = $1`,
      [APPENDER_SESSIONS],
    );
    if (sessions === 0) return;
    if (Date.now() > deadline) throw new Error(`${sessions} appender sessions outlived their process`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What one appender run left in its stream: every acked record, as acked, and a chain that verifies. */
async function expectEveryAckDurable(db: TestDatabase, trail: AuditTrail, run: AppenderRun) {
  expect(run.unexpected).toEqual([]);
  expect(run.acks.length).toBeGreaterThan(0);
  const streamIds = [...new Set(run.acks.map((ack) => ack.streamId))];
  expect(streamIds).toHaveLength(1);
  const [streamId] = streamIds;
  expect(new Set(run.acks.map((ack) => ack.seq)).size).toBe(run.acks.length);

  const rows: { seq: string; correlation_id: string | null }[] = await db.dataSource.query(
    `SELECT seq, event_jcs::jsonb->>'correlationId' AS correlation_id FROM audit.event WHERE stream_id = $1`,
    [streamId],
  );
  const stored = new Map(rows.map((row) => [Number(row.seq), row.correlation_id]));
  const lost = run.acks.filter((ack) => stored.get(ack.seq) !== ack.correlationId);
  expect({ lost: lost.length, firstLost: lost.slice(0, 3) }).toEqual({ lost: 0, firstLost: [] });
  // No append was recorded twice.
  expect(new Set(rows.map((row) => row.correlation_id)).size).toBe(rows.length);

  // The chain is whole: seq 1..n with no gap, every link and hash recomputed.
  expect(await trail.verifyStream(streamId)).toMatchObject({
    streamId,
    valid: true,
    checked: rows.length,
    lastSeq: rows.length,
  });
  return { streamId, stored: rows.length };
}

describe('audit trail crash safety (PostgreSQL)', () => {
  let db: TestDatabase | undefined;
  let keyDir: string | undefined;

  beforeAll(async () => {
    if (!existsSync(path.resolve('dist/libs/audit/src/index.js'))) {
      throw new Error('dist/ is missing: run the tests through `npm test` (its pretest builds dist/)');
    }
    db = await openIsolatedPostgres([AuditEventEntity, AuditStreamEntity]);
    keyDir = await mkdtemp(path.join(tmpdir(), 'praesidium-crash-keys-'));
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(
      [...children].map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) resolve(undefined);
            else child.once('exit', resolve);
          }),
      ),
    );
    await db?.close();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged append, with a verifying chain, when an appender is killed under load', async () => {
    if (!db || !keyDir) throw new Error('no database');
    const url = db.connection.kind === 'server' ? db.connection.url : '';
    const trail = new AuditTrail(
      db.dataSource.getRepository(AuditEventEntity),
      db.dataSource.getRepository(AuditStreamEntity),
      'crash-test',
    );
    const checkpoints = new AuditCheckpoints(db.dataSource, await KeyStore.openOrCreate(keyDir));
    const heads: Record<string, number> = {};
    let treeSize = 0;

    // Two crash cycles: each appender is a new process (a new stream) started after the last one died.
    for (let cycle = 1; cycle <= 2; cycle += 1) {
      const run = await runAppender(url, { killAfterAcks: KILL_AFTER_ACKS });
      if (run.signal !== 'SIGKILL' || run.ackedAtKill === undefined) {
        throw new Error(
          `cycle ${cycle}: the appender ended on its own (code ${run.code}) after ${run.acks.length} acks: ${run.stderr}`,
        );
      }
      expect(run.ackedAtKill).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      await appenderSessionsEnded(db.dataSource);

      const { streamId, stored } = await expectEveryAckDurable(db, trail, run);
      expect(stored).toBeGreaterThanOrEqual(run.acks.length);
      expect(heads[streamId]).toBeUndefined();
      heads[streamId] = stored;
      treeSize += stored;

      // Sign what survived the crash, then check every chain and every checkpoint so far.
      const checkpoint = await checkpoints.createCheckpoint();
      expect(checkpoint).toMatchObject({ id: cycle, treeSize });
      expect(checkpoint?.heads).toEqual(heads);
      const audit = await verifyAudit(trail, checkpoints);
      expect(audit).toMatchObject({ valid: true, checkpoints: { valid: true, checked: cycle, treeSize } });
      expect(audit.streams).toHaveLength(cycle);
    }

    // After both crashes a new appender on the same database works as normal and exits cleanly.
    const clean = await runAppender(url, { total: CLEAN_APPENDS });
    expect({ code: clean.code, signal: clean.signal, stderr: clean.stderr }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    await appenderSessionsEnded(db.dataSource);
    expect(clean.acks).toHaveLength(CLEAN_APPENDS);
    const { streamId, stored } = await expectEveryAckDurable(db, trail, clean);
    expect(stored).toBe(CLEAN_APPENDS);
    heads[streamId] = stored;
    treeSize += stored;
    const checkpoint = await checkpoints.createCheckpoint();
    expect(checkpoint).toMatchObject({ id: 3, treeSize });
    expect(checkpoint?.heads).toEqual(heads);
    const audit = await verifyAudit(trail, checkpoints);
    expect(audit).toMatchObject({ valid: true, checkpoints: { valid: true, checked: 3, treeSize } });
    expect(audit.streams.map((stream) => stream.streamId).sort()).toEqual(Object.keys(heads).sort());
  });
});
