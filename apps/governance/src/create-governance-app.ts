import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@praesidium/http';
import type { PlatformDeps } from '@praesidium/platform';
import { authenticateBeforeBodies } from './auth/authenticate-before-body.js';
import { acceptEvaluationUploads } from './bias/evaluation-upload.js';
import { CONSOLE_PAGES } from './console/console-pages.js';
import { registerConsole } from './console/console.plugin.js';
import { GovernanceModule } from './governance.module.js';

/** A consent may carry its scanned signed form (up to 10 MB), base64 inside the FHIR JSON. */
const GOVERNANCE_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export async function createGovernanceApp(deps: PlatformDeps): Promise<NestFastifyApplication> {
  const app = await createHttpApp(GovernanceModule.forRoot(deps), deps.config, GOVERNANCE_BODY_LIMIT_BYTES);
  authenticateBeforeBodies(app);
  acceptEvaluationUploads(app, deps.config.bias.uploadLimitBytes);
  await registerConsole(app, deps, CONSOLE_PAGES);
  return app;
}
