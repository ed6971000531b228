// The clinician-feedback schedule against the real database, as several governance instances run it:
// runs that race record each closed period once, a restart records nothing twice, an audit record lost
// to a crash is appended by a later run, and the schedule's tables are append-only in the database.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { dataSourceOptions, openDataSource } from '@praesidium/database';
import {
  FeedbackFloors,
  FeedbackSchedule,
  FeedbackSummaries,
  REGISTRY_ENTITIES,
  type ModelVersionEntity,
  type RecordedPeriod,
} from '@praesidium/model-registry';
import { DATABASES, type TestDatabase } from '../support/databases.js';

const MINUTE = { unit: 'seconds', seconds: 60 } as const;
const FLOORS = [{ metric: 'feedback_count', subgroup: 'overall', minimum: 1 }];

/** `minutes` and 30 seconds after the start of the minute the floors were declared in. */
const minutesAfter = (declaredAt: Date, minutes: number) =>
  new Date(Math.floor(declaredAt.getTime() / 60_000) * 60_000 + minutes * 60_000 + 30_000);

function scheduleOn(dataSource: DataSource): FeedbackSchedule {
  return new FeedbackSchedule(dataSource, new FeedbackSummaries(dataSource), new FeedbackFloors(dataSource));
}

async function deployedVersion(dataSource: DataSource): Promise<ModelVersionEntity> {
  const modelId = randomUUID();
  const id = randomUUID();
  await dataSource.query(
    `INSERT INTO registry.model (id, name, display_name, intended_use, limitations, departments, risk_class)
     VALUES ($1, $2, 'x', 'x', 'x', '{x}', 'x')`,
    [modelId, `schedule-${modelId.slice(0, 8)}`],
  );
  await dataSource.query(
    `INSERT INTO registry.model_version (id, model_id, version, status, backend_url, input_schema, output_schema, manifest_sha256)
     VALUES ($1, $2, '1.0.0', 'deployed', 'http://127.0.0.1/x', '{}', '{}', 'x')`,
    [id, modelId],
  );
  return { id, version: '1.0.0' } as ModelVersionEntity;
}

