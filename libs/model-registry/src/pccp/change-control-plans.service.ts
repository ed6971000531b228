import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { contentHash } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';
import type { ModelVersionEntity } from '../model.entity.js';
import { ChangeControlPlanEntity, EvidenceEntity } from '../registry-records.entity.js';
import {
  assessAgainstPlan,
  changeControlPlanSchema,
  performanceDetailsSchema,
  type ChangeControlPlan,
  type PccpAssessment,
} from './change-control-plan.js';

/** Predetermined change control plans (FDA PCCP), one in force per model (the latest). */
@Injectable()
export class ChangeControlPlans {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async setPlan(modelId: string, plan: ChangeControlPlan, actor: string): Promise<ChangeControlPlanEntity> {
    const row: ChangeControlPlanEntity = {
      id: randomUUID(),
      modelId,
      plan: plan,
      sha256: contentHash(plan),
      createdBy: actor,
      createdAt: new Date(),
    };
    await this.dataSource
      .getRepository(ChangeControlPlanEntity)
      .insert(row as QueryDeepPartialEntity<ChangeControlPlanEntity>);
    return row;
  }

  async currentPlan(
    modelId: string,
    manager = this.dataSource.manager,
  ): Promise<ChangeControlPlanEntity | null> {
    return manager.findOne(ChangeControlPlanEntity, { where: { modelId }, order: { createdAt: 'DESC' } });
  }

  /** The version's acceptance checks and traceability table under the plan in force. */
  async assess(
    version: ModelVersionEntity,
    manager = this.dataSource.manager,
  ): Promise<PccpAssessment & { planSha256: string }> {
    const row = await this.currentPlan(version.modelId, manager);
    if (!row) throw new ProblemError('pccp.missing');
    const plan = changeControlPlanSchema.parse(row.plan);
    const evidence = await manager.find(EvidenceEntity, {
      where: { versionId: version.id, kind: 'performance' },
      order: { createdAt: 'ASC' },
    });
    const performance = evidence.map((item) => ({
      evidenceId: item.id,
      metrics: performanceDetailsSchema.parse(item.details).metrics,
    }));
    return { ...assessAgainstPlan(plan, version.pccpModifications, performance), planSha256: row.sha256 };
  }
}
