import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type {
  BiasReport,
  BiasReportSettings,
  ColumnMapping,
  DatasetDescription,
  EvaluationTableJson,
  Outcome,
} from '@praesidium/fairness';
import type { ModelVersionSubject, SqlColumn, SqlFilter } from '@praesidium/access';
import type { SignatureManifestation } from '@praesidium/model-registry';
import { ProblemError } from '@praesidium/problem';
import {
  MODEL_SCOPE_COLUMNS,
  MODEL_SCOPE_SELECT,
  modelScopeOf,
  type ModelScopeRow,
} from '../auth/model-scope-sql.js';

export type BiasReportStatus = 'queued' | 'running' | 'completed' | 'failed';

/** A stored report without its bulky parts (aggregate, HTML). */
export interface BiasReportRecord {
  readonly id: string;
  readonly status: BiasReportStatus;
  readonly requestedBy: string;
  readonly modelVersionRef: string | null;
  /** The registry dataset the evaluation file is (its content hash is the file's SHA-256), if named. */
  readonly registryDatasetId: string | null;
  readonly dataset: DatasetDescription;
  readonly mapping: ColumnMapping;
  readonly settings: BiasReportSettings;
  readonly jobId: string | null;
  readonly verdict: Outcome | null;
  /** SHA-256 of the report's canonical JSON: what an electronic sign-off binds to. */
  readonly reportSha256: string | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
}

/** A Part 11 sign-off of a report, bound to its `reportSha256` (append-only). */
export interface BiasReportSignature extends SignatureManifestation {
  readonly id: string;
  readonly reportId: string;
  readonly signatureSha256: string;
}

export interface BiasReportComment {
  readonly id: number;
  readonly author: string;
  readonly body: string;
  readonly createdAt: string;
}

interface Row {
  id: string;
  status: BiasReportStatus;
  requested_by: string;
  model_version_ref: string | null;
  registry_dataset_id: string | null;
  dataset_name: string | null;
  dataset_sha256: string;
  dataset_format: 'csv' | 'ndjson';
  dataset_bytes: string;
  dataset_rows: string;
  mapping: ColumnMapping;
  settings: BiasReportSettings;
  job_id: string | null;
  verdict: Outcome | null;
  report_sha256: string | null;
  error: string | null;
  created_at: Date;
  completed_at: Date | null;
}

const RECORD_COLUMNS = `r.id, status, requested_by, model_version_ref, registry_dataset_id, dataset_name, dataset_sha256, dataset_format,
  dataset_bytes, dataset_rows, mapping, settings, job_id, verdict, report_sha256, error, created_at, completed_at`;

/**
 * The registry model a report (`r`) is of, as `scope`: the one its `model_version_ref` names, by
 * `<model>@<version>` (the model named, even before that version is registered) or by a version's id.
 * No row for a reference the registry cannot resolve. Model names hold no `@` (registry-dto.ts).
 */
const MODEL_OF_REPORT = `LEFT JOIN LATERAL (
    ${MODEL_SCOPE_SELECT}
     WHERE (strpos(r.model_version_ref, '@') > 1 AND m.name = split_part(r.model_version_ref, '@', 1))
        OR m.id = (SELECT v.model_id FROM registry.model_version v WHERE v.id::text = r.model_version_ref)
     LIMIT 1) scope ON TRUE`;

/** Where the policy's BiasReport fields live in a query of `MODEL_OF_REPORT`, for list filtering. */
export const BIAS_REPORT_COLUMNS = {
  id: { expression: 'r.id::text' },
  requestedBy: { expression: 'r.requested_by' },
  verdict: { expression: 'r.verdict' },
  ...MODEL_SCOPE_COLUMNS,
} as const satisfies Record<string, SqlColumn>;

/** What a policy condition is evaluated on besides the model: the report's own fields. */
export function biasReportFields(
  record: Pick<BiasReportRecord, 'id' | 'requestedBy' | 'verdict'>,
): Record<string, string | null> {
  return { id: record.id, requestedBy: record.requestedBy, verdict: record.verdict };
}

