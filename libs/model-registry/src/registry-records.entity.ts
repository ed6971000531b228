import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CanaryChangeEntity, ModelCanaryEntity } from './lifecycle/canary.entity.js';
import type { LifecyclePermission, VersionStatus } from './lifecycle/lifecycle.js';
import {
  FeedbackFloorRevisionEntity,
  FeedbackPeriodRecordEntity,
  FeedbackPeriodSettingEntity,
} from './monitoring/feedback-monitoring.entity.js';
import type { SignatureMeaning } from './signatures/signature.js';

/** One step of a version's lifecycle (append-only: the history is the rows). */
@Entity({ schema: 'registry', name: 'version_transition' })
export class VersionTransitionEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'version_id', type: 'uuid' }) versionId!: string;
  @Column({ name: 'from_status', type: 'text' }) fromStatus!: VersionStatus;
  @Column({ name: 'to_status', type: 'text' }) toStatus!: VersionStatus;
  @Column({ type: 'text' }) actor!: string;
  @Column({ type: 'text' }) reason!: string;
  /** The approval record as it stood at this step. */
  @Column({ name: 'record_sha256', type: 'text' }) recordSha256!: string;
  @Column({ type: 'timestamptz' }) at!: Date;
  /** The permission the step was taken under (null for steps recorded before it was kept). */
  @Column({ type: 'text', nullable: true }) permission!: LifecyclePermission | null;
}

/** A 21 CFR Part 11 electronic signature on a version's approval record (append-only). */
@Entity({ schema: 'registry', name: 'signature' })
export class SignatureEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'version_id', type: 'uuid' }) versionId!: string;
  @Column({ name: 'record_sha256', type: 'text' }) recordSha256!: string;
  @Column({ name: 'signer_subject', type: 'text' }) signerSubject!: string;
  @Column({ name: 'signer_issuer', type: 'text' }) signerIssuer!: string;
  @Column({ name: 'printed_name', type: 'text' }) printedName!: string;
  @Column({ name: 'signer_role', type: 'text' }) signerRole!: string;
  @Column({ type: 'text' }) meaning!: SignatureMeaning;
  @Column({ name: 'reauthenticated_by', type: 'text' }) reauthenticatedBy!: string;
  @Column({ name: 'signed_at', type: 'timestamptz' }) signedAt!: Date;
  @Column({ name: 'signature_sha256', type: 'text' }) signatureSha256!: string;
}

/**
 * A signer's signing PIN, as an scrypt hash (the second component of a Part 11 signature), keyed by
 * the issuer and subject of the signer's token (an empty issuer: not bound yet, see `UNBOUND_ISSUER`).
 */
@Entity({ schema: 'registry', name: 'signing_credential' })
export class SigningCredentialEntity {
  @PrimaryColumn({ type: 'text' }) issuer!: string;
  @PrimaryColumn({ type: 'text' }) subject!: string;
  @Column({ type: 'text' }) scrypt!: string;
  /** Consecutive wrong PINs (21 CFR 11.300(d): attempts at misuse are detected and stopped). */
  @Column({ name: 'failed_attempts', type: 'integer', default: 0 }) failedAttempts!: number;
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true }) lockedUntil!: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** A piece of evidence of a version: a file (content-addressed) or a structured record (risk item…). */
@Entity({ schema: 'registry', name: 'evidence' })
export class EvidenceEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'version_id', type: 'uuid' }) versionId!: string;
  @Column({ type: 'text' }) kind!: string;
  @Column({ type: 'text' }) title!: string;
  @Column({ name: 'file_name', type: 'text', nullable: true }) fileName!: string | null;
  @Column({ name: 'media_type', type: 'text', nullable: true }) mediaType!: string | null;
  @Column({ name: 'size_bytes', type: 'integer', nullable: true }) sizeBytes!: number | null;
  /** SHA-256 of the file, or of the details' canonical JSON when there is no file. */
  @Column({ type: 'text' }) sha256!: string;
  @Column({ type: 'jsonb' }) details!: Record<string, unknown>;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ schema: 'registry', name: 'dataset' })
export class DatasetEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'model_id', type: 'uuid' }) modelId!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ name: 'split_role', type: 'text' }) splitRole!: 'training' | 'tuning' | 'test';
  @Column({ type: 'jsonb' }) datasheet!: Record<string, unknown>;
  @Column({ name: 'content_sha256', type: 'text' }) contentSha256!: string;
  @Column({ name: 'quality_report', type: 'jsonb', nullable: true }) qualityReport!: Record<
    string,
    unknown
  > | null;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** A model's predetermined change control plan; the latest row is the plan in force. */
@Entity({ schema: 'registry', name: 'change_control_plan' })
export class ChangeControlPlanEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'model_id', type: 'uuid' }) modelId!: string;
  @Column({ type: 'jsonb' }) plan!: Record<string, unknown>;
  @Column({ type: 'text' }) sha256!: string;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** One post-market drift check of a deployed version's inputs. */
@Entity({ schema: 'registry', name: 'drift_check' })
export class DriftCheckEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'version_id', type: 'uuid' }) versionId!: string;
  @Column({ type: 'jsonb' }) result!: Record<string, unknown>;
  @Column({ name: 'is_alert', type: 'boolean' }) isAlert!: boolean;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/** Post-market performance of a version over one period (from feedback, outcomes or audits). */
@Entity({ schema: 'registry', name: 'performance_observation' })
export class PerformanceObservationEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'version_id', type: 'uuid' }) versionId!: string;
  @Column({ name: 'period_start', type: 'timestamptz' }) periodStart!: Date;
  @Column({ name: 'period_end', type: 'timestamptz' }) periodEnd!: Date;
  @Column({ type: 'text' }) source!: string;
  @Column({ type: 'jsonb' }) result!: Record<string, unknown>;
  @Column({ name: 'is_alert', type: 'boolean' }) isAlert!: boolean;
  @Column({ name: 'created_by', type: 'text' }) createdBy!: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

export const REGISTRY_ENTITIES = [
  PerformanceObservationEntity,
  VersionTransitionEntity,
  SignatureEntity,
  SigningCredentialEntity,
  EvidenceEntity,
  DatasetEntity,
  ChangeControlPlanEntity,
  DriftCheckEntity,
  ModelCanaryEntity,
  CanaryChangeEntity,
  FeedbackFloorRevisionEntity,
  FeedbackPeriodRecordEntity,
  FeedbackPeriodSettingEntity,
];
