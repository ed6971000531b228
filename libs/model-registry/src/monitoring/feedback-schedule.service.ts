import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { feedbackPeriodName, type FeedbackPeriodLength } from '@praesidium/config';
import { ProblemError } from '@praesidium/problem';
import type { ModelVersionEntity } from '../model.entity.js';
import { PerformanceObservationEntity } from '../registry-records.entity.js';
import { FeedbackFloors } from './feedback-floors.service.js';
import { floorsInForceSince } from './feedback-floors.js';
import {
  FeedbackPeriodRecordEntity,
  type FeedbackFloorRevisionEntity,
} from './feedback-monitoring.entity.js';
import { periodMismatch, periodSettings } from './feedback-period-settings.js';
import { FeedbackPeriodSettings } from './feedback-period-settings.service.js';
import {
  duePeriods,
  nextPeriod,
  type PeriodCursor,
  type PeriodSetting,
  type ScheduledPeriod,
} from './feedback-periods.js';
import { FeedbackSummaries } from './feedback-summaries.service.js';
import { CLINICIAN_FEEDBACK_SOURCE, feedbackMetrics } from './feedback-summary.js';
import { performanceObservation } from './performance-monitor.service.js';
import { servingVersions, type ServingVersion } from './serving-versions.js';

/** Who records the scheduled periods (the observations' `createdBy`, the audit records' agent). */
export const FEEDBACK_SCHEDULE_ACTOR = 'system:feedback-schedule';
/** Periods one run records per version at most: a long catch-up goes on in the next runs. */
const MAX_PERIODS_PER_RUN = 100;
/** A recorded period still without its audit record this long after lost it to a crash: append it. */
const AUDIT_REPAIR_AFTER_MS = 60_000;

/** A period the schedule recorded. */
export interface RecordedPeriod {
  readonly model: string;
  readonly version: string;
  readonly versionId: string;
  readonly periodStart: Date;
  readonly periodEnd: Date;
  readonly observationId: string;
  readonly floorsRevision: number;
  readonly isAlert: boolean;
  /** The length of the grid it was cut on (null if recorded before lengths were stored). */
  readonly period: string | null;
  readonly isTransition: boolean;
}

/** Appends the audit record of a recorded period (`performance_alert` or `performance_recorded`). */
export type AuditRecordedPeriod = (recorded: RecordedPeriod) => Promise<void>;

export interface FeedbackScheduleRun {
  readonly recorded: readonly RecordedPeriod[];
  /** Audit records appended again for periods recorded by a run that stopped before auditing them. */
  readonly reaudited: number;
}

/** Where a version stands with the schedule (its page and `GET …/feedback-schedule` show it). */
export interface FeedbackScheduleStatus {
  /** The period length in force, and since when (null until governance first started). */
  readonly period: FeedbackPeriodLength | null;
  readonly periodInForceSince: Date | null;
  readonly floors: FeedbackFloorRevisionEntity | null;
  readonly serving: ServingVersion | null;
  readonly floorsInForceSince: Date | null;
  /** Whether the schedule records this version's periods (serving, with floors in force). */
  readonly isScheduled: boolean;
  readonly lastRecorded: FeedbackPeriodRecordEntity | null;
  readonly recordedPeriods: number;
  /** The next period the schedule records, once it has closed (null when not scheduled). */
  readonly nextPeriod: ScheduledPeriod | null;
}

/**
 * Records each closed period of clinicians' feedback as a performance observation, for every serving
 * version with floors in force, without anyone asking (EU MDR Art. 83–84: proactive, systematic
 * surveillance). Each period is recorded exactly once, however many runs overlap across restarts and
 * governance instances: `registry.feedback_period_record`'s primary key (version, period start) lets
 * one transaction claim a period, and the others' inserts find it taken and record nothing.
 */
