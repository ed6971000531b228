import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** An emergency access grant for one patient (stored as a pseudonym), time-boxed (append-only table). */
@Entity({ schema: 'access', name: 'break_glass_grant' })
export class BreakGlassGrantEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'patient_pseudonym', type: 'text' })
  patientPseudonym!: string;

  @Column({ name: 'grantee_subject', type: 'text' })
  granteeSubject!: string;

  @Column({ name: 'grantee_issuer', type: 'text' })
  granteeIssuer!: string;

  @Column({ name: 'grantee_roles', type: 'text', array: true })
  granteeRoles!: string[];

  @Column({ name: 'reason_code', type: 'text' })
  reasonCode!: string;

  @Column({ type: 'text' })
  justification!: string;

  @Column({ name: 'policy_version', type: 'integer' })
  policyVersion!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}

export type BreakGlassEventKind = 'ended' | 'expired' | 'alert_delivered' | 'alert_failed' | 'reviewed';

/** What happened to a grant after it started: its end, its expiry, its alert, its review. */
@Entity({ schema: 'access', name: 'break_glass_event' })
export class BreakGlassEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'grant_id', type: 'uuid' })
  grantId!: string;

  @Column({ type: 'text' })
  kind!: BreakGlassEventKind;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'text', nullable: true })
  outcome!: string | null;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
