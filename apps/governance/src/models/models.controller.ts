import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { sqlFilterFor, type AppAbility, type Principal, type SqlColumn } from '@praesidium/access';
import {
  CanaryRollouts,
  ModelEntity,
  ModelRegistry,
  type ModelVersionEntity,
} from '@praesidium/model-registry';
import { ZodPipe } from '@praesidium/problem';
import {
  CurrentAbility,
  CurrentPrincipal,
  PrincipalGuard,
  requireAbilityOnSome,
} from '../auth/principal.guard.js';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(500) }).strict();

/** Where the policy's Model fields live in `registry.model`, for list filtering in SQL. */
export const MODEL_COLUMNS: Readonly<Record<string, SqlColumn>> = {
  name: { expression: 'model.name' },
  departments: { expression: 'model.departments', isArray: true },
  riskClass: { expression: 'model.risk_class' },
};

@Controller('models')
@UseGuards(PrincipalGuard)
export class ModelsController {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly canaries: CanaryRollouts,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The models the caller may read: the policy's conditions are the query's WHERE clause. */
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Query(new ZodPipe(listQuery)) query: z.infer<typeof listQuery>,
  ) {
    // The policy's conditions are applied in SQL, row by row (readableModels).
    requireAbilityOnSome(principal, 'read', 'Model');
    const models = await readableModels(this.dataSource, ability, { limit: query.limit });
    const canaries = await this.canaries.runningCanaries(models.map((model) => model.id));
    return Promise.all(
      models.map(async (model) => ({
        ...model,
        canary: canaries.get(model.id) ?? null,
        versions: (await this.registry.listVersions(model.id)).map(versionSummary),
      })),
    );
  }
}

/** What a reader of the model (not of its versions) sees of each version. */
export function versionSummary({ id, version, status, manifestSha256 }: ModelVersionEntity) {
  return { id, version, status, manifestSha256 };
}

/** The models the ability may read, or the one named, filtered in SQL by the policy's conditions. */
export function readableModels(
  dataSource: DataSource,
  ability: AppAbility,
  { limit, name }: { limit: number; name?: string },
): Promise<ModelEntity[]> {
  const filter = sqlFilterFor(ability, 'read', 'Model', MODEL_COLUMNS);
  const query = dataSource
    .getRepository(ModelEntity)
    .createQueryBuilder('model')
    .where(filter.sql, filter.parameters);
  if (name !== undefined) query.andWhere('model.name = :name', { name });
  return query.orderBy('model.name', 'ASC').limit(limit).getMany();
}
