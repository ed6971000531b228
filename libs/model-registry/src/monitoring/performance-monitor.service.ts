import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import type { ModelVersionEntity } from '../model.entity.js';
import type { MetricResult } from '../pccp/change-control-plan.js';
import { PerformanceObservationEntity } from '../registry-records.entity.js';
import { FeedbackPeriodRecordEntity } from './feedback-monitoring.entity.js';
import { onRequest, withRecording, type ListedObservation } from './observation-recording.js';
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

  /** A recording on request: an observation of its own, never one of the schedule's periods. */
  async record(
    version: ModelVersionEntity,
    input: PerformanceInput,
    actor: string,
  ): Promise<ListedObservation<PerformanceObservationEntity>> {
    const row = performanceObservation(version, input, actor);
    await this.dataSource
      .getRepository(PerformanceObservationEntity)
      .insert(row as QueryDeepPartialEntity<PerformanceObservationEntity>);
    return onRequest(row);
  }

  /** The series, oldest period first, each marked as the schedule's or recorded on request. */
  async overTime(versionId: string): Promise<ListedObservation<PerformanceObservationEntity>[]> {
    const [observations, records] = await Promise.all([
      this.dataSource
        .getRepository(PerformanceObservationEntity)
        .find({ where: { versionId }, order: { periodStart: 'ASC', createdAt: 'ASC' } }),
      this.dataSource.getRepository(FeedbackPeriodRecordEntity).find({ where: { versionId } }),
    ]);
    return withRecording(observations, records);
  }
}
