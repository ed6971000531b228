import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@praesidium/http';
import type { PlatformDeps } from '@praesidium/platform';
import { GatewayModule } from './gateway.module.js';

export function createGatewayApp(deps: PlatformDeps): Promise<NestFastifyApplication> {
  return createHttpApp(GatewayModule.forRoot(deps), deps.config, deps.config.gateway.bodyLimitBytes);
}
