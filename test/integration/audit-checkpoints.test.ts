import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ARCHIVE_JWS_TYPE,
  AuditCheckpoints,
  AuditEventEntity,
  AuditStreamEntity,
  AuditTrail,
  CHECKPOINT_JWS_TYPE,
  recordHash,
  verifyAudit,
  verifyInclusion,
  verifyConsistency,
  type AuditEvent,
} from '@praesidium/audit';
import { canonicalJson } from '@praesidium/digest';
import { KeyStore, signJwt } from '@praesidium/keys';
import { forge, privateKeyOf } from '../security/token-forge.js';
import { openIsolatedPostgres, openPglite, type TestDatabase } from '../support/databases.js';

const ENTITIES = [AuditEventEntity, AuditStreamEntity];

interface Fixture {
  db: TestDatabase;
  keyStore: KeyStore;
  trail: AuditTrail;
  checkpoints: AuditCheckpoints;
  streamId: string;
}

async function fixture(open: typeof openIsolatedPostgres, records = 12): Promise<Fixture> {
  const db = await open(ENTITIES);
  const keyStore = await KeyStore.openOrCreate(await mkdtemp(path.join(tmpdir(), 'praesidium-ckpt-')));
  const trail = new AuditTrail(
    db.dataSource.getRepository(AuditEventEntity),
    db.dataSource.getRepository(AuditStreamEntity),
    'gateway',
  );
  const other = new AuditTrail(
    db.dataSource.getRepository(AuditEventEntity),
    db.dataSource.getRepository(AuditStreamEntity),
    'governance',
  );
  const appended = await Promise.all(
    Array.from({ length: records }, (_, index) =>
      trail.append({ action: 'inference.request', outcome: 'success', correlationId: `c-${index}` }),
    ),
  );
  await other.append({ action: 'consent.recorded', outcome: 'success' });
  return {
    db,
    keyStore,
    trail,
    checkpoints: new AuditCheckpoints(db.dataSource, keyStore),
    streamId: appended[0].streamId,
  };
}

/** What an attacker with superuser rights does: switch triggers and foreign keys off for one session. */
async function tamper(db: TestDatabase, ...statements: [string, unknown[]][]): Promise<void> {
  await db.dataSource.transaction(async (manager) => {
    await manager.query(`SET LOCAL session_replication_role = replica`);
    for (const [sql, parameters] of statements) await manager.query(sql, parameters);
  });
}

describe.each([
  ['PostgreSQL', openIsolatedPostgres],
  ['embedded PGlite', openPglite],
] as const)('signed audit checkpoints on %s', (_, open) => {
  it('pin every record with a signed tree head, and prove inclusion and consistency', async () => {
    const { db, trail, checkpoints, streamId } = await fixture(open);
    try {
      const first = await checkpoints.createCheckpoint();
      expect(first).toMatchObject({ id: 1, treeSize: 13 });
      expect(await checkpoints.createCheckpoint()).toBeUndefined();
      await trail.append({ action: 'inference.response', outcome: 'success' });
      const second = await checkpoints.createCheckpoint();
      expect(second).toMatchObject({ id: 2, treeSize: 14 });

      const inclusion = await checkpoints.inclusionProof(streamId, 5);
      if (!inclusion || !second || !first) throw new Error('expected proofs');
      const fromHex = (hex: string) => Buffer.from(hex, 'hex');
      expect(
        verifyInclusion(
          fromHex(inclusion.leafHash),
          inclusion.leafIndex,
          inclusion.treeSize,
          inclusion.proof.map(fromHex),
          fromHex(second.rootHash),
        ),
      ).toBe(true);
      const consistency = await checkpoints.consistencyProof(1, 2);
      expect(
        verifyConsistency(
          13,
          14,
          fromHex(first.rootHash),
          fromHex(second.rootHash),
          (consistency?.proof ?? []).map(fromHex),
        ),
      ).toBe(true);
      expect(await verifyAudit(trail, checkpoints)).toMatchObject({
        valid: true,
        checkpoints: { checked: 2, treeSize: 14 },
      });
    } finally {
      await db.close();
    }
  });
});

