import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A person locked out by a security officer: the subject at the issuer their tokens name. Lifted once,
 * by filling in the lift columns; the database refuses any other change and every delete.
 */
@Entity({ schema: 'access', name: 'principal_suspension' })
export class PrincipalSuspensionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  issuer!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'suspended_by_subject', type: 'text' })
  suspendedBySubject!: string;

  @Column({ name: 'suspended_by_issuer', type: 'text' })
  suspendedByIssuer!: string;

  @Column({ name: 'suspended_at', type: 'timestamptz' })
  suspendedAt!: Date;

  @Column({ name: 'lifted_at', type: 'timestamptz', nullable: true })
  liftedAt!: Date | null;

  @Column({ name: 'lifted_by_subject', type: 'text', nullable: true })
  liftedBySubject!: string | null;

  @Column({ name: 'lifted_by_issuer', type: 'text', nullable: true })
  liftedByIssuer!: string | null;

  @Column({ name: 'lift_reason', type: 'text', nullable: true })
  liftReason!: string | null;
}
