import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuditTrail, type TrailVerification } from '@praesidium/audit';
import { JOB_QUEUE, type JobQueue } from '@praesidium/jobs';

export const AUDIT_VERIFY_JOB = 'audit.verify';

/** Verifying every chain reads the whole trail: it runs as a job with visible progress. */
@Injectable()
export class AuditVerifyJob implements OnModuleInit {
  constructor(
    private readonly trail: AuditTrail,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  onModuleInit(): void {
    this.jobs.register<{ requestedBy: string }, TrailVerification>(AUDIT_VERIFY_JOB, async (job) => {
      const result = await this.trail.verify((percent) => job.reportProgress(percent));
      await this.trail.append({
        action: 'audit.verified',
        outcome: result.valid ? 'success' : 'failure',
        reasonCode: result.valid ? undefined : 'audit.chain_broken',
        agent: { subject: job.data.requestedBy },
      });
      return result;
    });
  }
}
