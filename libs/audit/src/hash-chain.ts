import { contentHash, sha256Hex } from '@praesidium/digest';
import type { AuditEvent, AuditRecord } from './audit-event.js';

/** The previous hash of a stream's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * SHA-256 over the RFC 8785 canonical JSON of the record's content and its link to the previous
 * record, so anyone can recompute it with any JCS implementation.
 */
export function recordHash(streamId: string, seq: number, prevHash: string, event: AuditEvent): string {
  return contentHash({ streamId, seq, prevHash, event });
}

/**
 * The same hash from the event's canonical JSON as stored (`event_jcs`), without canonicalizing
 * again: JCS orders the record's keys `event`, `prevHash`, `seq`, `streamId`, so the hashed text is
 * the event's canonical bytes framed by the other three.
 */
export function recordHashOfCanonical(
  streamId: string,
  seq: number,
  prevHash: string,
  eventJcs: string,
): string {
  return sha256Hex(recordFrameHead + eventJcs + recordFrameTail(streamId, seq, prevHash));
}

/** What comes before the event's canonical JSON in a record's hashed text. */
export const recordFrameHead = '{"event":';

/** What comes after it: the link, the position and the stream, in JCS key order. */
export function recordFrameTail(streamId: string, seq: number, prevHash: string): string {
  return `,"prevHash":${JSON.stringify(prevHash)},"seq":${seq},"streamId":${JSON.stringify(streamId)}}`;
}

export interface ChainVerification {
  readonly streamId: string;
  readonly valid: boolean;
  readonly checked: number;
  readonly lastSeq: number;
  readonly lastHash: string;
  /** The first record that does not verify, and why. */
  readonly firstBreak?: { readonly seq: number; readonly problem: 'hash' | 'link' | 'gap' };
}

/** Incremental verifier: feed records in seq order, one page at a time. */
export class ChainVerifier {
  private checked = 0;
  private lastSeq: number;
  private lastHash: string;
  private firstBreak: ChainVerification['firstBreak'];

  /** Starts at the genesis, or after a known record (`seq`, `hash`) for a part of a chain, as in an archive. */
  constructor(
    private readonly streamId: string,
    after: { readonly seq: number; readonly hash: string } = { seq: 0, hash: GENESIS_HASH },
  ) {
    this.lastSeq = after.seq;
    this.lastHash = after.hash;
  }

  add(record: AuditRecord): void {
    if (this.firstBreak) return;
    this.checked += 1;
    if (record.seq !== this.lastSeq + 1) {
      this.firstBreak = { seq: this.lastSeq + 1, problem: 'gap' };
    } else if (record.prevHash !== this.lastHash) {
      this.firstBreak = { seq: record.seq, problem: 'link' };
    } else if (recordHash(record.streamId, record.seq, record.prevHash, record.event) !== record.hash) {
      this.firstBreak = { seq: record.seq, problem: 'hash' };
    }
    this.lastSeq = record.seq;
    this.lastHash = record.hash;
  }

  result(): ChainVerification {
    return {
      streamId: this.streamId,
      valid: this.firstBreak === undefined,
      checked: this.checked,
      lastSeq: this.lastSeq,
      lastHash: this.lastHash,
      ...(this.firstBreak ? { firstBreak: this.firstBreak } : {}),
    };
  }
}
