import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ConsentStatus, Provision } from './consent-provision.js';

/** A patient's consent; the patient is stored only as a keyed pseudonym. */
@Entity({ schema: 'consent', name: 'consent' })
export class ConsentEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'patient_pseudonym', type: 'text' })
  patientPseudonym!: string;

  @Column({ type: 'text' })
  status!: ConsentStatus;

  @Column({ type: 'text' })
  scope!: string;

  @Column({ name: 'date_time', type: 'timestamptz' })
  dateTime!: Date;

  @Column({ type: 'jsonb' })
  provision!: Provision;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'recorded_by', type: 'text' })
  recordedBy!: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
