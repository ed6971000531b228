import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  AuditCheckpoints,
  AuditEventEntity,
  AuditStreamEntity,
  AuditTrail,
  CHECKPOINT_JWS_TYPE,
  dropAuditMonth,
  exportAuditMonth,
  verifyAudit,
  verifyConsistency,
  verifyInclusion,
  recordHash,
  type ArchiveFiles,
  type AuditEvent,
} from '@praesidium/audit';
import { canonicalJson } from '@praesidium/digest';
import { KeyStore, signJwt } from '@praesidium/keys';
import { seedStream } from '../support/audit-records.js';
import { praesidium, type CliRun } from '../support/cli.js';
import { openIsolatedPostgres, openPglite, type TestDatabase } from '../support/databases.js';

const ENTITIES = [AuditEventEntity, AuditStreamEntity];
const STREAM = 'gateway.2025-01-01.retention';
/** A stream all of whose records are in January: after the drop, it continues from its anchor alone. */
const JANUARY_ONLY = 'gateway.2025-01-01.january-only';
/** Three records in January 2025, three in February (the first two a millisecond apart across the boundary), two in March. */
const TIMES = [
  '2025-01-10T08:00:00.000Z',
  '2025-01-20T08:00:00.000Z',
  '2025-01-31T23:59:59.999Z',
  '2025-02-01T00:00:00.000Z',
  '2025-02-14T08:00:00.000Z',
  '2025-02-28T08:00:00.000Z',
  '2025-03-03T08:00:00.000Z',
  '2025-03-04T08:00:00.000Z',
];

/** `praesidium …` as its own process on the test's database and key store (npm run build first). */
function praesidiumOn(args: string[], databaseUrl: string, dataDir: string): Promise<CliRun> {
  return praesidium(args, { NODE_ENV: 'test', DATABASE_URL: databaseUrl, PRAESIDIUM_DATA_DIR: dataDir });
}

