import { DataSource } from 'typeorm';
import {
  AuditEventEntity,
  AuditStreamEntity,
  AuditTrail,
  GENESIS_HASH,
  recordHash,
  type AuditEvent,
} from '@praesidium/audit';
import { MIGRATIONS, dataSourceOptions, runMigrations, type PostgresConnection } from '@praesidium/database';
import { onEmptyDatabase } from '../support/databases.js';

const ENTITIES = [AuditEventEntity, AuditStreamEntity];
const STREAM = 'gateway.before-partitions';
const TIMES = ['2024-11-30T23:59:59.999Z', '2024-12-01T00:00:00.000Z', '2024-12-15T12:00:00.000Z'];

async function migrated(connection: PostgresConnection, migrations: typeof MIGRATIONS): Promise<DataSource> {
  const dataSource = new DataSource({ ...dataSourceOptions(connection, ENTITIES, 2), migrations });
  await dataSource.initialize();
  await runMigrations(dataSource);
  return dataSource;
}

/** A trail as it stood before partitioning: one unpartitioned table, rows of two months. */
async function seedUnpartitioned(dataSource: DataSource): Promise<string[]> {
  await dataSource.query(`INSERT INTO audit.stream (id, source) VALUES ($1, 'gateway')`, [STREAM]);
  let prevHash = GENESIS_HASH;
  const hashes: string[] = [];
  for (const [index, recordedAt] of TIMES.entries()) {
    const event: AuditEvent = {
      id: `00000000-0000-4000-8000-00000000000${index}`,
      recordedAt,
      action: 'a',
      outcome: 'success',
    };
    const hash = recordHash(STREAM, index + 1, prevHash, event);
    await dataSource.query(
      `INSERT INTO audit.event (stream_id, seq, id, recorded_at, action, outcome, event, prev_hash, hash)
       VALUES ($1, $2, $3, $4, 'a', 'success', $5, $6, $7)`,
      [STREAM, index + 1, event.id, recordedAt, JSON.stringify(event), prevHash, hash],
    );
    hashes.push(hash);
    prevHash = hash;
  }
  return hashes;
}

async function convertsKeepingEveryRow(connection: PostgresConnection): Promise<void> {
  const before = await migrated(connection, MIGRATIONS.slice(0, 2));
  const hashes = await seedUnpartitioned(before);
  await before.destroy();

  const after = await migrated(connection, MIGRATIONS);
  try {
    const rows: { partition: string; seq: string; hash: string }[] = await after.query(
      `SELECT tableoid::regclass::text AS partition, seq, hash FROM audit.event WHERE stream_id = $1 ORDER BY seq`,
      [STREAM],
    );
    expect(rows.map((row) => [row.partition, Number(row.seq), row.hash])).toEqual([
      ['audit.event_2024_11', 1, hashes[0]],
      ['audit.event_2024_12', 2, hashes[1]],
      ['audit.event_2024_12', 3, hashes[2]],
    ]);
    const trail = new AuditTrail(
      after.getRepository(AuditEventEntity),
      after.getRepository(AuditStreamEntity),
      'gateway',
    );
    expect(await trail.verifyStream(STREAM)).toMatchObject({ valid: true, checked: 3 });
    await expect(after.query(`DELETE FROM audit.event_2024_11`)).rejects.toThrow(/append-only/);
    await expect(after.query(`TRUNCATE audit.event_2024_12`)).rejects.toThrow(/append-only/);
  } finally {
    await after.destroy();
  }
}

describe('the partitioning migration', () => {
  it('converts an existing PostgreSQL trail, keeping every row in its month and the triggers', () =>
    onEmptyDatabase('postgres', convertsKeepingEveryRow));

  it('converts an existing embedded PGlite trail the same way', () =>
    onEmptyDatabase('pglite', convertsKeepingEveryRow));
});
