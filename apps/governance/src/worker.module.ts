import { Module, type DynamicModule } from '@nestjs/common';
import { AuditModule } from '@praesidium/audit';
import { ModelRegistryModule } from '@praesidium/model-registry';
import { platformModules, type PlatformDeps } from '@praesidium/platform';
import { AuditVerifyJob } from './audit/audit-verify.job.js';
import { BiasReportJob } from './bias/bias-report.job.js';
import { BiasReportStore } from './bias/bias-report.store.js';
import { DocumentJob } from './documents/document.job.js';
import { DocumentStore } from './documents/document.store.js';
import { HealthController } from './health.controller.js';
import { FeedbackScheduleJob } from './post-market/feedback-schedule.job.js';

/** The jobs governance enqueues: a governance process runs them unless they are left to workers. */
export const JOB_PROVIDERS = [AuditVerifyJob, BiasReportJob, DocumentJob, FeedbackScheduleJob];

/**
 * A worker process (`praesidium start --apps worker`): the governance jobs taken from Bull on Redis,
 * and nothing on HTTP but `/health/live` and `/health/ready` for the orchestrator. Workers scale by
 * adding processes; each writes its own audit stream (`worker`), covered by the same checkpoints.
 */
@Module({})
export class WorkerModule {
  static forRoot(deps: PlatformDeps): DynamicModule {
    return {
      module: WorkerModule,
      imports: [...platformModules(deps), AuditModule.forRoot('worker'), ModelRegistryModule],
      controllers: [HealthController],
      providers: [BiasReportStore, DocumentStore, ...JOB_PROVIDERS],
    };
  }
}
