import { Controller, Get, UseGuards } from '@nestjs/common';
import type { Principal } from '@praesidium/access';
import { ModelRegistry } from '@praesidium/model-registry';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';

@Controller('models')
@UseGuards(PrincipalGuard)
export class ModelsController {
  constructor(private readonly registry: ModelRegistry) {}

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    requireAbility(principal, 'read', 'Model');
    const models = await this.registry.listModels();
    return Promise.all(
      models.map(async (model) => ({
        ...model,
        versions: (await this.registry.listVersions(model.id)).map(
          ({ id, version, status, manifestSha256 }) => ({
            id,
            version,
            status,
            manifestSha256,
          }),
        ),
      })),
    );
  }
}
