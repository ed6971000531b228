import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ModelVersionSubject, SqlColumn, SqlFilter } from '@praesidium/access';
import { ProblemError } from '@praesidium/problem';
import {
  MODEL_SCOPE_COLUMNS,
  MODEL_SCOPE_SELECT,
  modelScopeOf,
  type ModelScopeRow,
} from '../auth/model-scope-sql.js';
import type { CompletenessEntry, DocumentKind, GeneratedFile } from '@praesidium/regulatory-docs';

/** The `kind` of a signed submission bundle: every document kind, signed (see `generateSubmission`). */
export const SUBMISSION_KIND = 'submission';
export type StoredKind = DocumentKind | typeof SUBMISSION_KIND;

export type DocumentStatus = 'queued' | 'running' | 'completed' | 'failed';

/** A generated document's metadata: its files by name, media type and SHA-256 (content apart). */
export interface DocumentRecord {
  readonly id: string;
  readonly kind: StoredKind;
  readonly model: string;
  readonly version: string;
  readonly status: DocumentStatus;
  readonly requestedBy: string;
  readonly jobId: string | null;
  readonly files: { name: string; mediaType: string; sha256: string }[];
  readonly completeness: CompletenessEntry[] | null;
  readonly bundleSha256: string | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly completedAt: string | null;
}

interface Row {
  id: string;
  kind: StoredKind;
  model_name: string;
  model_version: string;
  status: DocumentStatus;
  requested_by: string;
  job_id: string | null;
  files: GeneratedFile[] | null;
  completeness: CompletenessEntry[] | null;
  bundle_sha256: string | null;
  error: string | null;
  created_at: Date;
  completed_at: Date | null;
}

/** The registry model a document (`d`) is of now, as `scope` (its name is the document's model). */
const MODEL_OF_DOCUMENT = `LEFT JOIN LATERAL (${MODEL_SCOPE_SELECT} WHERE m.name = d.model_name) scope ON TRUE`;

/** Where the policy's RegulatoryDocument fields live in a query of `MODEL_OF_DOCUMENT`. */
export const DOCUMENT_COLUMNS = {
  id: { expression: 'd.id::text' },
  requestedBy: { expression: 'd.requested_by' },
  kind: { expression: 'd.kind' },
  ...MODEL_SCOPE_COLUMNS,
} as const satisfies Record<string, SqlColumn>;

/** What a policy condition is evaluated on besides the model: the document's own fields. */
export function documentFields(
  record: Pick<DocumentRecord, 'id' | 'requestedBy' | 'kind'>,
): Record<string, string | null> {
  return { id: record.id, requestedBy: record.requestedBy, kind: record.kind };
}

@Injectable()
export class DocumentStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(input: {
    kind: StoredKind;
    model: string;
    version: string;
    requestedBy: string;
  }): Promise<string> {
    const id = randomUUID();
    await this.dataSource.query(
      `INSERT INTO regulatory.document (id, kind, model_name, model_version, status, requested_by)
       VALUES ($1, $2, $3, $4, 'queued', $5)`,
      [id, input.kind, input.model, input.version, input.requestedBy],
    );
    return id;
  }

  async setJob(id: string, jobId: string): Promise<void> {
    await this.dataSource.query(`UPDATE regulatory.document SET job_id = $2 WHERE id = $1`, [id, jobId]);
  }

  async markRunning(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE regulatory.document SET status = 'running' WHERE id = $1`, [id]);
  }

  async complete(
    id: string,
    result: {
      files: readonly GeneratedFile[];
      completeness: readonly CompletenessEntry[];
      bundleSha256: string;
    },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE regulatory.document SET status = 'completed', files = $2, completeness = $3, bundle_sha256 = $4,
              completed_at = now() WHERE id = $1`,
      [id, JSON.stringify(result.files), JSON.stringify(result.completeness), result.bundleSha256],
    );
  }

  async fail(id: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE regulatory.document SET status = 'failed', error = $2, completed_at = now() WHERE id = $1`,
      [id, error],
    );
  }

  /** The documents of one model version, newest first, that `filter` (over DOCUMENT_COLUMNS) keeps. */
  async list(model: string, version: string, filter: SqlFilter): Promise<DocumentRecord[]> {
    const [sql, parameters] = this.dataSource.driver.escapeQueryWithParameters(
      `SELECT d.* FROM regulatory.document d ${MODEL_OF_DOCUMENT}
        WHERE d.model_name = :model AND d.model_version = :version AND ${filter.sql}
        ORDER BY d.created_at DESC, d.id LIMIT 200`,
      { ...filter.parameters, model, version },
    );
    const rows = await this.dataSource.query<Row[]>(sql, parameters);
    return rows.map(toRecord);
  }

  /** The document and the registry model it is of now (null if the registry no longer has it). */
  async findWithModel(id: string): Promise<{ record: DocumentRecord; model: ModelVersionSubject | null }> {
    const rows = await this.dataSource.query<(Row & ModelScopeRow)[]>(
      `SELECT d.*, scope.* FROM regulatory.document d ${MODEL_OF_DOCUMENT} WHERE d.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new ProblemError('request.not_found', 'no such document');
    return { record: toRecord(row), model: modelScopeOf(row) };
  }

  private async row(id: string): Promise<Row> {
    const rows = await this.dataSource.query<Row[]>(`SELECT * FROM regulatory.document WHERE id = $1`, [id]);
    const row = rows[0];
    if (!row) throw new ProblemError('request.not_found', 'no such document');
    return row;
  }

  async find(id: string): Promise<DocumentRecord> {
    return toRecord(await this.row(id));
  }

  /** Every generated file, with its content. */
  async files(id: string): Promise<GeneratedFile[]> {
    return (await this.row(id)).files ?? [];
  }

  /** One generated file, with its content. */
  async file(id: string, name: string | undefined): Promise<GeneratedFile | undefined> {
    const files = (await this.row(id)).files ?? [];
    return name === undefined ? files[0] : files.find((file) => file.name === name);
  }
}

function toRecord(row: Row): DocumentRecord {
  return {
    id: row.id,
    kind: row.kind,
    model: row.model_name,
    version: row.model_version,
    status: row.status,
    requestedBy: row.requested_by,
    jobId: row.job_id,
    files: (row.files ?? []).map(({ name, mediaType, sha256 }) => ({ name, mediaType, sha256 })),
    completeness: row.completeness,
    bundleSha256: row.bundle_sha256,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}
