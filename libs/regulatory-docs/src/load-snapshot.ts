import type { EntityManager } from 'typeorm';
import {
  ChangeControlPlanEntity,
  DatasetEntity,
  DriftCheckEntity,
  EvidenceEntity,
  FeedbackFloorRevisionEntity,
  FeedbackPeriodRecordEntity,
  ModelEntity,
  ModelVersionEntity,
  PerformanceObservationEntity,
  SignatureEntity,
  VersionTransitionEntity,
  type MetricResult,
  type PerformanceFloor,
  withRecording,
} from '@praesidium/model-registry';
import type { RegistrySnapshot } from './snapshot.js';

export class RecordNotFoundError extends Error {}

/** Reads the registry records of one model version that its documents are generated from. */
export async function loadSnapshot(
  manager: EntityManager,
  modelName: string,
  versionName: string,
): Promise<RegistrySnapshot> {
  const model = await manager.findOneBy(ModelEntity, { name: modelName });
  if (!model) throw new RecordNotFoundError('model not found');
  const versions = await manager.find(ModelVersionEntity, { where: { modelId: model.id } });
  const version = versions.find((candidate) => candidate.version === versionName);
  if (!version) throw new RecordNotFoundError('version not found');
  const [datasets, evidence, plan, drift, observations, transitions, signatures, floors, scheduled] =
    await Promise.all([
      manager.find(DatasetEntity, { where: { modelId: model.id }, order: { createdAt: 'ASC' } }),
      manager.find(EvidenceEntity, {
        where: { versionId: version.id },
        order: { createdAt: 'ASC', id: 'ASC' },
      }),
      manager.findOne(ChangeControlPlanEntity, {
        where: { modelId: model.id },
        order: { createdAt: 'DESC' },
      }),
      manager.find(DriftCheckEntity, {
        where: { versionId: version.id },
        order: { createdAt: 'ASC', id: 'ASC' },
      }),
      manager.find(PerformanceObservationEntity, {
        where: { versionId: version.id },
        order: { periodStart: 'ASC', id: 'ASC' },
      }),
      manager.find(VersionTransitionEntity, {
        where: { versionId: version.id },
        order: { at: 'ASC', id: 'ASC' },
      }),
      manager.find(SignatureEntity, {
        where: { versionId: version.id },
        order: { signedAt: 'ASC', id: 'ASC' },
      }),
      manager.findOne(FeedbackFloorRevisionEntity, {
        where: { versionId: version.id },
        order: { revision: 'DESC' },
      }),
      manager.find(FeedbackPeriodRecordEntity, { where: { versionId: version.id } }),
    ]);
  // The schedule's periods told from recordings on request by the schedule's own record.
  const performance = withRecording(observations, scheduled);
  const bySchedule = performance.filter((observation) => observation.recording === 'schedule');
  return {
    model: {
      id: model.id,
      name: model.name,
      displayName: model.displayName,
      intendedUse: model.intendedUse,
      limitations: model.limitations,
      departments: model.departments,
      riskClass: model.riskClass,
      profile: model.profile ?? {},
      classification: model.classification ?? {},
    },
    version: {
      id: version.id,
      version: version.version,
      status: version.status,
      manifestSha256: version.manifestSha256,
      manifest: version.manifest ?? {},
      pccpModifications: version.pccpModifications ?? [],
    },
    history: versions
      .map(({ id, version: name, status, manifestSha256 }) => ({ id, version: name, status, manifestSha256 }))
      .sort((a, b) => a.version.localeCompare(b.version, 'en', { numeric: true })),
    datasets: datasets.map(({ id, name, splitRole, datasheet, contentSha256, qualityReport }) => ({
      id,
      name,
      splitRole,
      datasheet,
      contentSha256,
      qualityReport,
    })),
    evidence: evidence.map(({ id, kind, title, sha256, details }) => ({ id, kind, title, sha256, details })),
    changeControlPlan: plan ? { id: plan.id, sha256: plan.sha256, plan: plan.plan } : null,
    monitoring: {
      driftChecks: drift.length,
      driftAlerts: drift.filter((check) => check.isAlert).length,
      performanceObservations: performance.length,
      performanceAlerts: performance.filter((observation) => observation.isAlert).length,
      scheduledPeriods: bySchedule.length,
      scheduledAlerts: bySchedule.filter((observation) => observation.isAlert).length,
      driftSeries: drift.map((check) => {
        const result = check.result as {
          features?: { feature: string; level: string }[];
          thresholds?: { warn: number; alert: number };
          period?: string;
        };
        return {
          id: check.id,
          at: check.createdAt.toISOString(),
          ...(result.period ? { period: result.period } : {}),
          thresholds: result.thresholds ?? { warn: Number.NaN, alert: Number.NaN },
          features: result.features?.length ?? 0,
          alertFeatures: (result.features ?? [])
            .filter((feature) => feature.level === 'alert')
            .map((feature) => feature.feature),
        };
      }),
      ...(floors && floors.floors.length > 0
        ? {
            declaredFeedbackFloors: {
              id: floors.id,
              revision: floors.revision,
              declaredAt: floors.declaredAt.toISOString(),
              declaredBy: floors.declaredBy,
              floors: floors.floors,
            },
          }
        : {}),
      performanceSeries: performance.map((observation) => {
        const result = observation.result as {
          metrics?: MetricResult[];
          floors?: PerformanceFloor[];
          breaches?: { metric: string; subgroup: string; minimum: number; observed?: number }[];
        };
        return {
          id: observation.id,
          periodStart: observation.periodStart.toISOString(),
          periodEnd: observation.periodEnd.toISOString(),
          source: observation.source,
          recording: observation.recording,
          ...(observation.schedule ? { schedule: observation.schedule } : {}),
          recordedBy: observation.createdBy,
          metrics: result.metrics ?? [],
          floors: result.floors ?? [],
          breaches: result.breaches ?? [],
        };
      }),
    },
    transitions: transitions.map((step) => ({
      id: step.id,
      from: step.fromStatus,
      to: step.toStatus,
      actor: step.actor,
      at: step.at.toISOString(),
      recordSha256: step.recordSha256,
    })),
    signatures: signatures.map((signature) => ({
      id: signature.id,
      printedName: signature.printedName,
      role: signature.signerRole,
      meaning: signature.meaning,
      signedAt: signature.signedAt.toISOString(),
      signatureSha256: signature.signatureSha256,
    })),
  };
}
