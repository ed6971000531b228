import { isSameIdentity, type Principal } from '@praesidium/access';
import type { AuditAgent } from '@praesidium/audit';
import { JobQueueUnavailableError, type JobQueue, type JobRequester, type JobStatus } from '@praesidium/jobs';
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

/** The requester of a job the principal asks for: subject and issuer, whose alone the job is. */
export function requesterFields(principal: Principal): JobRequester {
  return { requestedBy: principal.subject, requestedByIssuer: principal.issuer };
}

/**
 * Whether the job is the principal's: asked for by the same subject at the same issuer. A job without
 * an issuer (queued on Redis before issuers were kept) is nobody's.
 */
export function isJobOf(status: JobStatus, principal: Principal): boolean {
  if (status.requestedBy === undefined || status.requestedByIssuer === undefined) return false;
  return isSameIdentity({ subject: status.requestedBy, issuer: status.requestedByIssuer }, principal);
}

/** Who a job acts for, as its audit records name them (the issuer when the job's data carries one). */
export function requesterAgent(data: Pick<JobRequester, 'requestedBy'> & Partial<JobRequester>): AuditAgent {
  return {
    subject: data.requestedBy,
    ...(typeof data.requestedByIssuer === 'string' ? { issuer: data.requestedByIssuer } : {}),
  };
}
