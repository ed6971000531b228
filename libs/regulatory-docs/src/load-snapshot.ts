import type { EntityManager } from 'typeorm';
import {
  ChangeControlPlanEntity,
  DatasetEntity,
  DriftCheckEntity,
  EvidenceEntity,
  ModelEntity,
  ModelVersionEntity,
  PerformanceObservationEntity,
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
  const [datasets, evidence, plan, drift, performance] = await Promise.all([
    manager.find(DatasetEntity, { where: { modelId: model.id }, order: { createdAt: 'ASC' } }),
    manager.find(EvidenceEntity, {
      where: { versionId: version.id },
      order: { createdAt: 'ASC', id: 'ASC' },
    }),
    manager.findOne(ChangeControlPlanEntity, { where: { modelId: model.id }, order: { createdAt: 'DESC' } }),
    manager.find(DriftCheckEntity, { where: { versionId: version.id } }),
    manager.find(PerformanceObservationEntity, { where: { versionId: version.id } }),
  ]);
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
    },
  };
}
