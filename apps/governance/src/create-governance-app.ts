import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@praesidium/http';
import type { PlatformDeps } from '@praesidium/platform';
import { acceptEvaluationUploads } from './bias/evaluation-upload.js';
import { GovernanceModule } from './governance.module.js';

export async function createGovernanceApp(deps: PlatformDeps): Promise<NestFastifyApplication> {
  const app = await createHttpApp(GovernanceModule.forRoot(deps), deps.config);
  acceptEvaluationUploads(app, deps.config.bias.uploadLimitBytes);
  return app;
}
