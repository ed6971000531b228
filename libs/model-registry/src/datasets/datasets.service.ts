import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { contentHash } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';
import { DatasetEntity } from '../registry-records.entity.js';
import { dataQualityReport, type Datasheet, type QualitySpec, type Row } from './datasheet.js';

export interface NewDataset {
  readonly name: string;
  readonly splitRole: 'training' | 'tuning' | 'test';
  readonly datasheet: Datasheet;
  /** The rows themselves (for the data-quality report), or only the content hash of a file held elsewhere. */
  readonly rows?: readonly Row[];
  readonly contentSha256?: string;
  readonly qualitySpec: QualitySpec;
}

/** Datasets of a model with their datasheets and data-quality reports (append-only). */
@Injectable()
export class Datasets {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async register(modelId: string, input: NewDataset, actor: string): Promise<DatasetEntity> {
    const repository = this.dataSource.getRepository(DatasetEntity);
    if (await repository.exists({ where: { modelId, name: input.name } }))
      throw new ProblemError('dataset.exists');
    const contentSha256 = input.rows ? contentHash(input.rows) : input.contentSha256;
    if (!contentSha256) throw new ProblemError('request.invalid', 'rows or contentSha256 is required');
    // A test set that is byte-for-byte a training or tuning set of the same model is not independent.
    const others = await repository.find({ where: { modelId, contentSha256 } });
    if (others.some((other) => (other.splitRole === 'test') !== (input.splitRole === 'test')))
      throw new ProblemError('dataset.not_independent');
    const row: DatasetEntity = {
      id: randomUUID(),
      modelId,
      name: input.name,
      splitRole: input.splitRole,
      datasheet: input.datasheet,
      contentSha256,
      qualityReport: input.rows
        ? (dataQualityReport(input.rows, input.qualitySpec) as unknown as Record<string, unknown>)
        : null,
      createdBy: actor,
      createdAt: new Date(),
    };
    await repository.insert(row as QueryDeepPartialEntity<DatasetEntity>);
    return row;
  }

  async find(id: string): Promise<DatasetEntity | null> {
    return this.dataSource.getRepository(DatasetEntity).findOne({ where: { id } });
  }

  async list(modelId: string): Promise<DatasetEntity[]> {
    return this.dataSource
      .getRepository(DatasetEntity)
      .find({ where: { modelId }, order: { createdAt: 'ASC' } });
  }
}
