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

  /**
   * The version in force when this one was proposed: what its approver reviews it against, and
   * what must still be in force when it is approved. Null for versions activated by a migration.
   */
  @Column({ name: 'based_on', type: 'integer', nullable: true })
  basedOn!: number | null;
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
