import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { sha256Hex } from '@praesidium/digest';
import { Readable } from 'node:stream';
import { z } from 'zod';
import {
  type ModelVersionSubject,
  modelRecordSqlFilter,
  type Action,
  type AppAbility,
  type Principal,
} from '@praesidium/access';
import {
  biasReportSettingsSchema,
  columnMappingSchema,
  mappingAndSettingsFromFlags,
  parseEvaluation,
  SETTINGS_FLAGS,
} from '@praesidium/fairness';
import { AuditTrail } from '@praesidium/audit';
import { Datasets, SIGNATURE_MEANINGS } from '@praesidium/model-registry';
import { JOB_QUEUE, type JobQueue } from '@praesidium/jobs';
import { ProblemError, ZodPipe } from '@praesidium/problem';
import {
  CurrentAbility,
  CurrentPrincipal,
  lookupInScope,
  PrincipalGuard,
  requireAbilityOnModelRecord,
  requireAbilityOnSome,
} from '../auth/principal.guard.js';
import { enqueue, requesterFields } from '../jobs/enqueue.js';
import { BIAS_REPORT_JOB, type BiasReportJobData } from './bias-report.job.js';
import { BiasReportSignOff } from './bias-report-sign-off.js';
import {
  BIAS_REPORT_COLUMNS,
  biasReportFields,
  BiasReportStore,
  type BiasReportRecord,
} from './bias-report.store.js';
import { datasetInputRefusal } from './dataset-input.js';
import { EVALUATION_MEDIA_TYPES } from './evaluation-upload.js';

export const uploadQuery = z
  .object({
    ...Object.fromEntries(SETTINGS_FLAGS.map((flag) => [flag, z.string().max(2000).optional()])),
    name: z.string().trim().min(1).max(200).optional(),
    /** The model version this evaluation is of (a registry reference, kept as given). */
    modelVersion: z.string().trim().min(1).max(200).optional(),
    /** A registry dataset this file is: its content hash must be the file's SHA-256. */
    dataset: z.string().uuid().optional(),
  })
  .strict();
type UploadQuery = z.infer<typeof uploadQuery> & Partial<Record<(typeof SETTINGS_FLAGS)[number], string>>;

export const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(200) }).strict();

export const comment = z.object({ body: z.string().trim().min(1).max(4000) }).strict();