describe('tampering with a checkpointed audit trail (PostgreSQL)', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture(openIsolatedPostgres);
    await f.checkpoints.createCheckpoint();
  });
  afterEach(async () => {
    await f.db.close();
  });

  const where = `stream_id = $1 AND seq = $2`;

  it('detects an edited field at that record', async () => {
    await tamper(f.db, [
      `UPDATE audit.event SET event_jcs = replace(event_jcs, '"outcome":"success"', '"outcome":"refused"') WHERE ${where}`,
      [f.streamId, 4],
    ]);
    const result = await verifyAudit(f.trail, f.checkpoints);
    expect(result.valid).toBe(false);
    expect(result.streams.find((stream) => stream.streamId === f.streamId)?.firstBreak).toEqual({
      seq: 4,
      problem: 'hash',
    });
  });

  it('detects a deleted record, in the chain and in the checkpoint', async () => {
    await tamper(f.db, [`DELETE FROM audit.event WHERE ${where}`, [f.streamId, 6]]);
    const result = await verifyAudit(f.trail, f.checkpoints);
    expect(result.streams.find((stream) => stream.streamId === f.streamId)?.firstBreak).toEqual({
      seq: 6,
      problem: 'gap',
    });
    expect(result.checkpoints.firstProblem).toMatchObject({
      problem: 'record_missing',
      record: { streamId: f.streamId, seq: 6 },
    });
  });

  it('detects two swapped records', async () => {
    await tamper(
      f.db,
      [`UPDATE audit.event SET seq = 999999 WHERE ${where}`, [f.streamId, 3]],
      [`UPDATE audit.event SET seq = 3 WHERE ${where}`, [f.streamId, 4]],
      [`UPDATE audit.event SET seq = 4 WHERE ${where}`, [f.streamId, 999999]],
    );
    const result = await verifyAudit(f.trail, f.checkpoints);
    expect(result.valid).toBe(false);
    expect(result.streams.find((stream) => stream.streamId === f.streamId)?.firstBreak?.seq).toBe(3);
  });

  it('detects a truncated tail that leaves a chain which verifies on its own', async () => {
    await tamper(f.db, [`DELETE FROM audit.event WHERE stream_id = $1 AND seq > $2`, [f.streamId, 9]]);
    const result = await verifyAudit(f.trail, f.checkpoints);
    expect(result.streams.find((stream) => stream.streamId === f.streamId)?.valid).toBe(true);
    expect(result.checkpoints.firstProblem).toMatchObject({ problem: 'record_missing', record: { seq: 10 } });
  });

  it('detects a forged record inserted with the whole chain after it rewritten', async () => {
    const rows: { seq: string; event: AuditEvent; prev_hash: string }[] = await f.db.dataSource.query(
      `SELECT seq, event_jcs::jsonb AS event, prev_hash FROM audit.event WHERE stream_id = $1 ORDER BY seq`,
      [f.streamId],
    );
    const forged: AuditEvent = {
      ...rows[4].event,
      id: '00000000-0000-4000-8000-000000000000',
      action: 'forged',
    };
    const events = [
      ...rows.slice(0, 5).map((row) => row.event),
      forged,
      ...rows.slice(5).map((row) => row.event),
    ];
    let prevHash = rows[4].prev_hash;
    const statements: [string, unknown[]][] = [
      [`DELETE FROM audit.event WHERE stream_id = $1 AND seq >= 5`, [f.streamId]],
    ];
    events.slice(4).forEach((event, offset) => {
      const seq = 5 + offset;
      const hash = recordHash(f.streamId, seq, prevHash, event);
      statements.push([
        `INSERT INTO audit.event (stream_id, seq, id, recorded_at, action, outcome, event_jcs, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          f.streamId,
          seq,
          event.id,
          event.recordedAt,
          event.action,
          event.outcome,
          canonicalJson(event),
          prevHash,
          hash,
        ],
      ]);
      prevHash = hash;
    });
    await tamper(f.db, ...statements);
    const result = await verifyAudit(f.trail, f.checkpoints);
    expect(result.streams.every((stream) => stream.valid)).toBe(true);
    expect(result.checkpoints).toMatchObject({
      valid: false,
      firstProblem: { checkpoint: 1, problem: 'root_mismatch' },
    });
  });

  it('verifies only what came after a checkpoint verified earlier, and still finds damage there', async () => {
    await Promise.all(
      Array.from({ length: 5 }, () => f.trail.append({ action: 'inference.response', outcome: 'success' })),
    );
    await f.checkpoints.createCheckpoint();
    const incremental = await verifyAudit(f.trail, f.checkpoints, { fromCheckpoint: 1 });
    expect(incremental).toMatchObject({ valid: true, checkpoints: { checked: 2 } });
    expect(incremental.streams.reduce((sum, stream) => sum + stream.checked, 0)).toBe(5);

    await tamper(f.db, [
      `UPDATE audit.event SET event_jcs = replace(event_jcs, '"outcome":"success"', '"outcome":"failure"') WHERE ${where}`,
      [f.streamId, 15],
    ]);
    const after = await verifyAudit(f.trail, f.checkpoints, { fromCheckpoint: 1 });
    expect(after.valid).toBe(false);
    expect(after.streams.find((stream) => stream.streamId === f.streamId)?.firstBreak).toEqual({
      seq: 15,
      problem: 'hash',
    });
    await expect(verifyAudit(f.trail, f.checkpoints, { fromCheckpoint: 9 })).rejects.toMatchObject({
      code: 'request.not_found',
    });
  });

  it('detects a replaced checkpoint', async () => {
    await tamper(f.db, [`UPDATE audit.checkpoint SET root_hash = $1 WHERE id = 1`, ['ab'.repeat(32)]]);
    expect((await f.checkpoints.verify()).firstProblem).toMatchObject({
      checkpoint: 1,
      problem: 'payload_mismatch',
    });
    const [row]: { jws: string }[] = await f.db.dataSource.query(
      `SELECT jws FROM audit.checkpoint WHERE id = 1`,
    );
    const [header, payload] = row.jws.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, root: 'ab'.repeat(32) })).toString(
      'base64url',
    );
    await tamper(f.db, [
      `UPDATE audit.checkpoint SET jws = $1 WHERE id = 1`,
      [`${header}.${forgedPayload}.${row.jws.split('.')[2]}`],
    ]);
    expect((await f.checkpoints.verify()).firstProblem).toMatchObject({
      checkpoint: 1,
      problem: 'signature',
    });
  });
});

describe('the JWS typ of a checkpoint (PostgreSQL)', () => {
  let f: Fixture;
  /** Checkpoint 1 as stored: its JWS's payload, as signed text. */
  let signedText: string;
  beforeEach(async () => {
    f = await fixture(openIsolatedPostgres);
    const checkpoint = await f.checkpoints.createCheckpoint();
    signedText = Buffer.from(checkpoint?.jws.split('.')[1] ?? '', 'base64url').toString('utf8');
  });
  afterEach(async () => {
    await f.db.close();
  });

  /** Checkpoint 1's row, its JWS replaced by another of the same key over the same payload. */
  async function storeJws(jws: string): Promise<void> {
    await tamper(f.db, [`UPDATE audit.checkpoint SET jws = $1 WHERE id = 1`, [jws]]);
  }
  const key = () => f.keyStore.current('audit-checkpoint');

  it('still verifies a checkpoint as the first releases signed it (node-jose: the same typ, first in the header)', async () => {
    const header = { typ: 'praesidium-checkpoint+jwt', alg: 'ES256', kid: key().kid };
    await storeJws(forge(header, signedText, { alg: 'ES256', key: privateKeyOf(key()) }));
    expect(await f.checkpoints.verify()).toMatchObject({ valid: true, checked: 1 });
    // RFC 7515 §4.1.9: the same type spelled with its `application/` prefix, in capitals.
    const spelled = { ...header, typ: `application/${CHECKPOINT_JWS_TYPE.toUpperCase()}` };
    await storeJws(forge(spelled, signedText, { alg: 'ES256', key: privateKeyOf(key()) }));
    expect(await verifyAudit(f.trail, f.checkpoints)).toMatchObject({ valid: true });
  });

  it('refuses a JWS of the checkpoint key typed as an archive manifest, or untyped, over the exact payload', async () => {
    const claims = JSON.parse(signedText) as Record<string, unknown>;
    for (const typ of [ARCHIVE_JWS_TYPE, 'JWT']) {
      await storeJws(await signJwt(key(), claims, typ));
      expect(await f.checkpoints.verify()).toMatchObject({
        valid: false,
        firstProblem: { checkpoint: 1, problem: 'jws_type' },
      });
    }
    const untyped = forge({ alg: 'ES256', kid: key().kid }, signedText, {
      alg: 'ES256',
      key: privateKeyOf(key()),
    });
    await storeJws(untyped);
    expect((await verifyAudit(f.trail, f.checkpoints)).checkpoints.firstProblem).toMatchObject({
      problem: 'jws_type',
    });
  });
});
