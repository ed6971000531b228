import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuditCheckpoints, AuditTrail, verifyAudit, type AuditVerification } from '@praesidium/audit';
import { JOB_QUEUE, type JobQueue, type JobRequester } from '@praesidium/jobs';
import { requesterAgent } from '../jobs/enqueue.js';

export const AUDIT_VERIFY_JOB = 'audit.verify';

export interface AuditVerifyRequest extends JobRequester {
  /** Check only what came after this checkpoint, verified earlier. */
  readonly fromCheckpoint?: number;
}

/** Verifying every chain reads the whole trail: it runs as a job with visible progress. */
@Injectable()
export class AuditVerifyJob implements OnModuleInit {
  constructor(
    private readonly trail: AuditTrail,
    private readonly checkpoints: AuditCheckpoints,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  onModuleInit(): void {
    this.jobs.register<AuditVerifyRequest, AuditVerification>(AUDIT_VERIFY_JOB, async (job) => {
      const result = await verifyAudit(this.trail, this.checkpoints, {
        onProgress: (percent) => job.reportProgress(percent),
        fromCheckpoint: job.data.fromCheckpoint,
      });
      await this.trail.append({
        action: 'audit.verified',
        outcome: result.valid ? 'success' : 'failure',
        reasonCode: result.valid ? undefined : 'audit.chain_broken',
        agent: requesterAgent(job.data),
      });
      return result;
    });
  }
}
