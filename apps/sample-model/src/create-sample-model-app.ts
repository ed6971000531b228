import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PraesidiumConfig } from '@praesidium/config';
import { createHttpApp } from '@praesidium/http';
import { SampleModelModule } from './sample-model.module.js';

/** Large enough for the demo fluoroscopy frame; the gateway enforces each model's own limit first. */
const SAMPLE_MODEL_BODY_LIMIT = 16 * 1024 * 1024;

export function createSampleModelApp(config: PraesidiumConfig): Promise<NestFastifyApplication> {
  return createHttpApp(SampleModelModule.forRoot(config), config, SAMPLE_MODEL_BODY_LIMIT);
}
