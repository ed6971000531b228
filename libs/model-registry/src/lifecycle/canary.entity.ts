import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CanaryChangeKind } from './canary.js';

/**
 * The canary a model runs now, if any: one row per model (its primary key is the model, so a second
 * canary cannot exist), removed when the canary is promoted, aborted or stopped. Its `id` salts the
 * gateway's routing hash, so each canary samples its own patients.
 */
@Entity({ schema: 'registry', name: 'model_canary' })
export class ModelCanaryEntity {
  @PrimaryColumn({ name: 'model_id', type: 'uuid' }) modelId!: string;
  @Column({ type: 'uuid' }) id!: string;
  @Column({ name: 'version_id', type: 'uuid' }) versionId!: string;
  @Column({ name: 'share_percent', type: 'integer' }) sharePercent!: number;
  /** The sites and departments whose calls it may serve (`CanaryScope`; empty: all). */
  @Column({ type: 'text', array: true }) sites!: string[];
  @Column({ type: 'text', array: true }) departments!: string[];
  @Column({ name: 'started_by', type: 'text' }) startedBy!: string;
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

/** One change of a canary: started, share changed, promoted, aborted, stopped (append-only). */
@Entity({ schema: 'registry', name: 'canary_change' })
export class CanaryChangeEntity {
  @PrimaryColumn({ type: 'uuid' }) id!: string;
  @Column({ name: 'canary_id', type: 'uuid' }) canaryId!: string;
  @Column({ name: 'model_id', type: 'uuid' }) modelId!: string;
  @Column({ name: 'version_id', type: 'uuid' }) versionId!: string;
  @Column({ type: 'text' }) action!: CanaryChangeKind;
  /** The share after the change (the last share for promote, abort and stop). */
  @Column({ name: 'share_percent', type: 'integer' }) sharePercent!: number;
  /** The canary's scope (fixed for its life). */
  @Column({ type: 'text', array: true }) sites!: string[];
  @Column({ type: 'text', array: true }) departments!: string[];
  @Column({ type: 'text' }) actor!: string;
  @Column({ type: 'text' }) reason!: string;
  @Column({ type: 'timestamptz' }) at!: Date;
}
