import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import {
  BREAK_GLASS_REASONS,
  BreakGlassGrants,
  isGrantHolder,
  PolicyStore,
  REVIEW_OUTCOMES,
  type GrantView,
  type Principal,
} from '@praesidium/access';
import { AuditTrail, type AuditEntity } from '@praesidium/audit';
import { ConsentService } from '@praesidium/consent';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';
import { BreakGlassAlerter } from './break-glass-alerter.js';
import { BreakGlassExpiry } from './break-glass-expiry.js';

export const declaration = z
  .object({
    patient: z.string().trim().min(1).max(256),
    reasonCode: z.enum(BREAK_GLASS_REASONS),
    justification: z.string().trim().min(10).max(2000),
  })
  .strict();
export const review = z
  .object({
    outcome: z.enum(REVIEW_OUTCOMES),
    comment: z.string().trim().max(2000).optional(),
  })
  .strict();

/**
 * Break-glass emergency access (HIPAA 164.312(a)(2)(ii)): a role the policy allows declares an
 * emergency for one patient, which lets it past a consent denial for ETREAT/BTG calls until the grant
 * ends or expires; every declaration is alerted and becomes a review task for a security officer.
 */
@Controller('break-glass')
@UseGuards(PrincipalGuard)
export class BreakGlassController {
  constructor(
    private readonly grants: BreakGlassGrants,
    private readonly policies: PolicyStore,
    private readonly consents: ConsentService,
    private readonly trail: AuditTrail,
    private readonly alerter: BreakGlassAlerter,
    private readonly expiry: BreakGlassExpiry,
  ) {}

  @Post()
  @HttpCode(201)
  async declare(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(declaration)) body: z.infer<typeof declaration>,
  ) {
    requireAbility(principal, 'declare', 'BreakGlass');
    const patientPseudonym = this.consents.pseudonymize(body.patient);
    const grant = await this.grants.declareEmergency(
      {
        principal,
        patientPseudonym,
        reasonCode: body.reasonCode,
        justification: body.justification,
        policyVersion: this.policies.active().version,
      },
      (opening) => this.audited('break_glass.started', principal, opening, { patientPseudonym }),
    );
    this.expiry.schedule(grant);
    this.alerter.raise(grant);
    return grant;
  }

  /** The holder ends the emergency before its time box is over. */
  @Post(':id/end')
  @HttpCode(200)
  async end(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    requireAbility(principal, 'declare', 'BreakGlass');
    const grant = await this.grants.endGrant(id, principal);
    await this.audited('break_glass.ended', principal, grant);
    return grant;
  }

  /** Every declaration, newest first, with the delivery state of its webhook alert. */
  @Get('alerts')
  async alerts(@CurrentPrincipal() principal: Principal) {
    requireAbility(principal, 'read', 'BreakGlass');
    const { total, grants } = await this.grants.listGrants('all');
    return { count: grants.length, total, alerts: grants };
  }

  /** The review tasks: grants no security officer has reviewed yet, the oldest first. */
  @Get('reviews')
  async reviews(@CurrentPrincipal() principal: Principal) {
    requireAbility(principal, 'read', 'BreakGlass');
    const { total, grants } = await this.grants.listGrants('awaiting-review');
    return { count: grants.length, total, reviews: grants };
  }

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    const grant = await this.grants.getGrant(id);
    if (!isGrantHolder(grant, principal)) requireAbility(principal, 'read', 'BreakGlass');
    return grant;
  }

  /** A security officer's review of an ended or expired grant (once). */
  @Post(':id/review')
  @HttpCode(200)
  async review(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodPipe(review)) body: z.infer<typeof review>,
  ) {
    requireAbility(principal, 'review', 'BreakGlass');
    const grant = await this.grants.reviewGrant(id, principal.subject, body.outcome, body.comment);
    await this.audited('break_glass.reviewed', principal, grant);
    return grant;
  }

  private async audited(
    action: string,
    principal: Principal,
    grant: GrantView,
    entity: AuditEntity = {},
  ): Promise<void> {
    await this.trail.append({
      action,
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: principal.roles },
      entity: { ...entity, breakGlassGrantId: grant.id, policyVersion: this.policies.activeVersion() },
      purposeOfUse: 'BTG',
    });
  }
}
