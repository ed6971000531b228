import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@praesidium/http';
import type { PlatformDeps } from '@praesidium/platform';
import { auditEdgeRefusals } from './edge-refusal-auditor.js';
import { GatewayModule } from './gateway.module.js';

export async function createGatewayApp(deps: PlatformDeps): Promise<NestFastifyApplication> {
  const app = await createHttpApp(
    GatewayModule.forRoot(deps),
    deps.config,
    deps.config.gateway.bodyLimitBytes,
  );
  auditEdgeRefusals(app);
  return app;
}
