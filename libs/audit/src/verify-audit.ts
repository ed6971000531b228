import { ProblemError } from '@praesidium/problem';
import type { AuditTrail } from './audit-trail.service.js';
import type { AuditCheckpoints } from './checkpoint/audit-checkpoints.js';
import type { CheckpointVerification } from './checkpoint/checkpoint-payload.js';
import type { ChainVerification } from './hash-chain.js';

export interface AuditVerification {
  readonly valid: boolean;
  readonly streams: readonly ChainVerification[];
  readonly checkpoints: CheckpointVerification;
}

/**
 * Every chain, then every signed checkpoint: what `praesidium audit verify` and the API report.
 * With `fromCheckpoint`, only what came after a checkpoint verified earlier is checked: each chain
 * from that checkpoint's head of the stream, and the tree from its stored frontier.
 */
export async function verifyAudit(
  trail: AuditTrail,
  checkpoints: AuditCheckpoints,
  options: { onProgress?: (percent: number) => Promise<void>; fromCheckpoint?: number } = {},
): Promise<AuditVerification> {
  const { onProgress, fromCheckpoint } = options;
  const start = fromCheckpoint === undefined ? undefined : await checkpoints.checkpoint(fromCheckpoint);
  if (fromCheckpoint !== undefined && !start) {
    throw new ProblemError('request.not_found', `there is no checkpoint ${fromCheckpoint}`);
  }
  const heads = start ? await checkpoints.headsOf(start) : new Map<string, { seq: number; hash: string }>();
  const chains = await trail.verify(async (percent) => onProgress?.(percent * 0.8), heads);
  const signed = await checkpoints.verify(start);
  await onProgress?.(100);
  return { valid: chains.valid && signed.valid, streams: chains.streams, checkpoints: signed };
}
