import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AuditEventEntity,
  AuditStreamEntity,
  GENESIS_HASH,
  exportAuditMonth,
  recordHash,
  verifyAuditArchive,
  type AuditEvent,
} from '@praesidium/audit';
import { KeyStore } from '@praesidium/keys';
import { openIsolatedPostgres, type TestDatabase } from '../support/databases.js';

/** Records of a stream written in January 2025 and February 2025, chained across the two months. */
async function seedTwoMonths(db: TestDatabase): Promise<string> {
  const streamId = 'gateway.archive-test';
  await db.dataSource.query(`INSERT INTO audit.stream (id, source) VALUES ($1, 'gateway')`, [streamId]);
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= 8; seq += 1) {
    const day = seq <= 5 ? `2025-01-${String(20 + seq).padStart(2, '0')}` : `2025-02-0${seq - 5}`;
    const event: AuditEvent = {
      id: `00000000-0000-4000-8000-00000000000${seq}`,
      recordedAt: `${day}T10:00:00.000Z`,
      action: 'inference.request',
      outcome: 'success',
    };
    const hash = recordHash(streamId, seq, prevHash, event);
    await db.dataSource.getRepository(AuditEventEntity).insert({
      streamId,
      seq,
      id: event.id,
      recordedAt: new Date(event.recordedAt),
      action: event.action,
      outcome: event.outcome,
      reasonCode: null,
      agentSubject: null,
      patientPseudonym: null,
      modelName: null,
      event,
      prevHash,
      hash,
    });
    prevHash = hash;
  }
  return streamId;
}

describe('monthly audit archives', () => {
  let db: TestDatabase;
  let keyStore: KeyStore;
  beforeAll(async () => {
    db = await openIsolatedPostgres([AuditEventEntity, AuditStreamEntity]);
    keyStore = await KeyStore.openOrCreate(await mkdtemp(path.join(tmpdir(), 'praesidium-archive-')));
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

  it('refuses a month that has not ended', async () => {
    const now = new Date();
    const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    await expect(exportAuditMonth(db.dataSource, keyStore, month)).rejects.toMatchObject({
      code: 'request.invalid',
    });
  });
});
