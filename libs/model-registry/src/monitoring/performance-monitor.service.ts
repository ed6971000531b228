import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { ModelVersionEntity } from '../model.entity.js';
import type { MetricResult } from '../pccp/change-control-plan.js';
import { PerformanceObservationEntity } from '../registry-records.entity.js';
import { floorBreaches, type PerformanceFloor } from './performance-floors.js';

export interface PerformanceInput {
  readonly periodStart: Date;
  readonly periodEnd: Date;
  /** Where the figures come from: clinician feedback through the gateway, outcome follow-up, audits. */
  readonly source: string;
  readonly metrics: readonly MetricResult[];
  readonly floors: readonly PerformanceFloor[];
  /** The revision of the version's declared floors the period was checked against, if those were used. */
  readonly floorsRevision?: number;
}

/** A period's observation as it is stored: the figures, the floors and their breaches. */
export function performanceObservation(
  version: Pick<ModelVersionEntity, 'id'>,
  input: PerformanceInput,
  actor: string,
  id: string = randomUUID(),
): PerformanceObservationEntity {
  const breaches = floorBreaches(input.metrics, input.floors);
  return {
    id,
    versionId: version.id,
    periodStart: input.periodStart,
    periodEnd: input.periodEnd,
    source: input.source,
    result: {
      metrics: input.metrics,
      floors: input.floors,
      breaches,
      ...(input.floorsRevision === undefined ? {} : { floorsRevision: input.floorsRevision }),
    },
    isAlert: breaches.length > 0,
    createdBy: actor,
    createdAt: new Date(),
  };
}

/** Post-market performance of a version, period by period, with threshold alerts. */
@Injectable()
export class PerformanceMonitor {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(version: ModelVersionEntity, input: PerformanceInput, actor: string) {
    const row = performanceObservation(version, input, actor);
    await this.dataSource
      .getRepository(PerformanceObservationEntity)
      .insert(row as QueryDeepPartialEntity<PerformanceObservationEntity>);
    return row;
  }

  /** The series, oldest period first. */
  async overTime(versionId: string): Promise<PerformanceObservationEntity[]> {
    return this.dataSource
      .getRepository(PerformanceObservationEntity)
      .find({ where: { versionId }, order: { periodStart: 'ASC' } });
  }
}
