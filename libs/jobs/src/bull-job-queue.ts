import Bull from 'bull';
import { Redis, type RedisOptions } from 'ioredis';
import {
  clampProgress,
  publicJobError,
  requesterOf,
  type JobHandler,
  type JobQueue,
  type JobStatus,
} from './job-queue.js';

const ADD_TIMEOUT_MS = 2000;

export class JobQueueUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the job queue is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'JobQueueUnavailableError';
  }
}

/**
 * Jobs on Redis through Bull, shared by every process of a deployment. While Redis is down, `add`
 * fails within two seconds instead of hanging (Bull's client would otherwise queue commands offline).
 */
export class BullJobQueue implements JobQueue {
  readonly kind = 'bull' as const;
  private readonly queue: Bull.Queue;
  private readonly connections: Redis[] = [];

  constructor(redisUrl: string, queueName = 'praesidium', prefix = 'praesidium') {
    this.queue = new Bull(queueName, redisUrl, {
      prefix,
      createClient: (type, options) => {
        const connection = new Redis({ ...(options as RedisOptions), ...clientOptions(type) });
        this.connections.push(connection);
        return connection;
      },
      defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 1000, attempts: 3, backoff: 1000 },
    });
    // Errors surface through add() and status(); without a listener Bull would crash the process.
    this.queue.on('error', () => undefined);
  }

  register<T, R>(name: string, handler: JobHandler<T, R>): void {
    void this.queue.process(name, 1, async (job) => {
      try {
        return await handler({
          id: String(job.id),
          data: job.data as T,
          reportProgress: async (percent) => {
            await job.progress(clampProgress(percent));
          },
        });
      } catch (error) {
        // Bull keeps the message as the job's failedReason, which its status shows.
        throw new Error(publicJobError(name, String(job.id), error), { cause: error });
      }
    });
  }

  async add<T>(name: string, data: T): Promise<string> {
    // The wait for a connection and the command are bounded apart: a command chained onto the wait
    // would still be sent when Redis returns, adding a job whose caller was told it was refused.
    const queue = await withTimeout(this.connected(), ADD_TIMEOUT_MS);
    const job = await withTimeout(queue.add(name, data), ADD_TIMEOUT_MS);
    return String(job.id);
  }

  async status(id: string): Promise<JobStatus | undefined> {
    const job = await withTimeout(
      this.connected().then((queue) => queue.getJob(id)),
      ADD_TIMEOUT_MS,
    );
    if (!job) return undefined;
    const state = await job.getState();
    const progress = typeof job.progress() === 'number' ? (job.progress() as number) : 0;
    return {
      id: String(job.id),
      name: job.name,
      ...requesterOf(job.data),
      state: state === 'completed' || state === 'failed' || state === 'active' ? state : 'waiting',
      progress: state === 'completed' ? 100 : progress,
      ...(job.returnvalue !== undefined && job.returnvalue !== null ? { result: job.returnvalue } : {}),
      ...(job.failedReason ? { error: job.failedReason } : {}),
    };
  }

  /** Closes gracefully if Redis answers; Bull leaves clients from `createClient` open, so drop them. */
  async close(): Promise<void> {
    await withTimeout(this.queue.close(), ADD_TIMEOUT_MS).catch(() => undefined);
    for (const connection of this.connections) connection.disconnect();
  }

  /** Waits for the command connection: with no offline queue, a command sent before it would fail. */
  private async connected(): Promise<Bull.Queue> {
    const queue = await this.queue.isReady();
    if (queue.client.status !== 'ready') {
      await new Promise((resolve) => queue.client.once('ready', resolve));
    }
    return queue;
  }
}

/**
 * Commands fail fast while Redis is down; Bull's blocking clients must retry forever instead. On close,
 * ioredis waits `disconnectTimeout` for a socket to finish closing, even one that already has (Redis
 * unreachable), and holds the process meanwhile: 2 s by default, far longer than a close should take.
 */
function clientOptions(type: 'client' | 'subscriber' | 'bclient'): RedisOptions {
  return type === 'client'
    ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, disconnectTimeout: 100 }
    : { maxRetriesPerRequest: null, enableReadyCheck: false, disconnectTimeout: 100 };
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    throw new JobQueueUnavailableError(error);
  } finally {
    clearTimeout(timer);
  }
}
