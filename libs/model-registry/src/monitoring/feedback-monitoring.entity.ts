import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PerformanceFloor } from './performance-floors.js';

/** One revision of the floors a version's clinician feedback is held to (append-only). */
@Entity({ schema: 'registry', name: 'feedback_floor_revision' })
export class FeedbackFloorRevisionEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'version_id', type: 'uuid' }) versionId!: string;
  /** 1, 2, …: the highest is in force. */
  @Column({ type: 'integer' }) revision!: number;
  /** Empty: the floors are withdrawn and the schedule records nothing. */
  @Column({ type: 'jsonb' }) floors!: PerformanceFloor[];
  /** SHA-256 of the floors' canonical JSON (it is the `requestSha256` of the audit record). */
  @Column({ name: 'floors_sha256', type: 'text' }) floorsSha256!: string;
  @Column({ type: 'text' }) reason!: string;
  @Column({ name: 'declared_by', type: 'text' }) declaredBy!: string;
  @Column({ name: 'declared_at', type: 'timestamptz' }) declaredAt!: Date;
}

/** A period the schedule recorded for a version: at most one per version and period start. */
@Entity({ schema: 'registry', name: 'feedback_period_record' })
export class FeedbackPeriodRecordEntity {
  @PrimaryColumn({ name: 'version_id', type: 'uuid' }) versionId!: string;
  @PrimaryColumn({ name: 'period_start', type: 'timestamptz' }) periodStart!: Date;
  @Column({ name: 'period_end', type: 'timestamptz' }) periodEnd!: Date;
  @Column({ name: 'observation_id', type: 'uuid' }) observationId!: string;
  @Column({ name: 'floors_revision', type: 'integer' }) floorsRevision!: number;
  /**
   * The length of the grid it was cut on, as PRAESIDIUM_FEEDBACK_PERIOD spells it; null for a period
   * recorded before the length was stored (always a whole period of the setting then in force).
   */
  @Column({ type: 'text', nullable: true }) period!: string | null;
  /** Shorter than a whole period: the stretch up to the new grid after the period length changed. */
  @Column({ name: 'is_transition', type: 'boolean' }) isTransition!: boolean;
  @Column({ name: 'is_alert', type: 'boolean' }) isAlert!: boolean;
  @Column({ name: 'recorded_at', type: 'timestamptz' }) recordedAt!: Date;
  /** When its audit record (alert or recorded) was appended; null until then. */
  @Column({ name: 'audited_at', type: 'timestamptz', nullable: true }) auditedAt!: Date | null;
}

/**
 * A setting of the period length the schedule cuts periods by (append-only): the highest revision is
 * in force, from `inForceFrom` on. Governance records one when it starts with another
 * PRAESIDIUM_FEEDBACK_PERIOD than the one in force.
 */
@Entity({ schema: 'registry', name: 'feedback_period_setting' })
export class FeedbackPeriodSettingEntity {
  @PrimaryColumn({ type: 'integer' }) revision!: number;
  /** As PRAESIDIUM_FEEDBACK_PERIOD spells it: `day`, `week`, `month` or a number of seconds. */
  @Column({ type: 'text' }) period!: string;
  @Column({ name: 'in_force_from', type: 'timestamptz' }) inForceFrom!: Date;
  /** Who put it in force: the governance process (its host name) that started with it. */
  @Column({ name: 'set_by', type: 'text' }) setBy!: string;
}