/** The next record of a stream, recorded in March 2025, hashed as the writer hashes it. */
async function continueStream(
  db: TestDatabase,
  streamId: string,
  seq: number,
  prevHash: string,
): Promise<void> {
  const event: AuditEvent = {
    id: '00000000-0000-4000-8000-00000000abcd',
    recordedAt: '2025-03-10T08:00:00.000Z',
    action: 'inference.request',
    outcome: 'success',
  };
  await db.dataSource.query(
    `INSERT INTO audit.event (stream_id, seq, id, recorded_at, action, outcome, event_jcs, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      streamId,
      seq,
      event.id,
      event.recordedAt,
      event.action,
      event.outcome,
      canonicalJson(event),
      prevHash,
      recordHash(streamId, seq, prevHash, event),
    ],
  );
}

function currentMonth(): string {
  return new Date().toISOString().slice(0, 7);
}

async function partitionsOf(db: TestDatabase, streamId: string): Promise<Record<string, number[]>> {
  const rows: { partition: string; seq: string }[] = await db.dataSource.query(
    `SELECT tableoid::regclass::text AS partition, seq FROM audit.event WHERE stream_id = $1 ORDER BY seq`,
    [streamId],
  );
  const byPartition: Record<string, number[]> = {};
  for (const row of rows) (byPartition[row.partition] ??= []).push(Number(row.seq));
  return byPartition;
}

/** What an attacker with superuser rights does: switch triggers off for one transaction. */
async function tamper(db: TestDatabase, sql: string, parameters: unknown[]): Promise<void> {
  await db.dataSource.transaction(async (manager) => {
    await manager.query(`SET LOCAL session_replication_role = replica`);
    await manager.query(sql, parameters);
  });
}

describe('monthly partitions of the audit trail (PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openIsolatedPostgres(ENTITIES);
    await seedStream(db, STREAM, TIMES);
  });
  afterAll(async () => {
    await db.close();
  });

  it('stores each record in the partition of its month, either side of a month boundary', async () => {
    expect(await partitionsOf(db, STREAM)).toEqual({
      'audit.event_2025_01': [1, 2, 3],
      'audit.event_2025_02': [4, 5, 6],
      'audit.event_2025_03': [7, 8],
    });
    const trail = new AuditTrail(
      db.dataSource.getRepository(AuditEventEntity),
      db.dataSource.getRepository(AuditStreamEntity),
      'gateway',
    );
    const record = await trail.append({ action: 'inference.request', outcome: 'success' });
    expect(Object.keys(await partitionsOf(db, record.streamId))).toEqual([
      `audit.event_${currentMonth().replace('-', '_')}`,
    ]);
  });

  it('reads only the partitions of the months a time-range search asks for', async () => {
    const [plan]: { 'QUERY PLAN': unknown }[] = await db.dataSource.query(
      `EXPLAIN (FORMAT JSON) SELECT * FROM audit.event
        WHERE recorded_at >= '2025-02-01T00:00:00Z' AND recorded_at < '2025-03-01T00:00:00Z'`,
    );
    const text = JSON.stringify(plan['QUERY PLAN']);
    expect(text).toContain('event_2025_02');
    expect(text).not.toContain('event_2025_01');
    expect(text).not.toContain('event_2025_03');
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the parent and on every partition, one created later too', async () => {
    await seedStream(db, 'gateway.later', ['2031-05-10T08:00:00.000Z']);
    for (const table of ['audit.event', 'audit.event_2025_01', 'audit.event_2031_05']) {
      await expect(db.dataSource.query(`UPDATE ${table} SET outcome = 'refused'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(db.dataSource.query(`DELETE FROM ${table}`)).rejects.toThrow(/append-only/);
      await expect(db.dataSource.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(/append-only/);
    }
    expect(await partitionsOf(db, 'gateway.later')).toEqual({ 'audit.event_2031_05': [1] });
  });

  it('refuses a record that would fork or leave a gap in its chain, even in another month', async () => {
    const insert = (seq: number, recordedAt: string, prevHash: string) =>
      db.dataSource.query(
        `INSERT INTO audit.event (stream_id, seq, id, recorded_at, action, outcome, event_jcs, prev_hash, hash)
         VALUES ($1, $2, gen_random_uuid(), $3, 'forged', 'success', '{}', $4, $5)`,
        [STREAM, seq, recordedAt, prevHash, 'f'.repeat(64)],
      );
    const [head]: { hash: string }[] = await db.dataSource.query(
      `SELECT hash FROM audit.event WHERE stream_id = $1 AND seq = 8`,
      [STREAM],
    );
    await expect(insert(3, '2025-03-05T00:00:00Z', head.hash)).rejects.toThrow(/continue their stream/);
    await expect(insert(10, '2025-03-05T00:00:00Z', head.hash)).rejects.toThrow(/continue their stream/);
    await expect(insert(9, '2025-03-05T00:00:00Z', 'e'.repeat(64))).rejects.toThrow(/continue their stream/);
    expect((await partitionsOf(db, STREAM))['audit.event_2025_03']).toEqual([7, 8]);
  });
});

const RETENTION_ROLE = `praesidium_retention_${Math.random().toString(36).slice(2, 10)}`;

/** The grants docker/README.md gives the operator's retention role, on this test's database. */
async function retentionRoleUrl(db: TestDatabase): Promise<string> {
  await db.dataSource.query(`CREATE ROLE ${RETENTION_ROLE} LOGIN`);
  for (const grant of [
    `GRANT USAGE ON SCHEMA audit TO ${RETENTION_ROLE}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA audit TO ${RETENTION_ROLE}`,
    `GRANT INSERT ON audit.event, audit.stream TO ${RETENTION_ROLE}`,
    `GRANT INSERT ON audit.retention, audit.retention_anchor, audit.dropped_record TO ${RETENTION_ROLE}`,
    `GRANT EXECUTE ON FUNCTION audit.create_month_partitions(timestamptz) TO ${RETENTION_ROLE}`,
    `GRANT EXECUTE ON FUNCTION audit.drop_month_partition(text) TO ${RETENTION_ROLE}`,
  ]) {
    await db.dataSource.query(grant);
  }
  const url = new URL(db.connection.kind === 'server' ? db.connection.url : '');
  url.username = RETENTION_ROLE;
  url.password = '';
  return url.toString();
}

