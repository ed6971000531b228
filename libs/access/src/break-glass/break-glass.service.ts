import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { ProblemError } from '@praesidium/problem';
import { mayBeSamePerson } from '../identity.js';
import type { Principal } from '../principal.js';
import {
  grantView,
  isGrantHolder,
  type BreakGlassReason,
  type GrantView,
  type ReviewOutcome,
} from './break-glass-grant.js';
import {
  BreakGlassEventEntity,
  BreakGlassGrantEntity,
  type BreakGlassEventKind,
} from './break-glass.entity.js';

export interface EmergencyDeclaration {
  readonly principal: Principal;
  readonly patientPseudonym: string;
  readonly reasonCode: BreakGlassReason;
  readonly justification: string;
  readonly policyVersion: number;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Break-glass grants (HIPAA 164.312(a)(2)(ii) emergency access): declared for one patient, for
 * PRAESIDIUM_BREAK_GLASS_MINUTES, closed by an explicit end or by expiry, then reviewed by a security
 * officer. Every step is a row of an append-only table.
 */
@Injectable()
export class BreakGlassGrants {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  /**
   * Opens a grant once `announce` (the declaration's audit record) has succeeded: the grant is stored
   * only after, so no emergency access exists that the trail does not show. If storing then fails,
   * the trail names a grant that never opened (fail closed).
   */
  async declareEmergency(
    declaration: EmergencyDeclaration,
    announce: (grant: GrantView) => Promise<void>,
    now = new Date(),
  ): Promise<GrantView> {
    const grant: BreakGlassGrantEntity = {
      id: randomUUID(),
      patientPseudonym: declaration.patientPseudonym,
      granteeSubject: declaration.principal.subject,
      granteeIssuer: declaration.principal.issuer,
      granteeRoles: [...declaration.principal.roles],
      reasonCode: declaration.reasonCode,
      justification: declaration.justification,
      policyVersion: declaration.policyVersion,
      startedAt: now,
      expiresAt: new Date(now.getTime() + Math.round(this.config.breakGlass.minutes * 60_000)),
    };
    const view = this.view(grant, [], now);
    await announce(view);
    await this.dataSource.getRepository(BreakGlassGrantEntity).insert(grant);
    return view;
  }

