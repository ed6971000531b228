import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { CanaryChangeKind } from './canary.js';
import { CanaryChangeEntity, ModelCanaryEntity } from './canary.entity.js';

/**
 * The canary rows as the lifecycle and the canary service change them, always inside the caller's
 * transaction (which holds the model row's lock): the running canary and its append-only history.
 */
export function runningCanary(manager: EntityManager, modelId: string): Promise<ModelCanaryEntity | null> {
  return manager.findOneBy(ModelCanaryEntity, { modelId });
}

/** Appends one change of `canary` to its history. */
export async function recordCanaryChange(
  manager: EntityManager,
  canary: ModelCanaryEntity,
  action: CanaryChangeKind,
  actor: string,
  reason: string,
  at: Date,
): Promise<void> {
  await manager.insert(CanaryChangeEntity, {
    id: randomUUID(),
    canaryId: canary.id,
    modelId: canary.modelId,
    versionId: canary.versionId,
    action,
    sharePercent: canary.sharePercent,
    sites: canary.sites,
    departments: canary.departments,
    actor,
    reason,
    at,
  });
}

/** Ends the running canary (promoted, aborted or stopped): its row goes, its history stays. */
export async function endCanary(
  manager: EntityManager,
  canary: ModelCanaryEntity,
  action: Extract<CanaryChangeKind, 'promote' | 'abort' | 'stop'>,
  actor: string,
  reason: string,
): Promise<void> {
  await manager.delete(ModelCanaryEntity, { modelId: canary.modelId });
  await recordCanaryChange(manager, canary, action, actor, reason, new Date());
}
