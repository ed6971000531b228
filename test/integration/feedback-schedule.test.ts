// The clinician-feedback schedule against the real database, as several governance instances run it:
// runs that race record each closed period once, a restart records nothing twice, an audit record lost
// to a crash is appended by a later run, and the schedule's tables are append-only in the database.
// Then the period length: a run queued with another one than the one in force records nothing, and a
// change keeps the periods recorded, completes the one under way, and goes on without gap or overlap.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { FeedbackPeriodLength } from '@praesidium/config';
import { dataSourceOptions, openDataSource } from '@praesidium/database';
import {
  FeedbackFloors,
  FeedbackPeriodSettings,
  FeedbackSchedule,
  FeedbackSummaries,
  REGISTRY_ENTITIES,
  type ModelVersionEntity,
  type RecordedPeriod,
} from '@praesidium/model-registry';
import { ProblemError } from '@praesidium/problem';
import { DATABASES, openIsolatedPostgres, openPglite, type TestDatabase } from '../support/databases.js';

const MINUTE = { unit: 'seconds', seconds: 60 } as const;
const FIVE_MINUTES = { unit: 'seconds', seconds: 300 } as const;
const FLOORS = [{ metric: 'feedback_count', subgroup: 'overall', minimum: 1 }];

/** `minutes` and 30 seconds after the start of the minute the floors were declared in. */
const minutesAfter = (declaredAt: Date, minutes: number) =>
  new Date(Math.floor(declaredAt.getTime() / 60_000) * 60_000 + minutes * 60_000 + 30_000);

function scheduleOn(dataSource: DataSource): FeedbackSchedule {
  return new FeedbackSchedule(
    dataSource,
    new FeedbackSummaries(dataSource),
    new FeedbackFloors(dataSource),
    new FeedbackPeriodSettings(dataSource),
  );
}

/** Puts a period length in force from `at` (as governance does when it starts with it). */
const putInForce = (dataSource: DataSource, length: FeedbackPeriodLength, at: Date) =>
  new FeedbackPeriodSettings(dataSource).adopt(length, 'test', at);

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
    // Minutes in force all along (the run's shared database may have them already).
    await putInForce(db.dataSource, MINUTE, new Date(0));
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
    await expect(
      db.dataSource.query(`UPDATE registry.feedback_period_setting SET period = 'month'`),
    ).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`DELETE FROM registry.feedback_period_setting`)).rejects.toThrow(
      /append-only/,
    );
  });
});

