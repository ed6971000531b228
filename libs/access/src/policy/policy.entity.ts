import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A proposed policy document, kept forever with its author and reason (append-only table). */
@Entity({ schema: 'access', name: 'policy_version' })
export class PolicyVersionEntity {
  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: 'jsonb' })
  document!: Record<string, unknown>;

  @Column({ type: 'text' })
  sha256!: string;

  @Column({ type: 'text' })
  author!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** The approval that activated a version; the latest activation is the policy in force. */
@Entity({ schema: 'access', name: 'policy_activation' })
export class PolicyActivationEntity {
  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ name: 'approved_by', type: 'text' })
  approvedBy!: string;

  @Column({ name: 'activated_at', type: 'timestamptz' })
  activatedAt!: Date;
}
