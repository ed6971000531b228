import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { modelRecordSqlFilter, type AppAbility, type Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { JOB_QUEUE, type JobQueue } from '@praesidium/jobs';
import { ModelRegistry } from '@praesidium/model-registry';
import { ProblemError, ZodPipe } from '@praesidium/problem';
import { DOCUMENT_KINDS, submissionArchive } from '@praesidium/regulatory-docs';
import {
  CurrentAbility,
  CurrentPrincipal,
  lookupInScope,
  PrincipalGuard,
  requireAbilityOnModelRecord,
  requireAbilityOnSome,
} from '../auth/principal.guard.js';
import { registrySubjectOf } from '../models/registry-scope.js';
import { enqueue, requesterFields } from '../jobs/enqueue.js';
import { DOCUMENT_JOB, type DocumentJobData } from './document.job.js';
import {
  DOCUMENT_COLUMNS,
  documentFields,
  DocumentStore,
  SUBMISSION_KIND,
  type DocumentRecord,
} from './document.store.js';

export const generateRequest = z
  .object({
    kind: z.enum([...DOCUMENT_KINDS, SUBMISSION_KIND]),
    model: z.string().trim().min(1).max(200),
    version: z.string().trim().min(1).max(100),
  })
  .strict();

export const listQuery = z
  .object({ model: z.string().trim().min(1).max(200), version: z.string().trim().min(1).max(100) })
  .strict();

export const contentQuery = z.object({ file: z.string().min(1).max(300).optional() }).strict();

/**
 * Regulatory documents of a model version, for regulatory affairs: `POST /documents` queues the
 * generation as a job (progress at `GET /jobs/:id`); the document's metadata carries its
 * completeness report and bundle SHA-256; `GET /documents/:id/content` serves a generated file and
 * `GET /documents/:id/archive` all of them as one ZIP. `kind: "submission"` makes the signed
 * submission bundle (every document, `manifest.jws`), whose archive `praesidium docs verify` checks.
 * Every permission is checked against the document's model as the registry holds it now (its name,
 * departments and risk class: `allowsOnModelRecord`), like the registry's own permissions.
 */
@Controller('documents')
@UseGuards(PrincipalGuard)
export class DocumentsController {
  constructor(
    private readonly store: DocumentStore,
    private readonly registry: ModelRegistry,
    private readonly trail: AuditTrail,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  @Post()
  @HttpCode(202)
  async generate(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Body(new ZodPipe(generateRequest)) body: z.infer<typeof generateRequest>,
    @Req() request: FastifyRequest,
  ) {
    requireAbilityOnSome(principal, 'record', 'RegulatoryDocument');
    // As the registry: a caller narrowed to some models is not told which names exist beyond them.
    const model = await lookupInScope(principal, ['record'], 'RegulatoryDocument', 'model.unknown', () =>
      this.registry.getModel(body.model),
    );
    requireAbilityOnModelRecord(
      principal,
      'record',
      'RegulatoryDocument',
      { id: null, requestedBy: principal.subject, kind: body.kind },
      registrySubjectOf(model),
    );
    // Refused now rather than in the job: an unknown model or version is the caller's mistake.
    await this.registry.getVersion(body.model, body.version);
    const id = await this.store.create({ ...body, requestedBy: principal.subject });
    const jobId = await enqueue<DocumentJobData>(this.jobs, DOCUMENT_JOB, {
      ...requesterFields(principal),
      documentId: id,
    });
    await this.store.setJob(id, jobId);
    await this.trail.append({
      action: 'document.requested',
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: principal.roles },
      entity: { model: body.model, modelVersion: body.version },
      correlationId: String(request.id),
    });
    return { id, jobId, status: 'queued' };
  }

  /**
   * The documents generated for one model version that the caller may read, newest first (metadata,
   * no content): the policy's conditions are the query's WHERE clause, on each document and its model.
   */
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Query(new ZodPipe(listQuery)) query: z.infer<typeof listQuery>,
  ) {
    requireAbilityOnSome(principal, 'read', 'RegulatoryDocument');
    const filter = modelRecordSqlFilter(ability, 'read', 'RegulatoryDocument', DOCUMENT_COLUMNS);
    return this.store.list(query.model, query.version, filter);
  }

  @Get(':id')
  async get(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Param('id', new ParseUUIDPipe()) id: string,
  ) {
    return this.readableDocument(principal, ability, id);
  }

  @Get(':id/content')
  async content(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentAbility() ability: AppAbility,
    @Query(new ZodPipe(contentQuery)) query: z.infer<typeof contentQuery>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const record = await this.readableDocument(principal, ability, id);
    if (record.status !== 'completed') throw new ProblemError('document.not_ready');
    const file = await this.store.file(id, query.file);
    if (!file) throw new ProblemError('request.not_found', 'no such file in the document');
    reply.header('content-type', file.mediaType);
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
    reply.header('digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`);
    return file.encoding === 'base64' ? Buffer.from(file.content, 'base64') : file.content;
  }

  @Get(':id/archive')
  async archive(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const record = await this.readableDocument(principal, ability, id);
    if (record.status !== 'completed') throw new ProblemError('document.not_ready');
    // The folder holds the bundle alone: extracted, it is what `docs verify` takes.
    const folder = `${record.model}-${record.version}-${record.kind}`.replace(/[^A-Za-z0-9._-]/g, '_');
    const archive = Buffer.from(submissionArchive(await this.store.files(id), folder));
    reply.header('content-type', 'application/zip');
    reply.header('content-disposition', `attachment; filename="${folder}.zip"`);
    reply.header('digest', `sha-256=${createHash('sha256').update(archive).digest('base64')}`);
    return archive;
  }

  /**
   * The document, once the caller may read it and its model. One that does not exist is
   * `access.denied` for a caller whose conditions narrow (as the registry answers for a model), and
   * `request.not_found` for one allowed on every document.
   */
  private async readableDocument(
    principal: Principal,
    ability: AppAbility,
    id: string,
  ): Promise<DocumentRecord> {
    requireAbilityOnSome(principal, 'read', 'RegulatoryDocument');
    const found = await lookupInScope(principal, ['read'], 'RegulatoryDocument', 'request.not_found', () =>
      this.store.findWithModel(id),
    );
    requireAbilityOnModelRecord(
      principal,
      'read',
      'RegulatoryDocument',
      documentFields(found.record),
      found.model,
    );
    return found.record;
  }
}
