import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { Datasets, ModelRegistry } from '@praesidium/model-registry';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard } from '../auth/principal.guard.js';
import { audited } from './registry-audit.js';
import { modelInScope, requireRegistryPermission } from './registry-scope.js';
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
    requireRegistryPermission(principal, 'register');
    return audited(
      this.trail,
      principal,
      'model.dataset_registered',
      { model: name },
      async () => {
        const model = await modelInScope(this.registry, principal, 'register', name);
        return this.datasets.register(model.id, body, principal.subject);
      },
      (dataset) => dataset.contentSha256,
    );
  }

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
  ) {
    return this.datasets.list((await modelInScope(this.registry, principal, 'read', name)).id);
  }
}