// Its own database: these tests change the period length in force, which every version shares.
describe.each([
  ['PostgreSQL', openIsolatedPostgres],
  ['embedded PGlite', openPglite],
] as const)('the feedback period length on %s', (_, open) => {
  let db: TestDatabase;
  let other: DataSource;

  beforeAll(async () => {
    db = await open(REGISTRY_ENTITIES);
    other = await openDataSource(dataSourceOptions(db.connection, REGISTRY_ENTITIES, 4));
  });
  afterAll(async () => {
    await other?.destroy();
    await db?.close();
  });

  interface StoredPeriod {
    start: Date;
    end: Date;
    period: string | null;
    isTransition: boolean;
    observationId: string;
  }
  const stored = async (version: ModelVersionEntity): Promise<StoredPeriod[]> =>
    db.dataSource.query(
      `SELECT r.period_start AS start, r.period_end AS "end", r.period, r.is_transition AS "isTransition",
              r.observation_id AS "observationId"
         FROM registry.feedback_period_record r
         JOIN registry.performance_observation o ON o.id = r.observation_id
        WHERE r.version_id = $1 AND o.period_start = r.period_start AND o.period_end = r.period_end
        ORDER BY 1`,
      [version.id],
    );
  const noAudit = async () => undefined;
  const refusal = (error: unknown) => (error instanceof ProblemError ? error.code : error);

  it('refuses a run queued with another length than the one in force, or with none: nothing is recorded', async () => {
    const version = await deployedVersion(db.dataSource);
    const declared = await new FeedbackFloors(db.dataSource).declare(version, FLOORS, 'plan', 'owner');
    const now = minutesAfter(declared.declaredAt, 5);

    // No length in force yet: governance has not started on this database.
    await expect(scheduleOn(db.dataSource).recordDue(now, MINUTE, noAudit).catch(refusal)).resolves.toBe(
      'feedback_schedule.period_mismatch',
    );
    await putInForce(db.dataSource, MINUTE, new Date(0));
    // A worker's run queued by a process set to five minutes, and one queued by an earlier release.
    for (const queued of [FIVE_MINUTES, undefined])
      await expect(scheduleOn(other).recordDue(now, queued, noAudit).catch(refusal)).resolves.toBe(
        'feedback_schedule.period_mismatch',
      );
    expect(await stored(version)).toEqual([]);

    const run = await scheduleOn(other).recordDue(now, MINUTE, noAudit);
    expect(run.recorded.filter((period) => period.versionId === version.id)).toHaveLength(5);
  });

  it('after a change, keeps the periods recorded, completes the one under way, then a transition and whole periods', async () => {
    const version = await deployedVersion(db.dataSource);
    await putInForce(db.dataSource, MINUTE, new Date(0));
    const declared = await new FeedbackFloors(db.dataSource).declare(version, FLOORS, 'plan', 'owner');
    const first = minutesAfter(declared.declaredAt, 0).getTime() - 30_000;
    await scheduleOn(db.dataSource).recordDue(minutesAfter(declared.declaredAt, 3), MINUTE, noAudit);
    const before = await stored(version);
    expect(before.map((row) => row.start.getTime())).toEqual([first, first + 60_000, first + 120_000]);

    // Five-minute periods from 45 s into the minute after the last one recorded.
    const changedAt = new Date(first + 3 * 60_000 + 45_000);
    const { adopted } = await putInForce(db.dataSource, FIVE_MINUTES, changedAt);
    expect(adopted).toMatchObject({ period: '300', inForceFrom: changedAt });
    const later = new Date(changedAt.getTime() + 12 * 60_000);
    // A run still queued with minutes (a process not restarted yet) records nothing now.
    await expect(scheduleOn(other).recordDue(later, MINUTE, noAudit).catch(refusal)).resolves.toBe(
      'feedback_schedule.period_mismatch',
    );
    await Promise.all([
      scheduleOn(db.dataSource).recordDue(later, FIVE_MINUTES, noAudit),
      scheduleOn(other).recordDue(later, FIVE_MINUTES, noAudit),
    ]);

    const after = await stored(version);
    // What was recorded stays as it was.
    expect(after.slice(0, 3)).toEqual(before);
    const underWay = first + 3 * 60_000;
    const boundary = Math.ceil((underWay + 60_000) / 300_000) * 300_000;
    const expected = [
      { start: underWay, end: underWay + 60_000, period: '60', isTransition: false },
      ...(boundary > underWay + 60_000
        ? [{ start: underWay + 60_000, end: boundary, period: '300', isTransition: true }]
        : []),
    ];
    for (let start = boundary; start + 300_000 + 10_000 <= later.getTime(); start += 300_000)
      expected.push({ start, end: start + 300_000, period: '300', isTransition: false });
    expect(
      after.slice(3).map((row) => ({
        start: row.start.getTime(),
        end: row.end.getTime(),
        period: row.period,
        isTransition: row.isTransition,
      })),
    ).toEqual(expected);
    // Back to back from the first period on: no gap, no overlap, nothing counted twice.
    for (const [index, row] of after.slice(1).entries())
      expect(row.start.getTime()).toBe(after[index].end.getTime());
    const observations: { n: number }[] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM registry.performance_observation WHERE version_id = $1`,
      [version.id],
    );
    expect(observations[0].n).toBe(after.length);
  });

  it('puts a length in force once when two processes start with it at the same time', async () => {
    const length = { unit: 'seconds', seconds: 7200 } as const;
    const adoptions = await Promise.all(
      [db.dataSource, other].map((dataSource) =>
        new FeedbackPeriodSettings(dataSource).adopt(length, 'governance@test'),
      ),
    );
    expect(adoptions.filter((adoption) => adoption.adopted)).toHaveLength(1);
    const history = await new FeedbackPeriodSettings(db.dataSource).history();
    expect(history.at(-1)).toMatchObject({ period: '7200', setBy: 'governance@test' });
    expect(history.filter((setting) => setting.period === '7200')).toHaveLength(1);
    // In force from no earlier than the setting before it, whatever the clocks say.
    for (const [index, setting] of history.slice(1).entries())
      expect(setting.inForceFrom.getTime()).toBeGreaterThanOrEqual(history[index].inForceFrom.getTime());
  });
});
