import { Module, type DynamicModule } from '@nestjs/common';
import { AccessModule, BreakGlassModule, PolicyModule, PolicyVersionStamp } from '@praesidium/access';
import { AuditModule } from '@praesidium/audit';
import { ConsentModule } from '@praesidium/consent';
import { ClientKeysModule } from '@praesidium/keys';
import { ModelRegistryModule } from '@praesidium/model-registry';
import { platformModules, type PlatformDeps } from '@praesidium/platform';
import { AuditCheckpointScheduler } from './audit/audit-checkpoint.scheduler.js';
import { AuditProofsController } from './audit/audit-proofs.controller.js';
import { AuditController } from './audit/audit.controller.js';
import { BiasReportSignOff } from './bias/bias-report-sign-off.js';
import { BiasReportStore } from './bias/bias-report.store.js';
import { BiasReportsController } from './bias/bias-reports.controller.js';
import { DocumentStore } from './documents/document.store.js';
import { DocumentsController } from './documents/documents.controller.js';
import { BreakGlassAlerter } from './break-glass/break-glass-alerter.js';
import { BreakGlassExpiry } from './break-glass/break-glass-expiry.js';
import { BreakGlassController } from './break-glass/break-glass.controller.js';
import { ClientKeysController } from './client-keys/client-keys.controller.js';
import { ConsentController } from './consent/consent.controller.js';
import { ConsoleSignOuts } from './console/console-sign-outs.js';
import { DemoIssuerController } from './demo/demo-issuer.controller.js';
import { DemoSeeder } from './demo/demo-seeder.js';
import { DocsController } from './docs/docs.controller.js';
import { HealthController } from './health.controller.js';
import { JobsController } from './jobs/jobs.controller.js';
import { KeyRotationController } from './keys/key-rotation.controller.js';
import { ModelCanaryController } from './models/model-canary.controller.js';
import { ModelDatasetsController } from './models/model-datasets.controller.js';
import { ModelMonitoringController } from './models/model-monitoring.controller.js';
import { ModelEvidenceController } from './models/model-evidence.controller.js';
import { ModelVersionsController } from './models/model-versions.controller.js';
import { ModelsController } from './models/models.controller.js';
import { PoliciesController } from './policies/policies.controller.js';
import { SuspensionsController } from './suspensions/suspensions.controller.js';
import {
  FeedbackMonitoringController,
  FeedbackScheduleRunsController,
} from './post-market/feedback-monitoring.controller.js';
import { FeedbackPeriodAdoption } from './post-market/feedback-period.adoption.js';
import { FeedbackScheduler } from './post-market/feedback-schedule.scheduler.js';
import { JOB_PROVIDERS } from './worker.module.js';

@Module({})
export class GovernanceModule {
  static forRoot(deps: PlatformDeps): DynamicModule {
    const demo = deps.config.demo;
    return {
      module: GovernanceModule,
      imports: [
        ...platformModules(deps),
        AccessModule,
        PolicyModule,
        BreakGlassModule,
        AuditModule.forRoot('governance'),
        ConsentModule,
        ModelRegistryModule,
        ClientKeysModule,
      ],
      controllers: [
        HealthController,
        DocsController,
        AuditController,
        AuditProofsController,
        ConsentController,
        JobsController,
        ModelsController,
        ModelVersionsController,
        ModelCanaryController,
        ModelEvidenceController,
        ModelDatasetsController,
        ModelMonitoringController,
        FeedbackMonitoringController,
        FeedbackScheduleRunsController,
        PoliciesController,
        SuspensionsController,
        BreakGlassController,
        ClientKeysController,
        KeyRotationController,
        BiasReportsController,
        DocumentsController,
        ...(demo ? [DemoIssuerController] : []),
      ],
      providers: [
        PolicyVersionStamp,
        // Left to `start --apps worker` processes when PRAESIDIUM_GOVERNANCE_RUNS_JOBS=false.
        ...(deps.config.jobs.runInGovernance ? JOB_PROVIDERS : []),
        AuditCheckpointScheduler,
        FeedbackPeriodAdoption,
        FeedbackScheduler,
        BreakGlassAlerter,
        BreakGlassExpiry,
        BiasReportStore,
        BiasReportSignOff,
        DocumentStore,
        ConsoleSignOuts,
        ...(demo ? [DemoSeeder] : []),
      ],
    };
  }
}
