import { randomUUID } from 'node:crypto';
import {
  clampProgress,
  publicJobError,
  requesterOf,
  type JobHandler,
  type JobQueue,
  type JobStatus,
} from './job-queue.js';

const KEEP_FINISHED = 1000;

/** Runs jobs in this process, one at a time in arrival order; for the embedded default and tests. */
export class InProcessJobQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly jobs = new Map<string, { -readonly [K in keyof JobStatus]: JobStatus[K] }>();
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  register<T, R>(name: string, handler: JobHandler<T, R>): void {
    this.handlers.set(name, handler as JobHandler);
  }

  async add<T>(name: string, data: T): Promise<string> {
    if (this.closed) throw new Error('the job queue is closed');
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`no handler registered for job ${name}`);
    const id = randomUUID();
    const status: JobStatus = { id, name, state: 'waiting', progress: 0, ...requesterOf(data) };
    this.jobs.set(id, status);
    this.forgetOldJobs();
    this.tail = this.tail.then(() => this.run(id, handler, data));
    return id;
  }

  async status(id: string): Promise<JobStatus | undefined> {
    const job = this.jobs.get(id);
    return job ? { ...job } : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  private async run(id: string, handler: JobHandler, data: unknown): Promise<void> {
    const job = this.jobs.get(id);
    if (!job) return;
    job.state = 'active';
    try {
      job.result = await handler({
        id,
        data,
        reportProgress: async (percent) => {
          job.progress = clampProgress(percent);
        },
      });
      job.progress = 100;
      job.state = 'completed';
    } catch (error) {
      job.state = 'failed';
      job.error = publicJobError(job.name, id, error);
    }
  }

  private forgetOldJobs(): void {
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= KEEP_FINISHED) return;
      if (job.state === 'completed' || job.state === 'failed') this.jobs.delete(id);
    }
  }
}
