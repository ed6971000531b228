import { JobQueueUnavailableError, type JobQueue } from '@praesidium/jobs';
import { ProblemError } from '@praesidium/problem';

/** Adds a job, turning a Redis outage into `jobs.unavailable` instead of a hung request. */
export function enqueue<T>(jobs: JobQueue, name: string, data: T): Promise<string> {
  return enqueueSafe(() => jobs.add(name, data));
}

/** Runs a queue call, mapping a Redis outage to `jobs.unavailable`. */
export async function enqueueSafe<R>(call: () => Promise<R>): Promise<R> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof JobQueueUnavailableError) throw new ProblemError('jobs.unavailable');
    throw error;
  }
}