async function dropRetentionRole(): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.PRAESIDIUM_TEST_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP ROLE IF EXISTS ${RETENTION_ROLE}`);
  } finally {
    await client.end();
  }
}

describe('retention of a closed month (PostgreSQL, CLI end to end)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let keyStore: KeyStore;
  let checkpoints: AuditCheckpoints;
  let trail: AuditTrail;
  let january: ArchiveFiles;

  beforeAll(async () => {
    db = await openIsolatedPostgres(ENTITIES);
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-retention-'));
    keyStore = await KeyStore.openOrCreate(dataDir);
    checkpoints = new AuditCheckpoints(db.dataSource, keyStore);
    trail = new AuditTrail(
      db.dataSource.getRepository(AuditEventEntity),
      db.dataSource.getRepository(AuditStreamEntity),
      'governance',
    );
    await seedStream(db, STREAM, TIMES);
    await seedStream(db, JANUARY_ONLY, ['2025-01-05T08:00:00.000Z', '2025-01-06T08:00:00.000Z']);
    await trail.append({ action: 'consent.recorded', outcome: 'success' });
    january = await exportAuditMonth(db.dataSource, keyStore, '2025-01');
  });
  afterAll(async () => {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
    await dropRetentionRole();
  });

  const drop = (month: string, archive: ArchiveFiles) =>
    dropAuditMonth(db.dataSource, keyStore, 'cli', month, archive);
  const refused = (detail: RegExp) => ({
    code: 'audit.retention_refused',
    message: expect.stringMatching(detail),
  });

  it('refuses a month no signed checkpoint covers yet', async () => {
    await expect(drop('2025-01', january)).rejects.toMatchObject(refused(/no signed checkpoint/));
    await checkpoints.createCheckpoint();
  });

  it('refuses a month that has not ended', async () => {
    const month = currentMonth();
    const archive = { ...january };
    await expect(drop(month, archive)).rejects.toMatchObject(refused(/has not ended/));
  });

  it('refuses a tampered archive, and one of another month', async () => {
    const edited = january.ndjson.replace('"outcome":"success"', '"outcome":"refused"');
    await expect(drop('2025-01', { ...january, ndjson: edited })).rejects.toMatchObject(
      refused(/does not verify/),
    );
    const february = await exportAuditMonth(db.dataSource, keyStore, '2025-02');
    await expect(drop('2025-01', february)).rejects.toMatchObject(refused(/is of 2025-02/));
    await expect(drop('2025-02', february)).rejects.toMatchObject(refused(/older month is still kept/));
  });

  it('refuses an archive whose manifest the platform key signed as a checkpoint, not as a manifest', async () => {
    const manifestJws = await signJwt(
      keyStore.current('audit-checkpoint'),
      JSON.parse(Buffer.from(january.manifestJws.split('.')[1], 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >,
      CHECKPOINT_JWS_TYPE,
    );
    await expect(drop('2025-01', { ...january, manifestJws })).rejects.toMatchObject(
      refused(
        /the archive does not verify: the manifest is not an archive manifest: JWS typ praesidium-checkpoint\+jwt/,
      ),
    );
  });

  it("refuses another database's archive of the same month, signed with the same key or another", async () => {
    const other = await openIsolatedPostgres(ENTITIES);
    try {
      await seedStream(other, STREAM, ['2025-01-10T08:00:00.000Z', '2025-01-11T08:00:00.000Z']);
      const sameKey = await exportAuditMonth(other.dataSource, keyStore, '2025-01');
      await expect(drop('2025-01', sameKey)).rejects.toMatchObject(refused(/2 records, the database 5/));
      const stranger = await KeyStore.openOrCreate(
        await mkdtemp(path.join(tmpdir(), 'praesidium-stranger-')),
      );
      const otherKey = await exportAuditMonth(other.dataSource, stranger, '2025-01');
      await expect(drop('2025-01', otherKey)).rejects.toMatchObject(refused(/not signed with this platform/));
    } finally {
      await other.close();
    }
    expect(Object.keys(await partitionsOf(db, STREAM))).toContain('audit.event_2025_01');
  });

  it('audits every refusal in the trail', async () => {
    const { records } = await trail.search({ action: 'audit.month.dropped' });
    expect(records.length).toBeGreaterThanOrEqual(6);
    expect(records.every((record) => record.event.outcome === 'refused')).toBe(true);
    expect(records[0].event).toMatchObject({ reasonCode: 'audit.retention_refused' });
  });

  it('refuses from the CLI without an archive, exiting 1 with the reason', async () => {
    const url = db.connection.kind === 'server' ? db.connection.url : '';
    const withoutArchive = await praesidiumOn(
      ['audit', 'retention', '--drop-month', '2025-01'],
      url,
      dataDir,
    );
    expect(withoutArchive.code).toBe(1);
    expect(withoutArchive.stderr).toMatch(/audit\.retention_refused: --archive is required/);
    const missing = await praesidiumOn(
      ['audit', 'retention', '--drop-month', '2025-01', '--archive', path.join(dataDir, 'nothing.ndjson')],
      url,
      dataDir,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot all be read/);
    const open = await praesidiumOn(
      [
        'audit',
        'retention',
        '--drop-month',
        currentMonth(),
        '--archive',
        path.join(dataDir, 'nothing.ndjson'),
      ],
      url,
      dataDir,
    );
    expect(open.code).toBe(1);
    expect(Object.keys(await partitionsOf(db, STREAM))).toContain('audit.event_2025_01');
  });

  it('is refused by the database itself unless the month has a retention row and its hashes and anchors kept', async () => {
    await expect(db.dataSource.query(`SELECT audit.drop_month_partition('2025-01')`)).rejects.toThrow(
      /no retention record/,
    );
    await expect(
      db.dataSource.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO audit.retention (month, records, archive_sha256, manifest_jws) VALUES ('2025-01', 3, 'x', 'x')`,
        );
        await manager.query(`SELECT audit.drop_month_partition('2025-01')`);
      }),
    ).rejects.toThrow(/not kept/);
    expect(Object.keys(await partitionsOf(db, STREAM))).toContain('audit.event_2025_01');
  });

  it('archives then drops the month from the CLI; verification anchors there; proofs still verify', async () => {
    // As the operator's retention role of docker/README.md: it owns nothing, yet the drop succeeds.
    const url = await retentionRoleUrl(db);
    const archived = await praesidiumOn(
      ['audit', 'archive', '--month', '2025-01', '--out', dataDir],
      url,
      dataDir,
    );
    expect(archived.code).toBe(0);
    const archiveFile = path.join(dataDir, 'praesidium-audit-2025-01.ndjson');
    // Who did what, from where, about which pseudonymized patient: for its owner's eyes only.
    for (const suffix of ['ndjson', 'manifest.jws', 'jwks.json'])
      expect((await stat(path.join(dataDir, `praesidium-audit-2025-01.${suffix}`))).mode & 0o777).toBe(0o600);
    const dropped = await praesidiumOn(
      ['audit', 'retention', '--drop-month', '2025-01', '--archive', archiveFile],
      url,
      dataDir,
    );
    expect(dropped).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(dropped.stdout)).toMatchObject({
      month: '2025-01',
      records: 5,
      anchors: expect.arrayContaining([
        { streamId: STREAM, seq: 3, hash: expect.any(String) },
        { streamId: JANUARY_ONLY, seq: 2, hash: expect.any(String) },
      ]),
    });
    expect(await partitionsOf(db, STREAM)).toEqual({
      'audit.event_2025_02': [4, 5, 6],
      'audit.event_2025_03': [7, 8],
    });
    const { records } = await trail.search({ action: 'audit.month.dropped', outcome: 'success' });
    expect(records).toHaveLength(1);
    expect(records[0].event).toMatchObject({
      entity: { auditMonth: '2025-01' },
      agent: { subject: `database-role:${RETENTION_ROLE}` },
    });

    // A stream with nothing left continues from its anchor, and from nowhere else.
    const [anchor]: { hash: string }[] = await db.dataSource.query(
      `SELECT hash FROM audit.retention_anchor WHERE stream_id = $1`,
      [JANUARY_ONLY],
    );
    await expect(continueStream(db, JANUARY_ONLY, 1, '0'.repeat(64))).rejects.toThrow(
      /continue their stream/,
    );
    await continueStream(db, JANUARY_ONLY, 3, anchor.hash);

    const verified = await praesidiumOn(['audit', 'verify'], url, dataDir);
    expect(verified.code).toBe(0);
    const output = verified.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(output.find((line) => line.streamId === JANUARY_ONLY)).toMatchObject({
      valid: true,
      checked: 1,
      lastSeq: 3,
    });
    expect(output.find((line) => line.streamId === STREAM)).toMatchObject({
      valid: true,
      checked: 5,
      lastSeq: 8,
    });
    expect(output[output.length - 1]).toMatchObject({ valid: true });

    // The archive still verifies on its own, and the drop cannot be repeated.
    expect(
      await praesidiumOn(['audit', 'verify-archive', '--month', '2025-01', '--dir', dataDir], url, dataDir),
    ).toMatchObject({ code: 0 });
    await expect(drop('2025-01', january)).rejects.toMatchObject(refused(/dropped already/));

    await trail.append({ action: 'inference.request', outcome: 'success' });
    const second = await checkpoints.createCheckpoint();
    const first = await checkpoints.checkpoint(1);
    const inclusion = await checkpoints.inclusionProof(STREAM, 5);
    const consistency = await checkpoints.consistencyProof(1, 2);
    if (!inclusion || !consistency || !first || !second) throw new Error('expected proofs');
    const hex = (value: string) => Buffer.from(value, 'hex');
    expect(
      verifyInclusion(
        hex(inclusion.leafHash),
        inclusion.leafIndex,
        inclusion.treeSize,
        inclusion.proof.map(hex),
        hex(second.rootHash),
      ),
    ).toBe(true);
    expect(
      verifyConsistency(
        first.treeSize,
        second.treeSize,
        hex(first.rootHash),
        hex(second.rootHash),
        consistency.proof.map(hex),
      ),
    ).toBe(true);
    expect(await verifyAudit(trail, checkpoints)).toMatchObject({ valid: true });
  });

  it('still detects and locates the deletion of the first retained record', async () => {
    await tamper(db, `DELETE FROM audit.event WHERE stream_id = $1 AND seq = 4`, [STREAM]);
    const result = await verifyAudit(trail, checkpoints);
    expect(result.valid).toBe(false);
    expect(result.streams.find((stream) => stream.streamId === STREAM)?.firstBreak).toEqual({
      seq: 4,
      problem: 'gap',
    });
    expect(result.checkpoints.firstProblem).toMatchObject({ problem: 'record_missing', record: { seq: 4 } });
    const cli = await praesidiumOn(
      ['audit', 'verify'],
      db.connection.kind === 'server' ? db.connection.url : '',
      dataDir,
    );
    expect(cli.code).toBe(1);
  });
});