  /** The grant under which this caller may reach this patient now, if any (the gateway's question). */
  async activeGrantFor(
    principal: Principal,
    patientPseudonym: string,
    now = new Date(),
  ): Promise<string | undefined> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT g.id FROM access.break_glass_grant g
        WHERE g.grantee_subject = $1 AND g.grantee_issuer = $2 AND g.patient_pseudonym = $3
          AND g.started_at <= $4 AND g.expires_at > $4
          AND NOT EXISTS (SELECT 1 FROM access.break_glass_event e
                           WHERE e.grant_id = g.id AND e.kind IN ('ended', 'expired'))
        ORDER BY g.started_at DESC LIMIT 1`,
      [principal.subject, principal.issuer, patientPseudonym, now],
    );
    return rows[0]?.id;
  }

  /** Ends an active grant early; only its holder (subject and issuer) ends it. */
  async endGrant(id: string, principal: Principal, now = new Date()): Promise<GrantView> {
    const current = await this.getGrant(id, now);
    if (!isGrantHolder(current, principal)) throw new ProblemError('access.denied');
    if (current.state !== 'active') throw new ProblemError('break_glass.closed');
    await this.addEvent(id, 'ended', principal.subject, now);
    return this.getGrant(id, now);
  }

  /** Records the expiry of every grant past its time box not closed yet; returns those it closed. */
  async expireDue(now = new Date()): Promise<GrantView[]> {
    const due = await this.dataSource
      .getRepository(BreakGlassGrantEntity)
      .createQueryBuilder('g')
      .where('g.expires_at <= :now', { now })
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM access.break_glass_event e WHERE e.grant_id = g.id AND e.kind IN ('ended', 'expired'))`,
      )
      .getMany();
    const expired: GrantView[] = [];
    for (const grant of due) {
      // Another instance may record the same expiry first: the unique index keeps one.
      if (await this.addEvent(grant.id, 'expired', 'system:expiry', grant.expiresAt, true))
        expired.push(await this.getGrant(grant.id, now));
    }
    return expired;
  }

  /** A security officer's review of a closed grant, once. */
  async reviewGrant(
    id: string,
    reviewer: string,
    outcome: ReviewOutcome,
    comment: string | undefined,
    now = new Date(),
  ): Promise<GrantView> {
    const current = await this.getGrant(id, now);
    // Nobody reviews their own emergency access, whatever roles they hold; nor does their namesake at
    // another issuer (separation of duties: see `mayBeSamePerson`).
    if (mayBeSamePerson({ subject: current.grantee }, { subject: reviewer }))
      throw new ProblemError('access.denied', 'a grant is reviewed by someone else');
    if (current.state === 'active') throw new ProblemError('break_glass.not_ended');
    if (current.review) throw new ProblemError('break_glass.closed', 'the grant has already been reviewed');
    if (!(await this.addEvent(id, 'reviewed', reviewer, now, true, outcome, comment)))
      throw new ProblemError('break_glass.closed', 'the grant has already been reviewed');
    return this.getGrant(id, now);
  }

  async recordAlert(id: string, delivered: boolean): Promise<void> {
    await this.addEvent(id, delivered ? 'alert_delivered' : 'alert_failed', 'system:alert', new Date());
  }

  async getGrant(id: string, now = new Date()): Promise<GrantView> {
    const grant = await this.dataSource.getRepository(BreakGlassGrantEntity).findOneBy({ id });
    if (!grant) throw new ProblemError('break_glass.not_found');
    const events = await this.dataSource
      .getRepository(BreakGlassEventEntity)
      .find({ where: { grantId: id } });
    return this.view(grant, events, now);
  }

  /**
   * Every grant, newest first (the alert list), or those still awaiting review, oldest first (the
   * review tasks: the longest overdue must not fall off the end of the list), each up to `limit`,
   * with how many there are in all.
   */
  async listGrants(
    only: 'all' | 'awaiting-review',
    now = new Date(),
    limit = 200,
  ): Promise<{ total: number; grants: GrantView[] }> {
    const query = this.dataSource
      .getRepository(BreakGlassGrantEntity)
      .createQueryBuilder('g')
      .orderBy('g.started_at', only === 'all' ? 'DESC' : 'ASC')
      .addOrderBy('g.id', 'ASC')
      .limit(limit);
    if (only === 'awaiting-review')
      query.where(
        `NOT EXISTS (SELECT 1 FROM access.break_glass_event e WHERE e.grant_id = g.id AND e.kind = 'reviewed')`,
      );
    const [grants, total] = await Promise.all([query.getMany(), query.clone().limit(undefined).getCount()]);
    return { total, grants: await this.withEvents(grants, now) };
  }

  private async withEvents(grants: readonly BreakGlassGrantEntity[], now: Date): Promise<GrantView[]> {
    if (grants.length === 0) return [];
    const events = await this.dataSource
      .getRepository(BreakGlassEventEntity)
      .createQueryBuilder('e')
      .where('e.grant_id IN (:...ids)', { ids: grants.map((grant) => grant.id) })
      .getMany();
    return grants.map((grant) =>
      this.view(
        grant,
        events.filter((event) => event.grantId === grant.id),
        now,
      ),
    );
  }

  private view(grant: BreakGlassGrantEntity, events: readonly BreakGlassEventEntity[], now: Date): GrantView {
    return grantView(grant, events, now, this.config.breakGlass.webhookUrl !== undefined);
  }

  /** Appends an event; with `once`, a duplicate of a once-only kind returns false instead of throwing. */
  private async addEvent(
    grantId: string,
    kind: BreakGlassEventKind,
    actor: string,
    at: Date,
    once = false,
    outcome?: string,
    comment?: string,
  ): Promise<boolean> {
    try {
      await this.dataSource.getRepository(BreakGlassEventEntity).insert({
        grantId,
        kind,
        actor,
        at,
        outcome: outcome ?? null,
        comment: comment ?? null,
      });
      return true;
    } catch (error) {
      if (once && (error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION)
        return false;
      throw error;
    }
  }
}
