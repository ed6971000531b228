import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@praesidium/http';
import type { PlatformDeps } from '@praesidium/platform';
import { GatewayMetrics } from '@praesidium/telemetry';
import { installOverheadHeader } from './call-timing.js';
import { authenticateBeforeBodies } from './caller-authentication.js';
import { EdgeRefusalAuditor } from './edge-refusal-auditor.js';
import { GatewayModule } from './gateway.module.js';
import { gatewayHttpsOptions } from './gateway-tls.js';
import { acceptJoseRequestBodies } from './jose/jose-request-body.js';
import { installBodyLimits, largestBodyLimit } from './request-body.js';

/**
 * No `enableShutdownHooks()`: the CLI turns SIGINT/SIGTERM into `app.close()` for each app, in order,
 * then releases the database; `close()` runs every lifecycle hook (the pipeline's
 * `beforeApplicationShutdown` waits for outcome records still committing) before TypeORM's
 * `onApplicationShutdown` destroys the DataSource. Nest's own signal handler would race that stop.
 */
export async function createGatewayApp(deps: PlatformDeps): Promise<NestFastifyApplication> {
  // The auditor needs the app's audit trail, which exists only once the app does.
  const edge: { auditor?: EdgeRefusalAuditor } = {};
  const app = await createHttpApp(
    GatewayModule.forRoot(deps),
    deps.config,
    largestBodyLimit(deps.config),
    (refusal) => edge.auditor?.recordClientError(refusal),
    gatewayHttpsOptions(deps.config),
  );
  edge.auditor = new EdgeRefusalAuditor(app);
  const fastify = app.getHttpAdapter().getInstance();
  installBodyLimits(fastify, deps.config);
  acceptJoseRequestBodies(app, deps.config);
  installOverheadHeader(fastify, app.get(GatewayMetrics));
  // After the overhead header's hook: a call's time runs from its arrival, authentication included.
  authenticateBeforeBodies(app);
  return app;
}
