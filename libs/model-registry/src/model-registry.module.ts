import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Datasets } from './datasets/datasets.service.js';
import { EvidenceStore } from './evidence/evidence-store.service.js';
import { CanaryRollouts } from './lifecycle/canary-rollout.service.js';
import { VersionLifecycle } from './lifecycle/version-lifecycle.service.js';
import { ModelEntity, ModelVersionEntity } from './model.entity.js';
import { ModelRegistry } from './model-registry.service.js';
import { DriftMonitor } from './monitoring/drift-monitor.service.js';
import { FeedbackFloors } from './monitoring/feedback-floors.service.js';
import { FeedbackPeriodSettings } from './monitoring/feedback-period-settings.service.js';
import { FeedbackSchedule } from './monitoring/feedback-schedule.service.js';
import { FeedbackSummaries } from './monitoring/feedback-summaries.service.js';
import { PerformanceMonitor } from './monitoring/performance-monitor.service.js';
import { ChangeControlPlans } from './pccp/change-control-plans.service.js';
import { REGISTRY_ENTITIES } from './registry-records.entity.js';
import { ElectronicSignatures } from './signatures/electronic-signatures.service.js';
import { SigningCredentials } from './signatures/signing-credentials.service.js';

const SERVICES = [
  ModelRegistry,
  VersionLifecycle,
  CanaryRollouts,
  ElectronicSignatures,
  SigningCredentials,
  EvidenceStore,
  ChangeControlPlans,
  DriftMonitor,
  Datasets,
  PerformanceMonitor,
  FeedbackSummaries,
  FeedbackFloors,
  FeedbackPeriodSettings,
  FeedbackSchedule,
];

@Module({
  imports: [TypeOrmModule.forFeature([ModelEntity, ModelVersionEntity, ...REGISTRY_ENTITIES])],
  providers: SERVICES,
  exports: SERVICES,
})
export class ModelRegistryModule {}
