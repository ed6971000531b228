import { Logger } from '@nestjs/common';
import { ProblemError } from '@praesidium/problem';
/** What a job handler sees: its data and a way to report progress the user can watch. */
export interface JobContext<T> {
  readonly id: string;
  readonly data: T;
  reportProgress(percent: number): Promise<void>;
}

export type JobHandler<T = unknown, R = unknown> = (job: JobContext<T>) => Promise<R>;

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

export interface JobStatus {
  readonly id: string;
  readonly name: string;
  readonly state: JobState;
  /**
   * Who asked for the job: the subject and issuer of its data's `requestedBy` and `requestedByIssuer`
   * (`JobRequester`). Only they may read it; a job without both is nobody's.
   */
  readonly requestedBy?: string;
  readonly requestedByIssuer?: string;
  readonly progress: number;
  readonly result?: unknown;
  readonly error?: string;
}

/**
 * The one job interface of Praesidium: Bull on Redis when REDIS_URL is set, an in-process runner
 * otherwise. Handlers are registered by name before the first job of that name is added.
 */
export interface JobQueue {
  readonly kind: 'bull' | 'in-process';
  register<T, R>(name: string, handler: JobHandler<T, R>): void;
  add<T>(name: string, data: T): Promise<string>;
  status(id: string): Promise<JobStatus | undefined>;
  close(): Promise<void>;
}

/** Injection token of the process's JobQueue. */
export const JOB_QUEUE = Symbol('PRAESIDIUM_JOB_QUEUE');

export function clampProgress(percent: number): number {
  return Math.max(0, Math.min(100, Math.round(percent)));
}

/** Who asks for a job, in its data: a subject names a person at one issuer only. */
export interface JobRequester {
  readonly requestedBy: string;
  readonly requestedByIssuer: string;
}

/** The requester fields a job's data carries (those that are strings), for its status. */
export function requesterOf(data: unknown): Partial<JobRequester> {
  const { requestedBy, requestedByIssuer } = (data ?? {}) as Record<string, unknown>;
  return {
    ...(typeof requestedBy === 'string' ? { requestedBy } : {}),
    ...(typeof requestedByIssuer === 'string' ? { requestedByIssuer } : {}),
  };
}

const logger = new Logger('Jobs');

/**
 * What a failed job tells whoever reads its status: a refusal's reason code and detail (which never
 * name a patient), else only that it failed. Any other error's message may carry what the job read
 * (a value from an uploaded file, a database row), so it is neither shown nor logged: the log gets
 * the job and the error's class.
 */
export function publicJobError(name: string, id: string, error: unknown): string {
  if (error instanceof ProblemError) return error.message;
  logger.error(`job ${name} ${id} failed: ${error instanceof Error ? error.name : typeof error}`);
  return "internal.error: the job failed; its cause is in the operators' log by class only";
}
