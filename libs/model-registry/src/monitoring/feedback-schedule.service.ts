import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { FeedbackPeriodLength } from '@praesidium/config';
import type { ModelVersionEntity } from '../model.entity.js';
import { PerformanceObservationEntity } from '../registry-records.entity.js';
import { FeedbackFloors } from './feedback-floors.service.js';
import { floorsInForceSince } from './feedback-floors.js';
import {
  FeedbackPeriodRecordEntity,
  type FeedbackFloorRevisionEntity,
} from './feedback-monitoring.entity.js';
import { duePeriods, nextPeriod, type PeriodCursor, type SurveillancePeriod } from './feedback-periods.js';
import { FeedbackSummaries } from './feedback-summaries.service.js';
import { CLINICIAN_FEEDBACK_SOURCE, feedbackMetrics } from './feedback-summary.js';
import { performanceObservation } from './performance-monitor.service.js';

/** Who records the scheduled periods (the observations' `createdBy`, the audit records' agent). */
export const FEEDBACK_SCHEDULE_ACTOR = 'system:feedback-schedule';
/** Periods one run records per version at most: a long catch-up goes on in the next runs. */
const MAX_PERIODS_PER_RUN = 100;
/** A recorded period still without its audit record this long after lost it to a crash: append it. */
const AUDIT_REPAIR_AFTER_MS = 60_000;

/** A version that serves calls: deployed, or the approved canary beside the deployed version. */
export interface ServingVersion {
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly isCanary: boolean;
  /** When it last began to serve (deployed, resumed, promoted, canary started); null if unrecorded. */
  readonly servingSince: Date | null;
}

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
  readonly floors: FeedbackFloorRevisionEntity | null;
  readonly serving: ServingVersion | null;
  readonly floorsInForceSince: Date | null;
  /** Whether the schedule records this version's periods (serving, with floors in force). */
  readonly isScheduled: boolean;
  readonly lastRecorded: FeedbackPeriodRecordEntity | null;
  readonly recordedPeriods: number;
  /** The next period the schedule records, once it has closed (null when not scheduled). */
  readonly nextPeriod: SurveillancePeriod | null;
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
  ) {}

  /** One run: every settled period still to record, oldest first, each audited once it is stored. */
  async recordDue(
    now: Date,
    length: FeedbackPeriodLength,
    audit: AuditRecordedPeriod,
  ): Promise<FeedbackScheduleRun> {
    const reaudited = await this.repairAudits(now, audit);
    const recorded: RecordedPeriod[] = [];
    for (const target of await this.servingVersions()) {
      const revisions = await this.floors.revisions(target.id);
      const cursor = cursorOf(target, revisions, await this.lastRecorded(target.id), length);
      const declaration = revisions.at(-1);
      if (!cursor || !declaration) continue;
      for (const period of duePeriods(cursor, now, MAX_PERIODS_PER_RUN)) {
        const done = await this.recordPeriod(target, period, declaration);
        if (!done) continue;
        await this.audited(done, audit);
        recorded.push(done);
      }
    }
    return { recorded, reaudited };
  }

  async statusOf(version: ModelVersionEntity, length: FeedbackPeriodLength): Promise<FeedbackScheduleStatus> {
    const [serving] = await this.servingVersions(version.id);
    const revisions = await this.floors.revisions(version.id);
    const records = this.dataSource.getRepository(FeedbackPeriodRecordEntity);
    const last = await this.lastRecorded(version.id);
    const cursor = serving ? cursorOf(serving, revisions, last, length) : undefined;
    return {
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
   * observation commit together. The summary is read first, outside the transaction (on the embedded
   * database a transaction holds the only session, so it must not wait for another connection).
   */
  private async recordPeriod(
    target: ServingVersion,
    period: SurveillancePeriod,
    declaration: FeedbackFloorRevisionEntity,
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
      const rows: unknown[] = await manager.query(
        `INSERT INTO registry.feedback_period_record
           (version_id, period_start, period_end, observation_id, floors_revision, is_alert, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
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
              r.is_alert AS "isAlert", v.version, m.name AS model
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

  /**
   * Deployed versions and approved canaries (all, or the one asked for), with when they last began to
   * serve; listing all, only those with a floor declaration (in force or withdrawn).
   */
  private async servingVersions(versionId?: string): Promise<ServingVersion[]> {
    return this.dataSource.query(
      `SELECT v.id, m.name AS model, v.version, (c.version_id IS NOT NULL) AS "isCanary",
              CASE WHEN v.status = 'deployed'
                   THEN (SELECT max(t.at) FROM registry.version_transition t
                          WHERE t.version_id = v.id AND t.to_status = 'deployed')
                   ELSE c.started_at END AS "servingSince"
         FROM registry.model_version v
         JOIN registry.model m ON m.id = v.model_id
         LEFT JOIN registry.model_canary c ON c.version_id = v.id AND v.status = 'approved'
        WHERE (v.status = 'deployed' OR c.version_id IS NOT NULL)
          AND ($1::uuid IS NULL AND EXISTS (SELECT 1 FROM registry.feedback_floor_revision f
                                             WHERE f.version_id = v.id)
               OR v.id = $1::uuid)
        ORDER BY m.name, v.version`,
      [versionId ?? null],
    );
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
 * last period recorded. Undefined when no floors are in force.
 */
function cursorOf(
  target: ServingVersion,
  revisions: readonly FeedbackFloorRevisionEntity[],
  last: FeedbackPeriodRecordEntity | undefined,
  length: FeedbackPeriodLength,
): PeriodCursor | undefined {
  const since = floorsInForceSince(revisions);
  if (!since) return undefined;
  const serving = target.servingSince;
  const after = serving && serving > since ? serving : since;
  return { length, after, ...(last ? { lastEnd: last.periodEnd } : {}) };
}
