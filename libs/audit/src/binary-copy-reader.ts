/** `PGCOPY\n\377\r\n\0`: the start of PostgreSQL's binary COPY format. */
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER = SIGNATURE.length + 8;

/**
 * Called once per row with the buffer holding it and, per field, where its bytes start and how many
 * there are. The arrays are reused for the next row: read them before returning.
 */
export type CopyRowHandler = (buffer: Buffer, starts: Int32Array, lengths: Int32Array) => void;

/**
 * The rows of a binary COPY of audit records (`COPY (…) TO STDOUT (FORMAT binary)`), read as the
 * chunks arrive, cut anywhere. No field is copied or decoded here: the handler gets offsets into the
 * chunk. Every field must be non-NULL, and every row must have `fields` fields.
 */
export class BinaryCopyReader {
  private rest: Buffer | undefined;
  private headerRead = false;
  private ended = false;
  private readonly starts: Int32Array;
  private readonly lengths: Int32Array;

  constructor(
    private readonly fields: number,
    private readonly onRow: CopyRowHandler,
  ) {
    this.starts = new Int32Array(fields);
    this.lengths = new Int32Array(fields);
  }

  /** The next bytes of the COPY. */
  push(chunk: Buffer): void {
    const buffer = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let offset = this.headerRead ? 0 : this.readHeader(buffer);
    if (offset < 0) {
      this.rest = Buffer.from(buffer);
      return;
    }
    while (!this.ended && offset < buffer.length) {
      const next = this.readRow(buffer, offset);
      if (next < 0) break;
      offset = next;
    }
    this.rest = offset < buffer.length ? Buffer.from(buffer.subarray(offset)) : undefined;
  }

  /** After the last chunk: throws unless the COPY's trailer came, with nothing after it. */
  finish(): void {
    if (!this.ended || this.rest) throw new Error('the audit records were read only in part');
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
  private readRow(buffer: Buffer, offset: number): number {
    if (offset + 2 > buffer.length) return -1;
    const count = buffer.readInt16BE(offset);
    if (count === -1) {
      this.ended = true;
      return offset + 2;
    }
    if (count !== this.fields) throw new Error(`an audit record row has ${count} fields`);
    let at = offset + 2;
    for (let field = 0; field < count; field++) {
      if (at + 4 > buffer.length) return -1;
      const length = buffer.readInt32BE(at);
      if (length < 0) throw new Error('an audit record has a NULL');
      at += 4;
      if (at + length > buffer.length) return -1;
      this.starts[field] = at;
      this.lengths[field] = length;
      at += length;
    }
    this.onRow(buffer, this.starts, this.lengths);
    return at;
  }
}
