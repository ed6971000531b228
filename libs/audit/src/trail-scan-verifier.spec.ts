import { canonicalJson } from '@praesidium/digest';
import { GENESIS_HASH, recordHashOfCanonical } from './hash-chain.js';
import { TrailScanVerifier } from './trail-scan-verifier.js';

/** A stored row as `TRAIL_SCAN_QUERY` has it. */
interface Row {
  streamId: string;
  seq: number;
  prevHash: string;
  hash: string;
  eventJcs: string;
}

function chain(streamId: string, length: number): Row[] {
  let prevHash = GENESIS_HASH;
  return Array.from({ length }, (_, index) => {
    const seq = index + 1;
    const eventJcs = canonicalJson({ action: 'inference.request', outcome: 'success', n: seq, streamId });
    const row = {
      streamId,
      seq,
      prevHash,
      hash: recordHashOfCanonical(streamId, seq, prevHash, eventJcs),
      eventJcs,
    };
    prevHash = row.hash;
    return row;
  });
}

/** PostgreSQL's binary COPY of the rows: header, one tuple of five fields each, trailer. */
function binaryCopy(rows: readonly Row[]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  const field = (value: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeInt32BE(value.length);
    parts.push(length, value);
  };
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(5);
    parts.push(count);
    field(Buffer.from(row.streamId));
    const seq = Buffer.alloc(8);
    seq.writeBigInt64BE(BigInt(row.seq));
    field(seq);
    field(Buffer.from(row.prevHash));
    field(Buffer.from(row.hash));
    field(Buffer.from(row.eventJcs));
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return Buffer.concat(parts);
}

/** Rows of several streams, interleaved as concurrent writers leave them in the table. */
function interleave(...streams: Row[][]): Row[] {
  const rows: Row[] = [];
  for (let i = 0; streams.some((stream) => i < stream.length); i++)
    for (const stream of streams) if (i < stream.length) rows.push(stream[i]);
  return rows;
}

function scan(rows: readonly Row[], streams: string[], chunkSize = 97) {
  const verifier = new TrailScanVerifier(streams.map((id) => ({ id })));
  const bytes = binaryCopy(rows);
  for (let at = 0; at < bytes.length; at += chunkSize) verifier.push(bytes.subarray(at, at + chunkSize));
  return verifier.results();
}

describe('TrailScanVerifier', () => {
  const a = chain('gateway.a', 40);
  const b = chain('governance.b', 25);

  it('vouches for every stream whose records come in order, whatever the interleaving', () => {
    const results = scan(interleave(a, b), ['gateway.a', 'governance.b']);
    expect(results).toEqual([
      expect.objectContaining({
        streamId: 'gateway.a',
        valid: true,
        checked: 40,
        lastSeq: 40,
        lastHash: a[39].hash,
      }),
      expect.objectContaining({ streamId: 'governance.b', valid: true, checked: 25, lastSeq: 25 }),
    ]);
  });

  it('does not vouch for a stream with a record out of place, and leaves the others valid', () => {
    const moved = [...a];
    [moved[10], moved[11]] = [moved[11], moved[10]];
    const results = scan(interleave(moved, b), ['gateway.a', 'governance.b']);
    expect(results.map((result) => result.valid)).toEqual([false, true]);
  });

  it('does not vouch for a stream with a changed record or a missing tail', () => {
    const changed = a.map((row) =>
      row.seq === 7 ? { ...row, eventJcs: row.eventJcs.replace('success', 'refused') } : row,
    );
    expect(scan(changed, ['gateway.a'])[0]).toMatchObject({
      valid: false,
      firstBreak: { seq: 7, problem: 'hash' },
    });
    // A missing tail cannot be seen in the rows alone: the stream is valid up to its last record,
    // which the caller compares with the stream's head and signed checkpoints.
    expect(scan(a.slice(0, 30), ['gateway.a'])[0]).toMatchObject({ valid: true, lastSeq: 30 });
  });

  it('skips rows of streams it was not asked about', () => {
    const results = scan(interleave(a, b), ['governance.b']);
    expect(results).toEqual([
      expect.objectContaining({ streamId: 'governance.b', valid: true, checked: 25 }),
    ]);
  });

  it('refuses a COPY that stops short', () => {
    const verifier = new TrailScanVerifier([{ id: 'gateway.a' }]);
    const bytes = binaryCopy(a);
    verifier.push(bytes.subarray(0, bytes.length - 10));
    expect(() => verifier.results()).toThrow(/read only in part/);
  });
});
