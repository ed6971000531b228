import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@praesidium/http';
import type { PlatformDeps } from '@praesidium/platform';
import { WorkerModule } from './worker.module.js';

/** Jobs are taken from Redis only: an in-process queue would receive nothing in a worker process. */
export async function createWorkerApp(deps: PlatformDeps): Promise<NestFastifyApplication> {
  if (deps.jobs.kind !== 'bull') {
    throw new Error('the worker takes jobs from Redis: set REDIS_URL');
  }
  return createHttpApp(WorkerModule.forRoot(deps), deps.config);
}
