import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@praesidium/http';
import type { PlatformDeps } from '@praesidium/platform';
import { GovernanceModule } from './governance.module.js';

/** A consent may carry its scanned signed form (up to 10 MB), base64 inside the FHIR JSON. */
const GOVERNANCE_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

export function createGovernanceApp(deps: PlatformDeps): Promise<NestFastifyApplication> {
  return createHttpApp(GovernanceModule.forRoot(deps), deps.config, GOVERNANCE_BODY_LIMIT_BYTES);
}
