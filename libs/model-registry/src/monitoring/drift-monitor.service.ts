import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { ModelVersionEntity } from '../model.entity.js';
import { DriftCheckEntity } from '../registry-records.entity.js';
import { featureDrift, type DriftThresholds } from './population-stability.js';

export interface DriftInput {
  readonly baseline: Readonly<Record<string, readonly number[]>>;
  readonly current: Readonly<Record<string, readonly number[]>>;
  readonly thresholds: DriftThresholds;
  /** The period the current sample covers (ISO 8601 interval), for the performance-over-time view. */
  readonly period?: string;
}

/** Post-market monitoring: PSI input drift per feature of a version, kept as a time series. */
@Injectable()
export class DriftMonitor {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async check(version: ModelVersionEntity, input: DriftInput, actor: string): Promise<DriftCheckEntity> {
    const features = featureDrift(input.baseline, input.current, input.thresholds);
    const row: DriftCheckEntity = {
      id: randomUUID(),
      versionId: version.id,
      result: { features, thresholds: input.thresholds, ...(input.period ? { period: input.period } : {}) },
      isAlert: features.some((feature) => feature.level === 'alert'),
      createdBy: actor,
      createdAt: new Date(),
    };
    await this.dataSource
      .getRepository(DriftCheckEntity)
      .insert(row as QueryDeepPartialEntity<DriftCheckEntity>);
    return row;
  }

  async history(versionId: string): Promise<DriftCheckEntity[]> {
    return this.dataSource
      .getRepository(DriftCheckEntity)
      .find({ where: { versionId }, order: { createdAt: 'ASC' } });
  }
}
