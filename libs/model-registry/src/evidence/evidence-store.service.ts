import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { contentHash, sha256Hex } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';
import type { ModelVersionEntity } from '../model.entity.js';
import { DatasetEntity, EvidenceEntity } from '../registry-records.entity.js';
import { checkEvidenceFile } from './evidence-file.js';
import { parseEvidenceDetails, type EvidenceKind } from './evidence-kinds.js';

export interface NewEvidence {
  readonly kind: EvidenceKind;
  readonly title: string;
  readonly details?: unknown;
  readonly file?: { readonly fileName: string; readonly mediaType: string; readonly bytes: Buffer };
}

/**
 * Evidence of a version. Files are stored content-addressed (`<dataDir>/evidence/<sha256>`): the
 * name a client gives is a label, never part of a path, so no name can escape the folder. Every
 * check runs before anything is written, and a file lands under its final name only by an atomic
 * link of a complete temporary file; if the row cannot be inserted, a file this call created is
 * removed again, so nothing is half-stored.
 */
@Injectable()
export class EvidenceStore {
  private readonly folder: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {
    this.folder = path.join(config.dataDir, 'evidence');
  }

  async add(version: ModelVersionEntity, input: NewEvidence, actor: string): Promise<EvidenceEntity> {
    const details = parseEvidenceDetails(input.kind, input.details);
    if (input.kind === 'data_quality') await this.assertOwnDataset(version, details.datasetId);
    const file = input.file;
    const mediaType = file ? checkEvidenceFile(file, this.config.registry.evidenceMaxBytes) : null;
    const sha256 = file
      ? sha256Hex(file.bytes)
      : contentHash({ kind: input.kind, title: input.title, details });
    const row: EvidenceEntity = {
      id: randomUUID(),
      versionId: version.id,
      kind: input.kind,
      title: input.title,
      fileName: file?.fileName ?? null,
      mediaType,
      sizeBytes: file?.bytes.length ?? null,
      sha256,
      details,
      createdBy: actor,
      createdAt: new Date(),
    };
    const created = file ? await this.storeFile(sha256, file.bytes) : false;
    try {
      await this.dataSource
        .getRepository(EvidenceEntity)
        .insert(row as QueryDeepPartialEntity<EvidenceEntity>);
    } catch (error) {
      // Another upload of the same bytes may have been recorded meanwhile: its file stays.
      const isReferenced = await this.dataSource.getRepository(EvidenceEntity).exists({ where: { sha256 } });
      if (created && !isReferenced) await rm(this.pathOf(sha256), { force: true });
      throw error;
    }
    return row;
  }

  async list(versionId: string): Promise<EvidenceEntity[]> {
    return this.dataSource
      .getRepository(EvidenceEntity)
      .find({ where: { versionId }, order: { createdAt: 'ASC' } });
  }

  /** A data-quality citation names a dataset of the version's own model. */
  private async assertOwnDataset(version: ModelVersionEntity, datasetId: unknown): Promise<void> {
    const isOwn = await this.dataSource
      .getRepository(DatasetEntity)
      .exists({ where: { id: String(datasetId), modelId: version.modelId } });
    if (!isOwn)
      throw new ProblemError('evidence.details_invalid', 'details.datasetId is not a dataset of this model');
  }

  /** Where a stored file lives: derived from its hash only. */
  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a SHA-256');
    return path.join(this.folder, sha256);
  }

  /** True when this call created the file (false: the same content was already stored). */
  private async storeFile(sha256: string, bytes: Buffer): Promise<boolean> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const temporary = path.join(this.folder, `.upload-${randomUUID()}`);
    await writeFile(temporary, bytes, { mode: 0o600, flush: true });
    try {
      await link(temporary, this.pathOf(sha256));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await rm(temporary, { force: true });
    }
  }
}
