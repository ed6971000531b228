import { Body, Controller, Get, HttpCode, Inject, Post, Query, Res, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import type { Principal } from '@praesidium/access';
import {
  AuditTrail,
  countDecisions,
  toCsv,
  toFhirAuditBundle,
  toNdjson,
  type AuditEventInput,
  type AuditSearch,
} from '@praesidium/audit';
import { JOB_QUEUE, type JobQueue } from '@praesidium/jobs';
import { Pseudonymizer } from '@praesidium/keys';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';
import { enqueue, requesterFields } from '../jobs/enqueue.js';
import { AUDIT_VERIFY_JOB, type AuditVerifyRequest } from './audit-verify.job.js';

export const searchQuery = z
  .object({
    action: z.string().max(64).optional(),
    outcome: z.enum(['success', 'refused', 'failure']).optional(),
    reason_code: z.string().max(64).optional(),
    agent: z.string().max(256).optional(),
    patient: z.string().max(256).optional(),
    model: z.string().max(128).optional(),
    role: z.string().max(64).optional(),
    purpose_of_use: z.string().max(32).optional(),
    cursor: z.string().max(512).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const verifyBody = z
  .object({ fromCheckpoint: z.number().int().min(1).optional() })
  .strict()
  .optional();

export const exportQuery = searchQuery.extend({ format: z.enum(['ndjson', 'csv', 'fhir']) }).strict();

const BUCKETS = { minute: 60, hour: 3600, day: 86400 } as const;
export const decisionsQuery = z
  .object({
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    bucket: z.enum(['minute', 'hour', 'day']).default('hour'),
  })
  .strict();
/** At most this many buckets per answer (a week of hours, a day and a bit of minutes). */
const MAX_BUCKETS = 24 * 7;

const EXPORT_TYPES = {
  ndjson: { contentType: 'application/x-ndjson', extension: 'ndjson' },
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  fhir: { contentType: 'application/fhir+json', extension: 'json' },
} as const;

@Controller('audit')
@UseGuards(PrincipalGuard)
export class AuditController {
  constructor(
    private readonly trail: AuditTrail,
    private readonly pseudonymizer: Pseudonymizer,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Gateway decisions (allowed, refused by reason code) counted per minute, hour or day: the security
   * officer's live view. Counts only, so reading them is not itself audited (a live view polls).
   */
  @Get('decisions')
  async decisions(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(decisionsQuery)) query: z.infer<typeof decisionsQuery>,
  ) {
    requireAbility(principal, 'read', 'AuditTrail');
    const bucketSeconds = BUCKETS[query.bucket];
    const until = query.until ? new Date(query.until) : new Date();
    const earliest = new Date(until.getTime() - MAX_BUCKETS * bucketSeconds * 1000);
    const asked = query.since ? new Date(query.since) : new Date(until.getTime() - 24 * 3600 * 1000);
    const since = asked < earliest ? earliest : asked;
    const counts = await countDecisions(this.dataSource, { since, until, bucketSeconds });
    return { since: since.toISOString(), until: until.toISOString(), bucket: query.bucket, counts };
  }

  /** Search the trail; a patient is looked up by the pseudonym of the reference the officer typed. */
  @Get('events')
  async search(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(searchQuery)) query: z.infer<typeof searchQuery>,
  ) {
    requireAbility(principal, 'read', 'AuditTrail');
    const search = this.toSearch(query);
    const page = await this.trail.search(search);
    await this.trail.append(this.readRecord('audit.searched', principal, search));
    return { count: page.records.length, records: page.records, nextCursor: page.nextCursor ?? null };
  }

  /** The same search as a download: NDJSON (as hashed), CSV (formula-safe) or a FHIR R4 Bundle of AuditEvents. */
  @Get('export')
  async export(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(exportQuery)) query: z.infer<typeof exportQuery>,
    @Res() reply: FastifyReply,
  ) {
    requireAbility(principal, 'read', 'AuditTrail');
    const search = this.toSearch(query);
    const { records, nextCursor } = await this.trail.search(search);
    if (nextCursor) void reply.header('x-next-cursor', nextCursor);
    await this.trail.append(this.readRecord('audit.exported', principal, search));
    const body =
      query.format === 'csv'
        ? toCsv(records)
        : query.format === 'ndjson'
          ? toNdjson(records)
          : JSON.stringify(toFhirAuditBundle(records));
    const { contentType, extension } = EXPORT_TYPES[query.format];
    await reply
      .header('content-type', contentType)
      .header('content-disposition', `attachment; filename="praesidium-audit.${extension}"`)
      .send(body);
  }

  /**
   * The record of a search or export: who ran it (subject and issuer) and, when it was about one
   * patient, that patient's pseudonym, so a look into one patient's trail is itself on that trail.
   */
  private readRecord(action: string, principal: Principal, search: AuditSearch): AuditEventInput {
    return {
      action,
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: principal.roles },
      ...(search.patientPseudonym ? { entity: { patientPseudonym: search.patientPseudonym } } : {}),
    };
  }

  private toSearch(query: z.infer<typeof searchQuery>): AuditSearch {
    return {
      action: query.action,
      outcome: query.outcome,
      reasonCode: query.reason_code,
      agentSubject: query.agent,
      patientPseudonym: query.patient ? this.pseudonymizer.pseudonymize(query.patient) : undefined,
      modelName: query.model,
      role: query.role,
      purposeOfUse: query.purpose_of_use,
      cursor: query.cursor,
      since: query.since ? new Date(query.since) : undefined,
      until: query.until ? new Date(query.until) : undefined,
      limit: query.limit,
    };
  }

  /** Starts a verification of every chain as a job; poll `GET /jobs/{id}` for progress and the result. */
  @Post('verifications')
  @HttpCode(202)
  async verify(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(verifyBody)) body: z.infer<typeof verifyBody>,
  ) {
    requireAbility(principal, 'verify', 'AuditTrail');
    const request: AuditVerifyRequest = {
      ...requesterFields(principal),
      fromCheckpoint: body?.fromCheckpoint,
    };
    const id = await enqueue(this.jobs, AUDIT_VERIFY_JOB, request);
    return { job: id, status: `/jobs/${id}` };
  }
}