/** A sign-off: as the registry's signatures, on the report's `reportSha256`, by an ethics-board member. */
export const signOff = z
  .object({
    role: z.literal('ethics-board'),
    meaning: z.enum(SIGNATURE_MEANINGS),
    recordSha256: z.string().regex(/^[0-9a-f]{64}$/),
    pin: z.string().min(1).max(200),
    printedName: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/**
 * Bias reports for ethics boards: a model owner uploads an evaluation file (CSV or NDJSON as the body)
 * with the column mapping and settings as query parameters; it is validated before anything is stored,
 * aggregated, and computed by a job. Ethics-board members read it, comment, and sign it off with a
 * 21 CFR Part 11 signature bound to `reportSha256`, which the model-version approval guard requires.
 * Every permission is checked against the report's model as the registry holds it now (its name,
 * departments and risk class: `allowsOnModelRecord`), like the registry's own permissions.
 */
@Controller('bias-reports')
@UseGuards(PrincipalGuard)
export class BiasReportsController {
  constructor(
    private readonly store: BiasReportStore,
    private readonly trail: AuditTrail,
    private readonly signOffs: BiasReportSignOff,
    private readonly datasets: Datasets,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  @Post()
  @HttpCode(202)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(uploadQuery)) query: UploadQuery,
    @Req() request: FastifyRequest,
  ) {
    requireAbilityOnSome(principal, 'record', 'BiasReport');
    // Checked against the model the report will be of, before the file is parsed or anything stored.
    const model = query.modelVersion ? await this.store.modelOfReference(query.modelVersion) : null;
    requireAbilityOnModelRecord(
      principal,
      'record',
      'BiasReport',
      { id: null, requestedBy: principal.subject, verdict: null },
      model,
    );
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const format = EVALUATION_MEDIA_TYPES[mediaType as keyof typeof EVALUATION_MEDIA_TYPES];
    if (!format || !Buffer.isBuffer(request.body)) throw new ProblemError('request.unsupported_media_type');
    const flags = mappingAndSettingsFromFlags(query);
    const mapping = columnMappingSchema.safeParse(flags.mapping);
    const settings = biasReportSettingsSchema.safeParse(flags.settings);
    const invalid = [
      ...(mapping.success ? [] : mapping.error.issues),
      ...(settings.success ? [] : settings.error.issues),
    ];
    if (!mapping.success || !settings.success)
      throw new ProblemError(
        'request.invalid',
        undefined,
        invalid.map((issue) => ({ path: `/${issue.path.map(String).join('/')}`, message: issue.message })),
      );
    const parsed = await parseEvaluation(Readable.from(slices(request.body)), {
      format,
      mapping: mapping.data,
      scoreBins: settings.data.scoreBins,
    });
    if (!parsed.valid)
      throw new ProblemError(
        'bias.input_invalid',
        `${parsed.issueCount} problem(s) in the file; the first are listed`,
        parsed.issues.map((issue) => ({
          path: `line ${issue.line}${issue.column ? `, column ${issue.column}` : ''}`,
          message: issue.message,
        })),
      );
    if (query.dataset) {
      const refusal = datasetInputRefusal(await this.datasets.find(query.dataset), parsed.sha256);
      if (refusal) throw new ProblemError(refusal);
    }
    const id = await this.store.create({
      requestedBy: principal.subject,
      ...(query.modelVersion ? { modelVersionRef: query.modelVersion } : {}),
      ...(query.dataset ? { registryDatasetId: query.dataset } : {}),
      dataset: {
        sha256: parsed.sha256,
        format,
        bytes: parsed.bytes,
        rows: parsed.table.rows,
        ...(query.name ? { name: query.name } : {}),
      },
      mapping: mapping.data,
      settings: settings.data,
      aggregate: parsed.table.toJSON(),
    });
    const jobId = await enqueue<BiasReportJobData>(this.jobs, BIAS_REPORT_JOB, {
      ...requesterFields(principal),
      reportId: id,
    });
    await this.store.setJob(id, jobId);
    // The evaluation file is the request's payload: audited by its digest, like every payload.
    await this.trail.append({
      action: 'bias_report.requested',
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: principal.roles },
      requestSha256: parsed.sha256,
      ...(query.modelVersion ? { entity: { modelVersion: query.modelVersion } } : {}),
      correlationId: String(request.id),
    });
    return { id, jobId, status: 'queued', dataset: { sha256: parsed.sha256, rows: parsed.table.rows } };
  }

  /**
   * The reports the caller may read, newest first (status, dataset, verdict, `reportSha256`; no report
   * body): the policy's conditions are the query's WHERE clause, on each report and its model.
   */
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Query(new ZodPipe(listQuery)) query: z.infer<typeof listQuery>,
  ) {
    requireAbilityOnSome(principal, 'read', 'BiasReport');
    return this.store.list(
      query.limit,
      modelRecordSqlFilter(ability, 'read', 'BiasReport', BIAS_REPORT_COLUMNS),
    );
  }

  @Get(':id')
  async get(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Param('id', new ParseUUIDPipe()) id: string,
  ) {
    const { record, model } = await this.reportInScope(principal, ability, 'read', id);
    const stored = await this.store.report(id);
    return {
      ...record,
      // What the caller's permissions on this report are decided on (the console's forms follow them).
      model,
      report: stored?.json ?? null,
      comments: await this.store.comments(id),
      signOff: {
        required: true,
        bindsTo: record.reportSha256,
        signatures: await this.store.signatures(id),
      },
    };
  }

  @Get(':id/report.html')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
  async html(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Param('id', new ParseUUIDPipe()) id: string,
  ) {
    await this.reportInScope(principal, ability, 'read', id);
    const stored = await this.store.report(id);
    if (!stored) throw new ProblemError('bias.report_not_ready');
    return stored.html;
  }

  @Post(':id/comments')
  @HttpCode(201)
  async comment(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodPipe(comment)) body: z.infer<typeof comment>,
  ) {
    const { record } = await this.reportInScope(principal, ability, 'review', id);
    const added = await this.store.addComment(id, principal.subject, body.body);
    await this.trail.append({
      action: 'bias_report.commented',
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: principal.roles },
      requestSha256: sha256Hex(body.body),
      ...(record.reportSha256 ? { responseSha256: record.reportSha256 } : {}),
    });
    return added;
  }

  /** Signs off a completed report (Part 11: the signing PIN re-entered, bound to `reportSha256`). */
  @Post(':id/signatures')
  @HttpCode(201)
  async sign(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body(new ZodPipe(signOff)) body: z.infer<typeof signOff>,
  ) {
    requireAbilityOnSome(principal, 'sign', 'BiasReport');
    const agent = { subject: principal.subject, issuer: principal.issuer, roles: principal.roles };
    try {
      // Inside the try: a sign-off refused for the report's model is on the trail like any other.
      await this.reportInScope(principal, ability, 'sign', id);
      const signature = await this.signOffs.sign(id, principal, body);
      await this.trail.append({
        action: 'bias_report.signed',
        outcome: 'success',
        agent,
        requestSha256: signature.signatureSha256,
        responseSha256: signature.recordSha256,
      });
      return signature;
    } catch (error) {
      if (error instanceof ProblemError)
        await this.trail.append({
          action: 'bias_report.signed',
          outcome: 'refused',
          reasonCode: error.code,
          agent,
          requestSha256: body.recordSha256,
        });
      throw error;
    }
  }

  /**
   * The report, once the action is allowed on it and its model. A report that does not exist is
   * `access.denied` for a caller whose conditions narrow (as the registry answers for a model), and
   * `request.not_found` for one allowed on every report.
   */
  private async reportInScope(
    principal: Principal,
    ability: AppAbility,
    action: Action,
    id: string,
  ): Promise<{ record: BiasReportRecord; model: ModelVersionSubject | null }> {
    requireAbilityOnSome(principal, action, 'BiasReport');
    const found = await lookupInScope(principal, [action], 'BiasReport', 'request.not_found', () =>
      this.store.findWithModel(id),
    );
    requireAbilityOnModelRecord(principal, action, 'BiasReport', biasReportFields(found.record), found.model);
    return found;
  }
}

/** The upload in 1 MiB slices, so parsing yields to other requests between them. */
function* slices(body: Buffer, size = 1 << 20): Generator<Buffer> {
  for (let start = 0; start < body.length; start += size) yield body.subarray(start, start + size);
}
