import type { DataSource, EntityManager } from 'typeorm';
import { ProblemError } from '@praesidium/problem';
import { announceLocalConsentChange, CONSENT_CHANNEL } from './consent-change-feed.js';
import { ConsentVersionEntity } from './consent-version.entity.js';
import { SourceDocumentEntity } from './source-document.entity.js';

const UNIQUE_VIOLATION = '23505';

/** Reads and appends consent versions; never updates or deletes one (the database refuses it too). */
export class ConsentStore {
  constructor(private readonly dataSource: DataSource) {}

  /** The latest version of every consent of a patient, newest consent first. */
  async latestForPatient(patientPseudonym: string): Promise<ConsentVersionEntity[]> {
    const latest = await this.dataSource
      .getRepository(ConsentVersionEntity)
      .createQueryBuilder('v')
      .distinctOn(['v.consent_id'])
      .where('v.patient_pseudonym = :patientPseudonym', { patientPseudonym })
      .orderBy('v.consent_id')
      .addOrderBy('v.version', 'DESC')
      .getMany();
    return latest.sort((a, b) => b.dateTime.getTime() - a.dateTime.getTime());
  }

  /** Every version of one consent, oldest first. */
  history(consentId: string): Promise<ConsentVersionEntity[]> {
    return this.dataSource
      .getRepository(ConsentVersionEntity)
      .find({ where: { consentId }, order: { version: 'ASC' } });
  }

  async latest(consentId: string): Promise<ConsentVersionEntity | undefined> {
    const [latest] = await this.dataSource
      .getRepository(ConsentVersionEntity)
      .find({ where: { consentId }, order: { version: 'DESC' }, take: 1 });
    return latest;
  }

  document(id: string): Promise<SourceDocumentEntity | null> {
    return this.dataSource.getRepository(SourceDocumentEntity).findOne({ where: { id } });
  }

  /**
   * Appends a version (and its new source document) in one transaction that also notifies every
   * gateway: PostgreSQL delivers the NOTIFY on commit, so no instance hears of a change it cannot read.
   * Two concurrent changes of one consent cannot both be version N+1: the loser gets a conflict.
   */
  async append(version: ConsentVersionEntity, document?: SourceDocumentEntity): Promise<void> {
    try {
      await this.dataSource.transaction(async (manager: EntityManager) => {
        if (document) await manager.insert(SourceDocumentEntity, document);
        // TypeORM's deep-partial type cannot follow an open jsonb record; the entity is complete.
        await manager.insert(ConsentVersionEntity, version as never);
        await manager.query('SELECT pg_notify($1, $2)', [CONSENT_CHANNEL, version.patientPseudonym]);
      });
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION)
        throw new ProblemError('consent.version_conflict');
      throw error;
    }
    announceLocalConsentChange(version.patientPseudonym);
  }

  /** Documents whose data key is wrapped by another key than `kekId`, a batch at a time. */
  documentsNotUnder(kekId: string, limit: number): Promise<SourceDocumentEntity[]> {
    return this.dataSource
      .getRepository(SourceDocumentEntity)
      .createQueryBuilder('d')
      .select(['d.id', 'd.wrappedKey', 'd.kekId'])
      .where('d.kek_id <> :kekId', { kekId })
      .orderBy('d.id')
      .limit(limit)
      .getMany();
  }

  /** Replaces a document's wrapped data key (the only change the database allows on it). */
  async rewrapDocument(
    id: string,
    previousKekId: string,
    wrappedKey: Buffer,
    kekId: string,
  ): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(SourceDocumentEntity)
      .update({ id, kekId: previousKekId }, { wrappedKey, kekId, rewrappedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }
}