@Injectable()
export class FeedbackSchedule {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly summaries: FeedbackSummaries,
    private readonly floors: FeedbackFloors,
    private readonly periods: FeedbackPeriodSettings,
  ) {}

  /**
   * One run: every settled period still to record, oldest first, each audited once it is stored.
   * `queued` is the period length the run was queued with (the queuing governance's setting): a run
   * whose length is not the one in force is refused whole, `feedback_schedule.period_mismatch`, so no
   * process records periods of another length than the schedule's, whatever its own environment says.
   */
  async recordDue(
    now: Date,
    queued: FeedbackPeriodLength | undefined,
    audit: AuditRecordedPeriod,
  ): Promise<FeedbackScheduleRun> {
    const history = await this.periods.history();
    const settings = periodSettings(history);
    const refusal = periodMismatch(queued, settings);
    if (refusal) throw new ProblemError('feedback_schedule.period_mismatch', refusal);
    const inForce = history.at(-1)?.revision ?? 0;
    const reaudited = await this.repairAudits(now, audit);
    const recorded: RecordedPeriod[] = [];
    for (const target of await servingVersions(this.dataSource)) {
      const revisions = await this.floors.revisions(target.id);
      const cursor = cursorOf(target, revisions, await this.lastRecorded(target.id), settings);
      const declaration = revisions.at(-1);
      if (!cursor || !declaration) continue;
      for (const period of duePeriods(cursor, now, MAX_PERIODS_PER_RUN)) {
        const done = await this.recordPeriod(target, period, declaration, inForce);
        if (!done) continue;
        await this.audited(done, audit);
        recorded.push(done);
      }
    }
    return { recorded, reaudited };
  }

  /** Where the version stands: counted from the schedule's own records, never from recordings on request. */
  async statusOf(version: ModelVersionEntity): Promise<FeedbackScheduleStatus> {
    const [serving] = await servingVersions(this.dataSource, version.id);
    const revisions = await this.floors.revisions(version.id);
    const settings = await this.periods.settings();
    const records = this.dataSource.getRepository(FeedbackPeriodRecordEntity);
    const last = await this.lastRecorded(version.id);
    const cursor = serving ? cursorOf(serving, revisions, last, settings) : undefined;
    return {
      period: settings.at(-1)?.length ?? null,
      periodInForceSince: settings.at(-1)?.since ?? null,
      floors: revisions.at(-1) ?? null,
      serving: serving ?? null,
      floorsInForceSince: floorsInForceSince(revisions) ?? null,
      isScheduled: cursor !== undefined,
      lastRecorded: last ?? null,
      recordedPeriods: await records.count({ where: { versionId: version.id } }),
      nextPeriod: cursor ? nextPeriod(cursor) : null,
    };
  }

  /**
   * Stores the period's observation if no other run has claimed the period: the claim and the
   * observation commit together, and only while the setting the run cut it by is still in force. The
   * summary is read first, outside the transaction (on the embedded database a transaction holds the
   * only session, so it must not wait for another connection).
   */
  private async recordPeriod(
    target: ServingVersion,
    period: ScheduledPeriod,
    declaration: FeedbackFloorRevisionEntity,
    setting: number,
  ): Promise<RecordedPeriod | undefined> {
    const summary = await this.summaries.summarize({
      model: target.model,
      version: target.version,
      periodStart: period.start,
      periodEnd: period.end,
    });
    const observation = performanceObservation(
      target,
      {
        periodStart: period.start,
        periodEnd: period.end,
        source: CLINICIAN_FEEDBACK_SOURCE,
        metrics: feedbackMetrics(summary),
        floors: declaration.floors,
        floorsRevision: declaration.revision,
      },
      FEEDBACK_SCHEDULE_ACTOR,
    );
    const claimed = await this.dataSource.transaction(async (manager) => {
      const [current]: { revision: number | null }[] = await manager.query(
        `SELECT max(revision) AS revision FROM registry.feedback_period_setting`,
      );
      if (Number(current?.revision ?? 0) !== setting)
        throw new ProblemError(
          'feedback_schedule.period_mismatch',
          'the period length changed while the run was recording: the next run records on the new one',
        );
      const rows: unknown[] = await manager.query(
        `INSERT INTO registry.feedback_period_record
           (version_id, period_start, period_end, observation_id, floors_revision, is_alert, recorded_at,
            period, is_transition)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ON CONSTRAINT pk_registry_feedback_period_record DO NOTHING
         RETURNING observation_id`,
        [
          target.id,
          period.start,
          period.end,
          observation.id,
          declaration.revision,
          observation.isAlert,
          observation.createdAt,
          feedbackPeriodName(period.length),
          period.isTransition,
        ],
      );
      if (rows.length === 0) return false;
      await manager.insert(
        PerformanceObservationEntity,
        observation as QueryDeepPartialEntity<PerformanceObservationEntity>,
      );
      return true;
    });
    if (!claimed) return undefined;
    return {
      model: target.model,
      version: target.version,
      versionId: target.id,
      periodStart: period.start,
      periodEnd: period.end,
      observationId: observation.id,
      floorsRevision: declaration.revision,
      isAlert: observation.isAlert,
      period: feedbackPeriodName(period.length),
      isTransition: period.isTransition,
    };
  }

  /** Audits a recorded period, then notes it so that no later run audits it again. */
  private async audited(recorded: RecordedPeriod, audit: AuditRecordedPeriod): Promise<void> {
    await audit(recorded);
    await this.dataSource.query(
      `UPDATE registry.feedback_period_record SET audited_at = now()
        WHERE version_id = $1 AND period_start = $2 AND audited_at IS NULL`,
      [recorded.versionId, recorded.periodStart],
    );
  }

  /**
   * Periods stored by a run that stopped before their audit record was appended (a crash between
   * the commit and the append): their alert is raised now, late rather than never.
   */
  private async repairAudits(now: Date, audit: AuditRecordedPeriod): Promise<number> {
    const rows: RecordedPeriod[] = await this.dataSource.query(
      `SELECT r.version_id AS "versionId", r.period_start AS "periodStart", r.period_end AS "periodEnd",
              r.observation_id AS "observationId", r.floors_revision AS "floorsRevision",
              r.is_alert AS "isAlert", r.period, r.is_transition AS "isTransition",
              v.version, m.name AS model
         FROM registry.feedback_period_record r
         JOIN registry.model_version v ON v.id = r.version_id
         JOIN registry.model m ON m.id = v.model_id
        WHERE r.audited_at IS NULL AND r.recorded_at < $1
        ORDER BY r.recorded_at
        LIMIT 100`,
      [new Date(now.getTime() - AUDIT_REPAIR_AFTER_MS)],
    );
    for (const row of rows) await this.audited(row, audit);
    return rows.length;
  }

  private async lastRecorded(versionId: string): Promise<FeedbackPeriodRecordEntity | undefined> {
    const [last] = await this.dataSource
      .getRepository(FeedbackPeriodRecordEntity)
      .find({ where: { versionId }, order: { periodStart: 'DESC' }, take: 1 });
    return last;
  }
}

/**
 * Where the version's recording stands: from the later of the floors coming into force and the
 * version beginning to serve (so a suspension's periods are not filled in on resuming), after the
 * last period recorded. Undefined when no floors are in force, or no period length is in force yet.
 */
function cursorOf(
  target: ServingVersion,
  revisions: readonly FeedbackFloorRevisionEntity[],
  last: FeedbackPeriodRecordEntity | undefined,
  settings: readonly PeriodSetting[],
): PeriodCursor | undefined {
  const since = floorsInForceSince(revisions);
  if (!since || settings.length === 0) return undefined;
  const serving = target.servingSince;
  const after = serving && serving > since ? serving : since;
  return { settings, after, ...(last ? { lastEnd: last.periodEnd } : {}) };
}
