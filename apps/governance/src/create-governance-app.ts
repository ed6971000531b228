import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@praesidium/http';
import type { PlatformDeps } from '@praesidium/platform';
import { GovernanceModule } from './governance.module.js';

export function createGovernanceApp(deps: PlatformDeps): Promise<NestFastifyApplication> {
  return createHttpApp(GovernanceModule.forRoot(deps), deps.config);
}
