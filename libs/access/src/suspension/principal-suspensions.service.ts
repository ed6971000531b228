import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { ProblemError } from '@praesidium/problem';
import { mayBeSamePerson, type Identity } from '../identity.js';
import { PrincipalSuspensionEntity } from './principal-suspension.entity.js';
import { checkNotSelf, suspensionView, type SuspensionView } from './principal-suspension.js';
import { suspensionChanges } from './suspension-bus.js';

/** Whom to suspend, and why. */
export interface SuspensionRequest extends Identity {
  readonly reason: string;
}

const UNIQUE_VIOLATION = '23505';
/** The row with the entity's property names, for RETURNING. */
const COLUMNS = `id, issuer, subject, reason, suspended_by_subject AS "suspendedBySubject",
  suspended_by_issuer AS "suspendedByIssuer", suspended_at AS "suspendedAt", lifted_at AS "liftedAt",
  lifted_by_subject AS "liftedBySubject", lifted_by_issuer AS "liftedByIssuer", lift_reason AS "liftReason"`;

/**
 * Suspending people (locking out a stolen token's or a compromised account's owner at once, whatever
 * their tokens' expiry) and lifting it. Each change is a committed row first, then news to this
 * process's verifiers (`suspensionChanges`); other processes read it within a second. Times are the
 * database's, so a lift is never before its suspension whatever the clocks of the processes.
 *
 * Each change is decided under a lock on the table, and refused to an author suspended meanwhile
 * (`access.principal_suspended`): their request passed a process's list up to a second old, so two
 * officers suspending each other at once would otherwise lock each other out, and a suspended
 * officer could still lift or make suspensions in that second.
 */
@Injectable()
export class PrincipalSuspensions {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  /**
   * Suspends a person of a trusted issuer. Refused for the caller's own identity (`suspension.self`)
   * and for a person already suspended (`suspension.already_active`).
   */
  async suspendPrincipal(actor: Identity, request: SuspensionRequest): Promise<SuspensionView> {
    checkNotSelf(actor, request);
    if (!this.config.auth.issuers.some((issuer) => issuer.issuer === request.issuer))
      throw new ProblemError('request.invalid', 'the issuer is not one of the trusted issuers');
    const rows = await this.dataSource.transaction(async (manager) => {
      await lockAgainst(manager, actor);
      try {
        return await manager.query<PrincipalSuspensionEntity[]>(
          `INSERT INTO access.principal_suspension
             (id, issuer, subject, reason, suspended_by_subject, suspended_by_issuer)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
          [randomUUID(), request.issuer, request.subject, request.reason, actor.subject, actor.issuer],
        );
      } catch (error) {
        if ((error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION)
          throw new ProblemError('suspension.already_active');
        throw error;
      }
    });
    suspensionChanges.emit('changed', { issuer: request.issuer, subject: request.subject, suspended: true });
    return suspensionView(rows[0]);
  }

  /**
   * Lifts an active suspension (`suspension.not_found`, `suspension.lifted` otherwise). Nobody lifts a
   * suspension of their own subject (`suspension.self`), at any issuer: one directory may be trusted
   * under two issuer names, and its person is still the one locked out.
   */
  async liftSuspension(id: string, actor: Identity, reason: string): Promise<SuspensionView> {
    const lifted = await this.dataSource.transaction(async (manager) => {
      await lockAgainst(manager, actor);
      const found = await manager.findOneBy(PrincipalSuspensionEntity, { id });
      if (!found) throw new ProblemError('suspension.not_found');
      if (found.liftedAt !== null) throw new ProblemError('suspension.lifted');
      if (mayBeSamePerson(actor, found)) throw new ProblemError('suspension.self');
      const [rows]: [PrincipalSuspensionEntity[], number] = await manager.query(
        `UPDATE access.principal_suspension
            SET lifted_at = clock_timestamp(), lifted_by_subject = $2, lifted_by_issuer = $3, lift_reason = $4
          WHERE id = $1 AND lifted_at IS NULL RETURNING ${COLUMNS}`,
        [id, actor.subject, actor.issuer, reason],
      );
      return rows[0];
    });
    suspensionChanges.emit('changed', { issuer: lifted.issuer, subject: lifted.subject, suspended: false });
    return suspensionView(lifted);
  }

  async getSuspension(id: string): Promise<SuspensionView> {
    const row = await this.repository().findOneBy({ id });
    if (!row) throw new ProblemError('suspension.not_found');
    return suspensionView(row);
  }

  /** The active suspensions, or every suspension with the lifted ones (history); newest first. */
  async listSuspensions(include: 'active' | 'all', limit = 500): Promise<SuspensionView[]> {
    const rows = await this.repository().find({
      where: include === 'active' ? { liftedAt: IsNull() } : {},
      order: { suspendedAt: 'DESC', id: 'ASC' },
      take: limit,
    });
    return rows.map(suspensionView);
  }

  private repository() {
    return this.dataSource.getRepository(PrincipalSuspensionEntity);
  }
}

/**
 * Takes the table's change lock (writers one at a time; the lists every process reads are not held
 * up), then refuses an author who is suspended now, whatever the list their request passed.
 */
async function lockAgainst(manager: EntityManager, actor: Identity): Promise<void> {
  await manager.query(`LOCK TABLE access.principal_suspension IN SHARE ROW EXCLUSIVE MODE`);
  const [row]: unknown[] = await manager.query(
    `SELECT 1 FROM access.principal_suspension WHERE issuer = $1 AND subject = $2 AND lifted_at IS NULL`,
    [actor.issuer, actor.subject],
  );
  if (row) throw new ProblemError('access.principal_suspended');
}
