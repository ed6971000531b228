import { Column, Entity, PrimaryColumn } from 'typeorm';

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
}

export type ModelVersionStatus = 'draft' | 'approved' | 'deployed' | 'suspended' | 'retired';

@Entity({ schema: 'registry', name: 'model_version' })
export class ModelVersionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'model_id', type: 'uuid' })
  modelId!: string;

  @Column({ type: 'text' })
  version!: string;

  @Column({ type: 'text' })
  status!: ModelVersionStatus;

  @Column({ name: 'backend_url', type: 'text' })
  backendUrl!: string;

  @Column({ name: 'input_schema', type: 'jsonb' })
  inputSchema!: Record<string, unknown>;

  @Column({ name: 'output_schema', type: 'jsonb' })
  outputSchema!: Record<string, unknown>;

  @Column({ name: 'manifest_sha256', type: 'text' })
  manifestSha256!: string;
}
