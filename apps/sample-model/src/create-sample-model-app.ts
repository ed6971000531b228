import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PraesidiumConfig } from '@praesidium/config';
import { createHttpApp } from '@praesidium/http';
import { SampleModelModule } from './sample-model.module.js';

export function createSampleModelApp(config: PraesidiumConfig): Promise<NestFastifyApplication> {
  return createHttpApp(SampleModelModule.forRoot(config), config);
}
