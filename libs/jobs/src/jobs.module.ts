import { Global, Module, type DynamicModule } from '@nestjs/common';
import { BullJobQueue } from './bull-job-queue.js';
import { InProcessJobQueue } from './in-process-job-queue.js';
import { JOB_QUEUE, type JobQueue } from './job-queue.js';

export function createJobQueue(redisUrl: string | undefined): JobQueue {
  return redisUrl ? new BullJobQueue(redisUrl) : new InProcessJobQueue();
}

@Global()
@Module({})
export class JobsModule {
  static forRoot(queue: JobQueue): DynamicModule {
    return { module: JobsModule, providers: [{ provide: JOB_QUEUE, useValue: queue }], exports: [JOB_QUEUE] };
  }
}
