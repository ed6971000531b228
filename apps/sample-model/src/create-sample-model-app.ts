import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PraesidiumConfig } from '@praesidium/config';
import { createHttpApp } from '@praesidium/http';
import { takeJoseBodiesOnly } from './jose-bodies.js';
import { SampleModelModule } from './sample-model.module.js';

/** Large enough for the demo fluoroscopy frame; the gateway enforces each model's own limit first. */
const SAMPLE_MODEL_BODY_LIMIT = 16 * 1024 * 1024;

export async function createSampleModelApp(config: PraesidiumConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(SampleModelModule.forRoot(config), config, SAMPLE_MODEL_BODY_LIMIT);
  if (config.sampleModel.keyFile) await takeJoseBodiesOnly(app, config.sampleModel.keyFile);
  return app;
}
