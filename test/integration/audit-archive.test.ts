import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AuditCheckpoints,
  AuditEventEntity,
  AuditStreamEntity,
  CHECKPOINT_JWS_TYPE,
  exportAuditMonth,
  verifyAuditArchive,
} from '@praesidium/audit';
import { KeyStore, signJwt } from '@praesidium/keys';
import { seedStream } from '../support/audit-records.js';
import { praesidium } from '../support/cli.js';
import { openIsolatedPostgres, type TestDatabase } from '../support/databases.js';

/** Records of a stream written in January 2025 and February 2025, chained across the two months. */
async function seedTwoMonths(db: TestDatabase): Promise<string> {
  const streamId = 'gateway.archive-test';
  const times = Array.from({ length: 8 }, (_, index) => {
    const seq = index + 1;
    const day = seq <= 5 ? `2025-01-${String(20 + seq).padStart(2, '0')}` : `2025-02-0${seq - 5}`;
    return `${day}T10:00:00.000Z`;
  });
  await seedStream(db, streamId, times);
  return streamId;
}

describe('monthly audit archives', () => {
  let db: TestDatabase;
  let keyStore: KeyStore;
  let dataDir: string;
  beforeAll(async () => {
    db = await openIsolatedPostgres([AuditEventEntity, AuditStreamEntity]);
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-archive-'));
    keyStore = await KeyStore.openOrCreate(dataDir);
    await seedTwoMonths(db);
  });
  afterAll(async () => {
    await db.close();
  });

  it('exports a closed month that verifies on its own, from the hash before its first record', async () => {
    const february = await exportAuditMonth(db.dataSource, keyStore, '2025-02');
    expect(february.manifest).toMatchObject({ month: '2025-02', records: 3 });
    expect(february.manifest.streams[0]).toMatchObject({ firstSeq: 6, lastSeq: 8 });
    expect(await verifyAuditArchive(february.ndjson, february.manifestJws, february.jwks)).toEqual({
      valid: true,
      records: 3,
    });
  });

  it('detects an edited record, a dropped record and a manifest signed by another key', async () => {
    const january = await exportAuditMonth(db.dataSource, keyStore, '2025-01');
    const edited = january.ndjson.replace('"outcome":"success"', '"outcome":"refused"');
    expect((await verifyAuditArchive(edited, january.manifestJws, january.jwks)).valid).toBe(false);
    const lines = january.ndjson.trim().split('\n');
    const dropped = `${[...lines.slice(0, 2), ...lines.slice(3)].join('\n')}\n`;
    expect((await verifyAuditArchive(dropped, january.manifestJws, january.jwks)).valid).toBe(false);
    const stranger = await KeyStore.openOrCreate(await mkdtemp(path.join(tmpdir(), 'praesidium-archive-')));
    const forged = await exportAuditMonth(db.dataSource, stranger, '2025-01');
    expect(await verifyAuditArchive(january.ndjson, forged.manifestJws, january.jwks)).toMatchObject({
      valid: false,
      problem: 'the manifest signature does not verify',
    });
  });

  it('refuses a JWS of the same audit key that is not typed as an archive manifest: a checkpoint, or one over a genuine manifest', async () => {
    const january = await exportAuditMonth(db.dataSource, keyStore, '2025-01');
    const checkpoint = await new AuditCheckpoints(db.dataSource, keyStore).createCheckpoint();
    if (!checkpoint) throw new Error('expected a checkpoint');
    expect(await verifyAuditArchive(january.ndjson, checkpoint.jws, january.jwks)).toEqual({
      valid: false,
      records: 0,
      problem: `the manifest is not an archive manifest: JWS typ ${CHECKPOINT_JWS_TYPE}, expected praesidium-archive+jwt`,
    });
    // Not even the archive's own manifest passes under the checkpoint's typ (or the generic one).
    for (const typ of [CHECKPOINT_JWS_TYPE, 'JWT']) {
      const retyped = await signJwt(keyStore.current('audit-checkpoint'), { ...january.manifest }, typ);
      expect(await verifyAuditArchive(january.ndjson, retyped, january.jwks)).toMatchObject({
        valid: false,
        problem: expect.stringContaining(`JWS typ ${typ}, expected`) as unknown,
      });
    }
  });

  it('refuses a month that has not ended', async () => {
    const now = new Date();
    const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    await expect(exportAuditMonth(db.dataSource, keyStore, month)).rejects.toMatchObject({
      code: 'request.invalid',
    });
  });

  it('verify-archive trusts this platform’s keys or the ones named, never the archive’s own, and checks the month', async () => {
    const write = async (
      dir: string,
      month: string,
      archive: Awaited<ReturnType<typeof exportAuditMonth>>,
    ) => {
      await mkdir(dir, { recursive: true });
      const base = path.join(dir, `praesidium-audit-${month}`);
      await writeFile(`${base}.ndjson`, archive.ndjson);
      await writeFile(`${base}.manifest.jws`, archive.manifestJws);
      await writeFile(`${base}.jwks.json`, JSON.stringify(archive.jwks));
      return `${base}.jwks.json`;
    };
    const verifyArchive = (dir: string, month: string, ...extra: string[]) =>
      praesidium(['audit', 'verify-archive', '--month', month, '--dir', dir, ...extra], {
        NODE_ENV: 'test',
        PRAESIDIUM_DATA_DIR: dataDir,
      });
    const storage = await mkdtemp(path.join(tmpdir(), 'praesidium-archive-storage-'));

    await write(
      path.join(storage, 'genuine'),
      '2025-01',
      await exportAuditMonth(db.dataSource, keyStore, '2025-01'),
    );
    expect(await verifyArchive(path.join(storage, 'genuine'), '2025-01')).toMatchObject({ code: 0 });

    // Someone who can write to the archive's storage replaces all three files, keys included.
    const stranger = await KeyStore.openOrCreate(await mkdtemp(path.join(tmpdir(), 'praesidium-archive-')));
    const strangerKeys = await write(
      path.join(storage, 'forged'),
      '2025-01',
      await exportAuditMonth(db.dataSource, stranger, '2025-01'),
    );
    const forged = await verifyArchive(path.join(storage, 'forged'), '2025-01');
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('the manifest signature does not verify');
    // A reviewer elsewhere names the keys they trust (the platform's published ones) explicitly.
    expect(
      await verifyArchive(path.join(storage, 'forged'), '2025-01', '--jwks', strangerKeys),
    ).toMatchObject({
      code: 0,
    });

    // Another month's genuine archive under this month's name.
    const renamed = path.join(storage, 'renamed');
    const february = path.join(storage, 'february');
    await write(february, '2025-02', await exportAuditMonth(db.dataSource, keyStore, '2025-02'));
    await mkdir(renamed);
    for (const suffix of ['ndjson', 'manifest.jws', 'jwks.json'])
      await copyFile(
        path.join(february, `praesidium-audit-2025-02.${suffix}`),
        path.join(renamed, `praesidium-audit-2025-01.${suffix}`),
      );
    const misnamed = await verifyArchive(renamed, '2025-01');
    expect(misnamed.code).toBe(1);
    expect(misnamed.stdout).toContain('the archive is of 2025-02, not 2025-01');

    // A genuine manifest re-signed with the platform's audit key as a checkpoint.
    const retyped = path.join(storage, 'retyped');
    const archive = await exportAuditMonth(db.dataSource, keyStore, '2025-01');
    await write(retyped, '2025-01', {
      ...archive,
      manifestJws: await signJwt(
        keyStore.current('audit-checkpoint'),
        { ...archive.manifest },
        CHECKPOINT_JWS_TYPE,
      ),
    });
    const refused = await verifyArchive(retyped, '2025-01');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      `not an archive manifest: JWS typ ${CHECKPOINT_JWS_TYPE}, expected praesidium-archive+jwt`,
    );
  });
});
