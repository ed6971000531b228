import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import {
  PrincipalSuspensions,
  suspensionAuditEntity,
  type Principal,
  type SuspensionView,
} from '@praesidium/access';
import { AuditTrail, type AuditEntity } from '@praesidium/audit';
import { contentHash } from '@praesidium/digest';
import { ZodPipe } from '@praesidium/problem';
import { auditAgent, auditingRefusal } from '../audit/refusal-audit.js';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';

const reason = z.string().trim().min(1).max(2000);
export const suspensionBody = z
  .object({
    issuer: z.string().min(1).max(2048),
    subject: z.string().min(1).max(255),
    reason,
  })
  .strict();
export const liftBody = z.object({ reason }).strict();
export const suspensionsQuery = z.object({ include: z.enum(['lifted']).optional() }).strict();

/**
 * Suspending a person ("lock out"): a security officer or administrator cuts off a person whose token
 * or laptop was stolen, or whose account is compromised, before their tokens expire. Every gateway,
 * governance process and console session refuses them within a second (`access.principal_suspended`),
 * until the suspension is lifted. Not through four-eyes policy changes: an incident cannot wait. Every
 * attempt is audited, refused ones with their reason code; a record is bound to its stored reason by
 * the SHA-256 of the request (`requestSha256`).
 */
@Controller('access/suspensions')
@UseGuards(PrincipalGuard)
export class SuspensionsController {
  constructor(
    private readonly suspensions: PrincipalSuspensions,
    private readonly trail: AuditTrail,
  ) {}

  @Post()
  @HttpCode(201)
  async suspend(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(suspensionBody)) body: z.infer<typeof suspensionBody>,
  ): Promise<SuspensionView> {
    const person = { suspendedSubject: body.subject, suspendedIssuer: body.issuer };
    return this.audited('principal.suspended', principal, person, contentHash(body), () => {
      requireAbility(principal, 'suspend', 'PrincipalSuspension');
      return this.suspensions.suspendPrincipal(principal, body);
    });
  }

  /** The active suspensions, newest first; `?include=lifted` adds the lifted ones (the history). */
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(suspensionsQuery)) query: z.infer<typeof suspensionsQuery>,
  ) {
    requireAbility(principal, 'read', 'PrincipalSuspension');
    const suspensions = await this.suspensions.listSuspensions(query.include === 'lifted' ? 'all' : 'active');
    return { count: suspensions.length, suspensions };
  }

  @Post(':id/lift')
  @HttpCode(200)
  async lift(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodPipe(liftBody)) body: z.infer<typeof liftBody>,
  ): Promise<SuspensionView> {
    return this.audited(
      'principal.suspension_lifted',
      principal,
      { suspensionId: id },
      contentHash(body),
      () => {
        requireAbility(principal, 'suspend', 'PrincipalSuspension');
        return this.suspensions.liftSuspension(id, principal, body.reason);
      },
    );
  }

  /** Runs a change and audits it either way: its suspension and person on success, else the refusal. */
  private async audited(
    action: string,
    principal: Principal,
    entity: AuditEntity,
    requestSha256: string,
    change: () => Promise<SuspensionView>,
  ): Promise<SuspensionView> {
    const suspension = await auditingRefusal(this.trail, action, principal, entity, change);
    await this.trail.append({
      action,
      outcome: 'success',
      agent: auditAgent(principal),
      entity: suspensionAuditEntity(suspension),
      requestSha256,
    });
    return suspension;
  }
}
