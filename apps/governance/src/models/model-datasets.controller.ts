import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { Datasets, ModelRegistry } from '@praesidium/model-registry';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';
import { audited } from './registry-audit.js';
import { datasetBody, modelNameParam } from './registry-dto.js';

/** A model's datasets with their datasheets and data-quality reports. */
@Controller('models/:name/datasets')
@UseGuards(PrincipalGuard)
export class ModelDatasetsController {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly datasets: Datasets,
    private readonly trail: AuditTrail,
  ) {}

  @Post()
  @HttpCode(201)
  async register(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Body(new ZodPipe(datasetBody)) body: z.infer<typeof datasetBody>,
  ) {
    requireAbility(principal, 'register', 'ModelVersion');
    return audited(
      this.trail,
      principal,
      'model.dataset_registered',
      { model: name },
      async () => this.datasets.register((await this.registry.getModel(name)).id, body, principal.subject),
      (dataset) => dataset.contentSha256,
    );
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
  ) {
    requireAbility(principal, 'read', 'ModelVersion');
    return this.datasets.list((await this.registry.getModel(name)).id);
  }
}
