import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { PraesidiumConfig } from '@praesidium/config';
import { createHttpApp } from '@praesidium/http';
import { takeJoseBodiesOnly } from './jose-bodies.js';
import { SampleModelModule } from './sample-model.module.js';

export async function createSampleModelApp(config: PraesidiumConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(SampleModelModule.forRoot(config), config);
  if (config.sampleModel.keyFile) await takeJoseBodiesOnly(app, config.sampleModel.keyFile);
  return app;
}