describe.each(DATABASES)('the clinician-feedback schedule on %s', (_, open) => {
  let db: TestDatabase;
  let other: DataSource;

  beforeAll(async () => {
    db = await open(REGISTRY_ENTITIES);
    // A second pool, as a second governance instance has.
    other = await openDataSource(dataSourceOptions(db.connection, REGISTRY_ENTITIES, 4));
  });
  afterAll(async () => {
    await other?.destroy();
    await db?.close();
  });

  const observations = async (version: ModelVersionEntity): Promise<{ start: Date }[]> =>
    db.dataSource.query(
      `SELECT period_start AS start FROM registry.performance_observation WHERE version_id = $1 ORDER BY 1`,
      [version.id],
    );

  it('records each closed period once when two instances run at the same time, and again nothing after a restart', async () => {
    const version = await deployedVersion(db.dataSource);
    const declared = await new FeedbackFloors(db.dataSource).declare(version, FLOORS, 'plan', 'owner');
    const now = minutesAfter(declared.declaredAt, 10);
    const audited: RecordedPeriod[] = [];
    const audit = async (recorded: RecordedPeriod) => {
      audited.push(recorded);
    };

    const runs = await Promise.all([
      scheduleOn(db.dataSource).recordDue(now, MINUTE, audit),
      scheduleOn(other).recordDue(now, MINUTE, audit),
    ]);
    const recorded = runs
      .flatMap((run) => run.recorded)
      .filter((period) => period.versionId === version.id)
      .map((period) => period.periodStart.toISOString())
      .sort();
    // The minute holding the declaration, and the nine after it that have closed and settled.
    expect(recorded).toHaveLength(10);
    expect(new Set(recorded).size).toBe(10);
    expect((await observations(version)).map((row) => row.start.toISOString())).toEqual(recorded);
    expect(audited.filter((period) => period.versionId === version.id)).toHaveLength(10);
    expect(audited.every((period) => period.isAlert)).toBe(true);

    const restarted = await scheduleOn(other).recordDue(now, MINUTE, audit);
    expect(restarted.recorded.filter((period) => period.versionId === version.id)).toEqual([]);
    expect(await observations(version)).toHaveLength(10);
  });

  it('appends the audit record of a period whose run stopped before auditing it, once', async () => {
    const version = await deployedVersion(db.dataSource);
    const declared = await new FeedbackFloors(db.dataSource).declare(version, FLOORS, 'plan', 'owner');
    const now = minutesAfter(declared.declaredAt, 2);
    const lost = async () => {
      throw new Error('the process stopped');
    };
    await expect(scheduleOn(db.dataSource).recordDue(now, MINUTE, lost)).rejects.toThrow('stopped');
    expect(await observations(version)).toHaveLength(1);

    const audited: RecordedPeriod[] = [];
    const audit = async (recorded: RecordedPeriod) => {
      audited.push(recorded);
    };
    const later = new Date(now.getTime() + 2 * 60_000);
    await scheduleOn(db.dataSource).recordDue(later, MINUTE, audit);
    const mine = audited.filter((period) => period.versionId === version.id);
    // The period recorded before the stop, audited now; then the periods closed since.
    expect(mine.map((period) => period.periodStart.toISOString())).toEqual(
      (await observations(version)).map((row) => row.start.toISOString()),
    );
    const again: RecordedPeriod[] = [];
    await scheduleOn(db.dataSource).recordDue(later, MINUTE, async (recorded) => {
      again.push(recorded);
    });
    expect(again.filter((period) => period.versionId === version.id)).toEqual([]);
  });

  it('records nothing for a suspended version, nor once its floors are withdrawn', async () => {
    const version = await deployedVersion(db.dataSource);
    const floors = new FeedbackFloors(db.dataSource);
    const declared = await floors.declare(version, FLOORS, 'plan', 'owner');
    const now = minutesAfter(declared.declaredAt, 5);
    const noAudit = async () => undefined;
    await db.dataSource.query(`UPDATE registry.model_version SET status = 'suspended' WHERE id = $1`, [
      version.id,
    ]);
    await scheduleOn(db.dataSource).recordDue(now, MINUTE, noAudit);
    expect(await observations(version)).toEqual([]);

    await db.dataSource.query(`UPDATE registry.model_version SET status = 'deployed' WHERE id = $1`, [
      version.id,
    ]);
    await floors.declare(version, [], 'withdrawn while the plan is revised', 'owner');
    await scheduleOn(db.dataSource).recordDue(now, MINUTE, noAudit);
    expect(await observations(version)).toEqual([]);
    expect((await floors.revisions(version.id)).map((revision) => revision.revision)).toEqual([1, 2]);
  });

  it('keeps declared floors and recorded periods append-only in the database', async () => {
    const version = await deployedVersion(db.dataSource);
    const declared = await new FeedbackFloors(db.dataSource).declare(version, FLOORS, 'plan', 'owner');
    await scheduleOn(db.dataSource).recordDue(
      minutesAfter(declared.declaredAt, 2),
      MINUTE,
      async () => undefined,
    );
    await expect(
      db.dataSource.query(`UPDATE registry.feedback_floor_revision SET reason = 'x' WHERE version_id = $1`, [
        version.id,
      ]),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.dataSource.query(
        `UPDATE registry.feedback_period_record SET is_alert = false WHERE version_id = $1`,
        [version.id],
      ),
    ).rejects.toThrow(/append-only/);
    // Audited already: its audit time is not changed either.
    await expect(
      db.dataSource.query(
        `UPDATE registry.feedback_period_record SET audited_at = now() WHERE version_id = $1`,
        [version.id],
      ),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.dataSource.query(`DELETE FROM registry.feedback_period_record WHERE version_id = $1`, [version.id]),
    ).rejects.toThrow(/append-only/);
  });
});
