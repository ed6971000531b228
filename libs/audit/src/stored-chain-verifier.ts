import { hash as digest } from 'node:crypto';
import { GENESIS_HASH, recordFrameHead, type ChainVerification } from './hash-chain.js';

/** `PGCOPY\n\377\r\n\0`: the start of PostgreSQL's binary COPY format. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER = SIGNATURE.length + 8;
const FIELDS = 4;

/** Hex digit values by ASCII code, -1 for anything else (a stored hash is lowercase hex). */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = 10 + i;

/**
 * Verifies one stream's chain from the binary COPY of
 * `SELECT seq, prev_hash, hash, event_jcs … ORDER BY seq`, chunk by chunk as PostgreSQL sends it.
 *
 * It hashes the stored canonical bytes as they arrive, framed exactly as `recordHashOfCanonical`
 * frames them, with no per-record object, string or JSON work. What it trusts: nothing but those
 * bytes. `event` (jsonb) is generated from them by the database, so an edited field of the event is
 * an edited `event_jcs`, whose hash no longer matches. The checks and what they report are those of
 * `ChainVerifier`: the first gap, broken link or changed record.
 */
export class StoredChainVerifier {
  private rest: Buffer | undefined;
  private headerRead = false;
  private ended = false;
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
    const buffer = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let offset = this.headerRead ? 0 : this.readHeader(buffer);
    if (offset < 0) {
      this.rest = Buffer.from(buffer);
      return;
    }
    while (!this.ended && offset < buffer.length) {
      const next = this.readRecord(buffer, offset);
      if (next < 0) break;
      offset = next;
    }
    this.rest = offset < buffer.length ? Buffer.from(buffer.subarray(offset)) : undefined;
  }

  /** After the last chunk: the verdict, or an error if the COPY stopped short. */
  result(): ChainVerification {
    if (!this.ended || this.rest) throw new Error('the audit records were read only in part');
    return {
      streamId: this.streamId,
      valid: this.firstBreak === undefined,
      checked: this.checked,
      lastSeq: this.lastSeq,
      lastHash: this.lastHash.toString('latin1'),
      ...(this.firstBreak ? { firstBreak: this.firstBreak } : {}),
    };
  }

  private readHeader(buffer: Buffer): number {
    if (buffer.length < HEADER) return -1;
    if (buffer.compare(SIGNATURE, 0, SIGNATURE.length, 0, SIGNATURE.length) !== 0) {
      throw new Error('not a binary COPY of audit records');
    }
    const extension = buffer.readUInt32BE(SIGNATURE.length + 4);
    if (buffer.length < HEADER + extension) return -1;
    this.headerRead = true;
    return HEADER + extension;
  }

  /** One row at `offset`: the offset after it, or -1 if it is not all there yet. */
  private readRecord(buffer: Buffer, offset: number): number {
    if (offset + 2 > buffer.length) return -1;
    const fields = buffer.readInt16BE(offset);
    if (fields === -1) {
      this.ended = true;
      return offset + 2;
    }
    if (fields !== FIELDS) throw new Error(`an audit record row has ${fields} fields`);
    // seq (int8), prev_hash, hash, event_jcs (text): each a 4-byte length, then the bytes.
    const seqAt = offset + 6;
    if (seqAt + 12 > buffer.length) return -1;
    if (buffer.readInt32BE(offset + 2) !== 8) throw new Error('an audit record has no seq');
    const prevLength = buffer.readInt32BE(seqAt + 8);
    const prevAt = seqAt + 12;
    if (prevAt + prevLength + 4 > buffer.length) return -1;
    const hashLength = buffer.readInt32BE(prevAt + prevLength);
    const hashAt = prevAt + prevLength + 4;
    if (hashAt + hashLength + 4 > buffer.length) return -1;
    const eventLength = buffer.readInt32BE(hashAt + hashLength);
    const eventAt = hashAt + hashLength + 4;
    const end = eventAt + eventLength;
    if (end > buffer.length) return -1;
    if (prevLength < 0 || hashLength < 0 || eventLength < 0) throw new Error('an audit record has a NULL');
    if (this.firstBreak) return end;

    const seq = buffer.readInt32BE(seqAt) * 0x1_0000_0000 + buffer.readUInt32BE(seqAt + 4);
    this.checked += 1;
    if (seq !== this.lastSeq + 1) {
      this.firstBreak = { seq: this.lastSeq + 1, problem: 'gap' };
    } else if (this.lastHash.compare(buffer, prevAt, prevAt + prevLength) !== 0) {
      this.firstBreak = { seq, problem: 'link' };
    } else if (!this.hashMatches(buffer, eventAt, eventLength, hashAt, hashLength)) {
      this.firstBreak = { seq, problem: 'hash' };
    }
    this.lastSeq = seq;
    if (this.firstBreak) {
      this.lastHash = Buffer.from(buffer.subarray(hashAt, hashAt + hashLength));
    } else {
      buffer.copy(this.lastHash, 0, hashAt, hashAt + hashLength);
      this.nextSeq();
    }
    return end;
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
    const computed = digest('sha256', scratch.subarray(start), 'buffer') as unknown as Buffer;
    for (let i = 0; i < 32; i++) {
      const high = HEX[buffer[hashAt + 2 * i]];
      const low = HEX[buffer[hashAt + 2 * i + 1]];
      if (high < 0 || low < 0 || ((high << 4) | low) !== computed[i]) return false;
    }
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
