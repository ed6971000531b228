import { hash as digest } from 'node:crypto';
import { BinaryCopyReader } from './binary-copy-reader.js';
import { GENESIS_HASH, recordFrameHead, type ChainVerification } from './hash-chain.js';

/**
 * Verifies one stream's chain from the binary COPY of
 * `SELECT seq, prev_hash, hash, event_jcs … ORDER BY seq`, chunk by chunk as PostgreSQL sends it.
 *
 * It hashes the stored canonical bytes as they arrive, framed exactly as `recordHashOfCanonical`
 * frames them, with no per-record object, string or JSON work. What it trusts: nothing but those
 * bytes. The event is stored only as them, so an edited field of the event is an edited `event_jcs`,
 * whose hash no longer matches. The checks and what they report are those of `ChainVerifier`: the
 * first gap, broken link or changed record.
 */
export class StoredChainVerifier {
  private readonly reader = new BinaryCopyReader(4, (buffer, starts, lengths) =>
    this.add(buffer, starts, lengths),
  );
  private checked = 0;
  private lastSeq: number;
  /** The hashed text is built right-aligned here: `{"event":`, the event's bytes, then `frameTail`. */
  private scratch = Buffer.alloc(0);
  /** `,"prevHash":"<last hash>","seq":<last seq + 1>,"streamId":"<id>"}`, kept ready for the next record. */
  private frameTail = Buffer.alloc(0);
  /** The last record's hash: the part of `frameTail` that links the next record to it. */
  private lastHash = Buffer.alloc(0);
  private firstBreak: ChainVerification['firstBreak'];
  private readonly streamTail: Buffer;

  constructor(
    private readonly streamId: string,
    after: { readonly seq: number; readonly hash: string } = { seq: 0, hash: GENESIS_HASH },
  ) {
    this.lastSeq = after.seq;
    this.streamTail = Buffer.from(`,"streamId":${JSON.stringify(streamId)}}`);
    this.frame(Buffer.from(after.hash, 'latin1'));
  }

  /** The next bytes of the COPY, cut anywhere. */
  push(chunk: Buffer): void {
    this.reader.push(chunk);
  }

  /** After the last chunk: the verdict, or an error if the COPY stopped short. */
  result(): ChainVerification {
    this.reader.finish();
    return {
      streamId: this.streamId,
      valid: this.firstBreak === undefined,
      checked: this.checked,
      lastSeq: this.lastSeq,
      lastHash: this.lastHash.toString('latin1'),
      ...(this.firstBreak ? { firstBreak: this.firstBreak } : {}),
    };
  }

  /** The next record, in seq order: a COPY row of its seq (int8), prev_hash, hash and event_jcs. */
  private add(buffer: Buffer, starts: Int32Array, lengths: Int32Array): void {
    if (this.firstBreak) return;
    if (lengths[0] !== 8) throw new Error('an audit record has no seq');
    const seqAt = starts[0];
    const prevAt = starts[1];
    const prevLength = lengths[1];
    const hashAt = starts[2];
    const hashLength = lengths[2];
    const seq = buffer.readInt32BE(seqAt) * 0x1_0000_0000 + buffer.readUInt32BE(seqAt + 4);
    this.checked += 1;
    if (seq !== this.lastSeq + 1) {
      this.firstBreak = { seq: this.lastSeq + 1, problem: 'gap' };
    } else if (this.lastHash.compare(buffer, prevAt, prevAt + prevLength) !== 0) {
      this.firstBreak = { seq, problem: 'link' };
    } else if (!this.hashMatches(buffer, starts[3], lengths[3], hashAt, hashLength)) {
      this.firstBreak = { seq, problem: 'hash' };
    }
    this.lastSeq = seq;
    if (this.firstBreak) {
      this.lastHash = Buffer.from(buffer.subarray(hashAt, hashAt + hashLength));
    } else {
      buffer.copy(this.lastHash, 0, hashAt, hashAt + hashLength);
      this.nextSeq();
    }
  }

  /**
   * SHA-256 of `{"event":<event_jcs>` + `frameTail` against the stored `hash`. The record's seq and
   * prev_hash are already known equal to those `frameTail` holds (the gap and link checks).
   */
  private hashMatches(
    buffer: Buffer,
    eventAt: number,
    eventLength: number,
    hashAt: number,
    hashLength: number,
  ): boolean {
    if (hashLength !== 64) return false;
    const tailAt = this.scratch.length - this.frameTail.length;
    if (eventLength + FRAME_HEAD.length > tailAt) {
      this.growScratch(eventLength);
      return this.hashMatches(buffer, eventAt, eventLength, hashAt, hashLength);
    }
    const scratch = this.scratch;
    const start = tailAt - eventLength - FRAME_HEAD.length;
    for (let i = 0; i < FRAME_HEAD.length; i++) scratch[start + i] = FRAME_HEAD[i];
    buffer.copy(scratch, tailAt - eventLength, eventAt, eventAt + eventLength);
    // Hex out, compared with the stored hex byte by byte: a digest as a Buffer costs Node ~0.6 µs
    // more per record (a new object) than as a short string.
    const computed = digest('sha256', scratch.subarray(start), 'hex');
    for (let i = 0; i < 64; i++) if (computed.charCodeAt(i) !== buffer[hashAt + i]) return false;
    return true;
  }

  /** Lays out `frameTail` for a record following `hash` at `lastSeq + 1`, at the end of `scratch`. */
  private frame(hash: Buffer): void {
    const tail = Buffer.concat([
      LINK_HEAD,
      hash,
      SEQ_HEAD,
      Buffer.from(String(this.lastSeq + 1), 'latin1'),
      this.streamTail,
    ]);
    if (this.scratch.length < tail.length + 4096) this.scratch = Buffer.alloc(2 * (tail.length + 4096));
    this.frameTail = this.scratch.subarray(this.scratch.length - tail.length);
    tail.copy(this.frameTail);
    this.lastHash = this.frameTail.subarray(LINK_HEAD.length, LINK_HEAD.length + hash.length);
  }

  private growScratch(eventLength: number): void {
    const tail = Buffer.from(this.frameTail);
    this.scratch = Buffer.alloc(2 * (eventLength + FRAME_HEAD.length + tail.length));
    this.frameTail = this.scratch.subarray(this.scratch.length - tail.length);
    tail.copy(this.frameTail);
    this.lastHash = this.frameTail.subarray(LINK_HEAD.length, LINK_HEAD.length + this.lastHash.length);
  }

  /** `lastSeq` moved on by one: the seq digits of `frameTail` follow, in place unless one digit more. */
  private nextSeq(): void {
    const digits = String(this.lastSeq + 1);
    const seqAt = LINK_HEAD.length + this.lastHash.length + SEQ_HEAD.length;
    if (seqAt + digits.length + this.streamTail.length !== this.frameTail.length) {
      this.frame(Buffer.from(this.lastHash));
      return;
    }
    this.frameTail.write(digits, seqAt, 'latin1');
  }
}

const FRAME_HEAD = Buffer.from(recordFrameHead, 'latin1');
const LINK_HEAD = Buffer.from(',"prevHash":"', 'latin1');
const SEQ_HEAD = Buffer.from('","seq":', 'latin1');
