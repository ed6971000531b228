import type { AuditRecord } from '../audit-event.js';
import { GENESIS_HASH } from '../hash-chain.js';
import type { RetentionAnchor } from './retention-anchors.js';

/** A record as the database holds it, reduced to what pins it: its place in its chain and its hash. */
export interface StoredLink {
  readonly streamId: string;
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

/** Per stream, the last record of the month: the anchor its retained chain will start from. */
export interface MonthStream {
  readonly streamId: string;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly lastHash: string;
}

/**
 * Why an archive does not hold exactly the month's records (same streams, seqs and hashes, in
 * chain order), or `undefined` when it does. Both lists are ordered by stream, then seq.
 */
export function archiveMismatch(
  archived: readonly AuditRecord[],
  stored: readonly StoredLink[],
): string | undefined {
  if (archived.length !== stored.length) {
    return `the archive holds ${archived.length} records, the database ${stored.length} for that month`;
  }
  const key = (link: { streamId: string; seq: number; hash: string }) =>
    `${link.streamId}\n${link.seq}\n${link.hash}`;
  const inArchive = new Set(archived.map(key));
  const missing = stored.find((link) => !inArchive.has(key(link)));
  return missing
    ? `the archive does not hold record ${missing.seq} of stream ${missing.streamId} as the database does`
    : undefined;
}

/** The month's records per stream, each stream's in seq order. */
export function monthStreams(stored: readonly StoredLink[]): MonthStream[] {
  const streams = new Map<string, MonthStream>();
  for (const link of stored) {
    const known = streams.get(link.streamId);
    streams.set(link.streamId, {
      streamId: link.streamId,
      firstSeq: known?.firstSeq ?? link.seq,
      lastSeq: link.seq,
      lastHash: link.hash,
    });
  }
  return [...streams.values()];
}

/**
 * Why dropping the month would leave a hole in a chain, or `undefined`: each stream's records of the
 * month must start right after its current anchor (or at the genesis) and link to it, so that the
 * dropped records are a prefix of what remains.
 */
export function prefixProblem(
  stored: readonly StoredLink[],
  anchors: ReadonlyMap<string, RetentionAnchor>,
): string | undefined {
  const firsts = new Map<string, StoredLink>();
  for (const link of stored) if (!firsts.has(link.streamId)) firsts.set(link.streamId, link);
  for (const [streamId, first] of firsts) {
    const anchor = anchors.get(streamId) ?? { seq: 0, hash: GENESIS_HASH };
    if (first.seq !== anchor.seq + 1 || first.prevHash !== anchor.hash) {
      return `stream ${streamId}: the month's records do not start right after the stream's retained start (seq ${anchor.seq + 1})`;
    }
  }
  return undefined;
}
