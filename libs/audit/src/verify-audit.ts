import type { AuditTrail } from './audit-trail.service.js';
import type { AuditCheckpoints } from './checkpoint/audit-checkpoints.js';
import type { CheckpointVerification } from './checkpoint/checkpoint-payload.js';
import type { ChainVerification } from './hash-chain.js';

export interface AuditVerification {
  readonly valid: boolean;
  readonly streams: readonly ChainVerification[];
  readonly checkpoints: CheckpointVerification;
}

/** Every chain, then every signed checkpoint: what `praesidium audit verify` and the API report. */
export async function verifyAudit(
  trail: AuditTrail,
  checkpoints: AuditCheckpoints,
  onProgress?: (percent: number) => Promise<void>,
): Promise<AuditVerification> {
  const chains = await trail.verify(async (percent) => onProgress?.(percent * 0.8));
  const signed = await checkpoints.verify();
  await onProgress?.(100);
  return { valid: chains.valid && signed.valid, streams: chains.streams, checkpoints: signed };
}