/** Persistence of bias reports and their comments (schema `fairness`, migration 1764500000000). */
@Injectable()
export class BiasReportStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(input: {
    requestedBy: string;
    modelVersionRef?: string;
    registryDatasetId?: string;
    dataset: DatasetDescription;
    mapping: ColumnMapping;
    settings: BiasReportSettings;
    aggregate: EvaluationTableJson;
  }): Promise<string> {
    const id = randomUUID();
    await this.dataSource.query(
      `INSERT INTO fairness.bias_report (id, status, requested_by, model_version_ref, dataset_name, dataset_sha256,
         dataset_format, dataset_bytes, dataset_rows, mapping, settings, aggregate, registry_dataset_id)
       VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        id,
        input.requestedBy,
        input.modelVersionRef ?? null,
        input.dataset.name ?? null,
        input.dataset.sha256,
        input.dataset.format,
        input.dataset.bytes,
        input.dataset.rows,
        JSON.stringify(input.mapping),
        JSON.stringify(input.settings),
        JSON.stringify(input.aggregate),
        input.registryDatasetId ?? null,
      ],
    );
    return id;
  }

  async setJob(id: string, jobId: string): Promise<void> {
    await this.dataSource.query(`UPDATE fairness.bias_report SET job_id = $2 WHERE id = $1`, [id, jobId]);
  }

  async find(id: string): Promise<BiasReportRecord> {
    return (await this.findWithModel(id)).record;
  }

  /** The report and the registry model it is of now (null if its reference names none). */
  async findWithModel(id: string): Promise<{ record: BiasReportRecord; model: ModelVersionSubject | null }> {
    const rows: (Row & ModelScopeRow)[] = await this.dataSource.query(
      `SELECT ${RECORD_COLUMNS}, scope.* FROM fairness.bias_report r ${MODEL_OF_REPORT} WHERE r.id = $1`,
      [id],
    );
    if (!rows[0]) throw new ProblemError('request.not_found', 'no such bias report');
    return { record: toRecord(rows[0]), model: modelScopeOf(rows[0]) };
  }

  /** The registry model a `modelVersion` reference names now, or null (see MODEL_OF_REPORT). */
  async modelOfReference(reference: string): Promise<ModelVersionSubject | null> {
    const rows: ModelScopeRow[] = await this.dataSource.query(
      `SELECT scope.* FROM (SELECT $1::text AS model_version_ref) r ${MODEL_OF_REPORT}`,
      [reference],
    );
    return rows[0] ? modelScopeOf(rows[0]) : null;
  }

  /**
   * The newest reports first, without their bulky parts: what a list page shows. `filter` (over
   * BIAS_REPORT_COLUMNS) keeps the rows the caller may read, before the limit is applied.
   */
  async list(limit: number, filter: SqlFilter): Promise<BiasReportRecord[]> {
    const [sql, parameters] = this.dataSource.driver.escapeQueryWithParameters(
      `SELECT ${RECORD_COLUMNS} FROM fairness.bias_report r ${MODEL_OF_REPORT}
        WHERE ${filter.sql} ORDER BY created_at DESC, r.id LIMIT :limit`,
      { ...filter.parameters, limit },
    );
    const rows: Row[] = await this.dataSource.query(sql, parameters);
    return rows.map(toRecord);
  }

  async aggregate(id: string): Promise<EvaluationTableJson> {
    const rows: { aggregate: EvaluationTableJson }[] = await this.dataSource.query(
      `SELECT aggregate FROM fairness.bias_report WHERE id = $1`,
      [id],
    );
    if (!rows[0]) throw new Error('the bias report vanished before its job ran');
    return rows[0].aggregate;
  }

  async markRunning(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE fairness.bias_report SET status = 'running' WHERE id = $1`, [id]);
  }

  async complete(id: string, report: BiasReport, html: string, reportSha256: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE fairness.bias_report SET status = 'completed', report = $2, report_html = $3, report_sha256 = $4,
         verdict = $5, completed_at = now() WHERE id = $1`,
      [id, JSON.stringify(report), html, reportSha256, report.verdict],
    );
  }

  async fail(id: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE fairness.bias_report SET status = 'failed', error = $2, completed_at = now() WHERE id = $1`,
      [id, error],
    );
  }

  async report(id: string): Promise<{ json: BiasReport; html: string } | undefined> {
    const rows: { report: BiasReport | null; report_html: string | null }[] = await this.dataSource.query(
      `SELECT report, report_html FROM fairness.bias_report WHERE id = $1`,
      [id],
    );
    if (!rows[0]) throw new ProblemError('request.not_found', 'no such bias report');
    const { report, report_html } = rows[0];
    return report && report_html !== null ? { json: report, html: report_html } : undefined;
  }

  async addComment(reportId: string, author: string, body: string): Promise<BiasReportComment> {
    await this.find(reportId);
    const rows: { id: string; author: string; body: string; created_at: Date }[] =
      await this.dataSource.query(
        `INSERT INTO fairness.bias_report_comment (report_id, author, body) VALUES ($1, $2, $3)
       RETURNING id, author, body, created_at`,
        [reportId, author, body],
      );
    return toComment(rows[0]);
  }

  async addSignature(signature: BiasReportSignature): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO fairness.bias_report_signature (id, report_id, record_sha256, signer_subject, signer_issuer,
         printed_name, signer_role, meaning, reauthenticated_by, signed_at, signature_sha256)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        signature.id,
        signature.reportId,
        signature.recordSha256,
        signature.signerSubject,
        signature.signerIssuer,
        signature.printedName,
        signature.signerRole,
        signature.meaning,
        signature.reauthenticatedBy,
        signature.signedAt,
        signature.signatureSha256,
      ],
    );
  }

  async signatures(reportId: string): Promise<BiasReportSignature[]> {
    const rows: (Omit<BiasReportSignature, 'signedAt'> & { signedAt: Date })[] = await this.dataSource.query(
      `SELECT id, report_id AS "reportId", record_sha256 AS "recordSha256", signer_subject AS "signerSubject",
              signer_issuer AS "signerIssuer", printed_name AS "printedName", signer_role AS "signerRole", meaning,
              reauthenticated_by AS "reauthenticatedBy", signed_at AS "signedAt", signature_sha256 AS "signatureSha256"
         FROM fairness.bias_report_signature WHERE report_id = $1 ORDER BY signed_at, id`,
      [reportId],
    );
    return rows.map((row) => ({ ...row, signedAt: new Date(row.signedAt).toISOString() }));
  }

  async comments(reportId: string): Promise<BiasReportComment[]> {
    const rows: { id: string; author: string; body: string; created_at: Date }[] =
      await this.dataSource.query(
        `SELECT id, author, body, created_at FROM fairness.bias_report_comment WHERE report_id = $1 ORDER BY id`,
        [reportId],
      );
    return rows.map(toComment);
  }
}

function toRecord(row: Row): BiasReportRecord {
  return {
    id: row.id,
    status: row.status,
    requestedBy: row.requested_by,
    modelVersionRef: row.model_version_ref,
    registryDatasetId: row.registry_dataset_id,
    dataset: {
      sha256: row.dataset_sha256,
      format: row.dataset_format,
      bytes: Number(row.dataset_bytes),
      rows: Number(row.dataset_rows),
      ...(row.dataset_name ? { name: row.dataset_name } : {}),
    },
    mapping: row.mapping,
    settings: row.settings,
    jobId: row.job_id,
    verdict: row.verdict,
    reportSha256: row.report_sha256,
    error: row.error,
    createdAt: new Date(row.created_at).toISOString(),
    completedAt: row.completed_at ? new Date(row.completed_at).toISOString() : null,
  };
}

function toComment(row: { id: string; author: string; body: string; created_at: Date }): BiasReportComment {
  return {
    id: Number(row.id),
    author: row.author,
    body: row.body,
    createdAt: new Date(row.created_at).toISOString(),
  };
}
