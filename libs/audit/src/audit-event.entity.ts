import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'audit', name: 'stream' })
export class AuditStreamEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  source!: string;

  @Column({ name: 'created_at', type: 'timestamptz', insert: false })
  createdAt!: Date;
}

@Entity({ schema: 'audit', name: 'event' })
export class AuditEventEntity {
  @PrimaryColumn({ name: 'stream_id', type: 'text' })
  streamId!: string;

  // bigint arrives as a string from pg; the chain never gets near 2^53 records per stream.
  @PrimaryColumn({
    type: 'bigint',
    transformer: { to: (value: number) => value, from: (value: string) => Number(value) },
  })
  seq!: number;

  @Column({ type: 'uuid' })
  id!: string;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  @Column({ type: 'text' })
  action!: string;

  @Column({ type: 'text' })
  outcome!: string;

  @Column({ name: 'reason_code', type: 'text', nullable: true })
  reasonCode!: string | null;

  @Column({ name: 'agent_subject', type: 'text', nullable: true })
  agentSubject!: string | null;

  @Column({ name: 'patient_pseudonym', type: 'text', nullable: true })
  patientPseudonym!: string | null;

  @Column({ name: 'model_name', type: 'text', nullable: true })
  modelName!: string | null;

  /** The event's RFC 8785 canonical JSON: the bytes its hash covers, and the only copy kept. */
  @Column({ name: 'event_jcs', type: 'text' })
  eventJcs!: string;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash!: string;

  @Column({ type: 'text' })
  hash!: string;
}
