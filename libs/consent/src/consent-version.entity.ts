import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ConsentStatus, Provision } from './consent-provision.js';

export type ConsentChange = 'recorded' | 'amended' | 'revoked';

/**
 * One version of a patient's consent. Append-only (the database refuses updates and deletes): a
 * change is a new version, so the history of what the patient agreed to, and when, is never lost.
 * The patient is stored only as a keyed pseudonym; `resource` is the FHIR Consent without its
 * patient and without the source document's bytes.
 */
@Entity({ schema: 'consent', name: 'consent_version' })
export class ConsentVersionEntity {
  @PrimaryColumn({ name: 'consent_id', type: 'uuid' })
  consentId!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

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

  @Column({ type: 'jsonb' })
  resource!: Record<string, unknown>;

  @Column({ name: 'document_id', type: 'uuid', nullable: true })
  documentId!: string | null;

  @Column({ type: 'text' })
  change!: ConsentChange;

  @Column({ name: 'recorded_by', type: 'text' })
  recordedBy!: string;

  @Column({ name: 'verification_method', type: 'text', nullable: true })
  verificationMethod!: string | null;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