describe('retention on the embedded PGlite', () => {
  it('drops an archived, checkpointed month and verifies what remains from its anchor', async () => {
    const db = await openPglite(ENTITIES);
    try {
      const keyStore = await KeyStore.openOrCreate(
        await mkdtemp(path.join(tmpdir(), 'praesidium-retention-')),
      );
      const checkpoints = new AuditCheckpoints(db.dataSource, keyStore);
      const trail = new AuditTrail(
        db.dataSource.getRepository(AuditEventEntity),
        db.dataSource.getRepository(AuditStreamEntity),
        'governance',
      );
      await seedStream(db, STREAM, TIMES);
      await checkpoints.createCheckpoint();
      const archive = await exportAuditMonth(db.dataSource, keyStore, '2025-01');
      expect(await dropAuditMonth(db.dataSource, keyStore, 'cli', '2025-01', archive)).toMatchObject({
        records: 3,
        anchors: [{ streamId: STREAM, seq: 3 }],
      });
      expect(Object.keys(await partitionsOf(db, STREAM))).toEqual([
        'audit.event_2025_02',
        'audit.event_2025_03',
      ]);
      const result = await verifyAudit(trail, checkpoints);
      expect(result).toMatchObject({ valid: true, checkpoints: { valid: true } });
      expect(result.streams.find((stream) => stream.streamId === STREAM)).toMatchObject({ checked: 5 });
    } finally {
      await db.close();
    }
  });
});
