import { createHash } from 'node:crypto';
import {
  isInCanaryScope,
  type CanaryCaller,
  type DeployedModel,
  type Deployment,
  type ServingCanary,
} from '@praesidium/model-registry';

/** Routing resolution: hundredths of a percent. */
const BUCKETS = 10_000;
const BUCKETS_PER_PERCENT = BUCKETS / 100;

/**
 * Where a routing key falls, 0 to 9 999: the first 32 bits of SHA-256 over the canary's id and the
 * key. Salting with the canary's id gives each canary its own sample of patients (the same patients
 * are not always the first to meet a new version) while keeping one patient in one place for the
 * whole canary; the bias of the modulo (2^32 mod 10 000) is below one in 400 000.
 */
export function canaryBucket(canaryId: string, routingKey: string): number {
  return createHash('sha256').update(`${canaryId}:${routingKey}`).digest().readUInt32BE(0) % BUCKETS;
}

/**
 * Whether a call with this routing key goes to the canary. The share is a threshold on the bucket,
 * so raising the share keeps every key already on the canary there, and lowering it only moves
 * keys back to the deployed version.
 */
export function isRoutedToCanary(
  canary: Pick<ServingCanary, 'id' | 'sharePercent'>,
  routingKey: string,
): boolean {
  return canaryBucket(canary.id, routingKey) < canary.sharePercent * BUCKETS_PER_PERCENT;
}

/**
 * How the version that served a call was chosen: the model's deployed version, its canary (a version
 * still on trial for a share of patients), or the version the caller pinned. The answer's
 * transparency block and the call's audit records carry it.
 */
export type Rollout = 'deployed' | 'canary' | 'pinned';

/** A version chosen to serve a call, and how. */
export interface ServedVersion extends DeployedModel {
  readonly rollout: Rollout;
}

/**
 * The version that serves an unpinned call: the canary for its share of routing keys among the
 * callers its scope names, else the deployed one.
 */
export function servingVersion(
  deployment: Deployment,
  routingKey: string,
  caller: CanaryCaller,
): ServedVersion {
  const { model, version, canary } = deployment;
  if (canary && isInCanaryScope(canary.scope, caller) && isRoutedToCanary(canary, routingKey))
    return { model, version: canary.version, rollout: 'canary' };
  return { model, version, rollout: 'deployed' };
}
