import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { VersionStatus } from './lifecycle/lifecycle.js';
import type { VersionManifest } from './manifest/manifest.js';
import type { ModelClassification, ModelProfile } from './model-profile.js';

@Entity({ schema: 'registry', name: 'model' })
export class ModelEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ name: 'intended_use', type: 'text' })
  intendedUse!: string;

  @Column({ type: 'text' })
  limitations!: string;

  @Column({ type: 'text', array: true })
  departments!: string[];

  @Column({ name: 'risk_class', type: 'text' })
  riskClass!: string;

  @Column({ name: 'is_demonstration', type: 'boolean' })
  isDemonstration!: boolean;

  /** Intended use in full: manufacturer, indications, users, environment, workflow (empty for early rows). */
  @Column({ type: 'jsonb', default: {} })
  profile!: Partial<ModelProfile>;

  /** FDA class and pathway, EU MDR Rule 11 class, IEC 62304 class, EU AI Act category, with rationale. */
  @Column({ type: 'jsonb', default: {} })
  classification!: Partial<ModelClassification>;
}

/** What a model is for and who may use it: the part of a model its versions are approved under. */
export type ModelDescription = Pick<
  ModelEntity,
  'intendedUse' | 'limitations' | 'departments' | 'riskClass' | 'profile' | 'classification'
>;

/** A model's description: what a version approved now is approved for. */
export function descriptionOf(model: ModelEntity): ModelDescription {
  const { intendedUse, limitations, departments, riskClass, profile, classification } = model;
  return { intendedUse, limitations, departments, riskClass, profile, classification };
}

/**
 * What a version serves under: the description it was approved under, which a later change of the
 * model's description (for versions still to be approved) does not alter; the model's own for a
 * version not approved yet. No copy: it is read on every gateway call.
 */
export function approvedDescriptionOf(model: ModelEntity, version: ModelVersionEntity): ModelDescription {
  return version.approvedDescription ?? model;
}

/** @deprecated the lifecycle's own name is `VersionStatus`. */
export type ModelVersionStatus = VersionStatus;

@Entity({ schema: 'registry', name: 'model_version' })
export class ModelVersionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'model_id', type: 'uuid' })
  modelId!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'text' })
  status!: VersionStatus;

  @Column({ name: 'backend_url', type: 'text' })
  backendUrl!: string;

  @Column({ name: 'input_schema', type: 'jsonb' })
  inputSchema!: Record<string, unknown>;

  @Column({ name: 'output_schema', type: 'jsonb' })
  outputSchema!: Record<string, unknown>;

  @Column({ name: 'manifest_sha256', type: 'text' })
  manifestSha256!: string;

  /** The full manifest whose SHA-256 is `manifestSha256` (empty for versions older than issue 7). */
  @Column({ type: 'jsonb', default: {} })
  manifest!: Partial<VersionManifest>;

  @Column({ name: 'created_by', type: 'text', default: 'system:migration' })
  createdBy!: string;

  @Column({ name: 'submitted_by', type: 'text', nullable: true })
  submittedBy!: string | null;

  /** The model's description when this version was approved (null before approval). */
  @Column({ name: 'approved_description', type: 'jsonb', nullable: true })
  approvedDescription!: ModelDescription | null;

  /** The change-control-plan modifications this version is declared under (empty: none). */
  @Column({ name: 'pccp_modifications', type: 'text', array: true, default: [] })
  pccpModifications!: string[];
}
