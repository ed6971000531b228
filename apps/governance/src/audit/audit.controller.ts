import { Body, Controller, Get, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { JOB_QUEUE, type JobQueue } from '@praesidium/jobs';
import { Pseudonymizer } from '@praesidium/keys';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';
import { enqueue } from '../jobs/enqueue.js';
import { AUDIT_VERIFY_JOB } from './audit-verify.job.js';

const searchQuery = z
  .object({
    action: z.string().max(64).optional(),
    outcome: z.enum(['success', 'refused', 'failure']).optional(),
    reason_code: z.string().max(64).optional(),
    agent: z.string().max(256).optional(),
    patient: z.string().max(256).optional(),
    model: z.string().max(128).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

@Controller('audit')
@UseGuards(PrincipalGuard)
export class AuditController {
  constructor(
    private readonly trail: AuditTrail,
    private readonly pseudonymizer: Pseudonymizer,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  /** Search the trail; a patient is looked up by the pseudonym of the reference the officer typed. */
  @Get('events')
  async search(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(searchQuery)) query: z.infer<typeof searchQuery>,
  ) {
    requireAbility(principal, 'read', 'AuditTrail');
    const records = await this.trail.search({
      action: query.action,
      outcome: query.outcome,
      reasonCode: query.reason_code,
      agentSubject: query.agent,
      patientPseudonym: query.patient ? this.pseudonymizer.pseudonymize(query.patient) : undefined,
      modelName: query.model,
      since: query.since ? new Date(query.since) : undefined,
      until: query.until ? new Date(query.until) : undefined,
      limit: query.limit,
    });
    await this.trail.append({
      action: 'audit.searched',
      outcome: 'success',
      agent: { subject: principal.subject, roles: principal.roles },
    });
    return { count: records.length, records };
  }

  /** Starts a verification of every chain as a job; poll `GET /jobs/{id}` for progress and the result. */
  @Post('verifications')
  @HttpCode(202)
  async verify(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(z.object({}).strict().optional())) _body: unknown,
  ) {
    requireAbility(principal, 'verify', 'AuditTrail');
    const id = await enqueue(this.jobs, AUDIT_VERIFY_JOB, { requestedBy: principal.subject });
    return { job: id, status: `/jobs/${id}` };
  }
}
