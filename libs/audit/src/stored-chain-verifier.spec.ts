import fc from 'fast-check';
import { canonicalJson } from '@praesidium/digest';
import type { AuditEvent } from './audit-event.js';
import { ChainVerifier, GENESIS_HASH, recordHash, recordHashOfCanonical } from './hash-chain.js';
import { StoredChainVerifier } from './stored-chain-verifier.js';

/** A stored row as `SELECT seq, prev_hash, hash, event_jcs` has it. */
interface Row {
  seq: number;
  prevHash: string;
  hash: string;
  eventJcs: string;
}

const STREAM = 'gateway.2026-11-29.0a1b2c';

function chain(events: AuditEvent[], after = { seq: 0, hash: GENESIS_HASH }): Row[] {
  let prevHash = after.hash;
  return events.map((event, index) => {
    const seq = after.seq + index + 1;
    const eventJcs = canonicalJson(event);
    const row = { seq, prevHash, hash: recordHashOfCanonical(STREAM, seq, prevHash, eventJcs), eventJcs };
    prevHash = row.hash;
    return row;
  });
}

/** PostgreSQL's binary COPY of the rows: header, one tuple of four fields each, trailer. */
function binaryCopy(rows: readonly Row[]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
  const field = (value: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeInt32BE(value.length);
    parts.push(length, value);
  };
  for (const row of rows) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(4);
    parts.push(count);
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

function verifyStored(
  rows: readonly Row[],
  cuts: readonly number[] = [],
  after?: { seq: number; hash: string },
) {
  const bytes = binaryCopy(rows);
  const verifier = new StoredChainVerifier(STREAM, after);
  let from = 0;
  for (const cut of [...cuts].map((c) => c % (bytes.length + 1)).sort((a, b) => a - b)) {
    verifier.push(bytes.subarray(from, Math.max(from, cut)));
    from = Math.max(from, cut);
  }
  verifier.push(bytes.subarray(from));
  return verifier.result();
}

/** The reference: records rebuilt from the rows and checked by re-canonicalizing each event. */
function verifyReference(rows: readonly Row[], after?: { seq: number; hash: string }) {
  const verifier = new ChainVerifier(STREAM, after);
  for (const row of rows) {
    const event = JSON.parse(row.eventJcs) as AuditEvent;
    verifier.add({ streamId: STREAM, seq: row.seq, event, prevHash: row.prevHash, hash: row.hash });
  }
  return verifier.result();
}

const eventArb = fc.record({
  id: fc.uuid(),
  recordedAt: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  action: fc.constantFrom('inference.request', 'inference.response', 'consent.recorded'),
  outcome: fc.constantFrom('success' as const, 'refused' as const, 'failure' as const),
  reasonCode: fc.option(fc.string(), { nil: undefined }),
  purposeOfUse: fc.option(fc.string({ unit: 'grapheme' }), { nil: undefined }),
});

type Tampering = (rows: Row[], at: number) => Row[];

const tamperings: Record<string, Tampering> = {
  'edit a field': (rows, at) =>
    rows.map((row, index) =>
      index === at
        ? { ...row, eventJcs: canonicalJson({ ...(JSON.parse(row.eventJcs) as object), outcome: 'forged' }) }
        : row,
    ),
  'delete a record': (rows, at) => rows.filter((_, index) => index !== at),
  'swap two records': (rows, at) => {
    const copy = [...rows];
    const other = (at + 1) % rows.length;
    [copy[at], copy[other]] = [
      { ...copy[other], seq: copy[at].seq },
      { ...copy[at], seq: copy[other].seq },
    ];
    return copy;
  },
  'insert a forged record': (rows, at) => [
    ...rows.slice(0, at),
    { ...rows[at], eventJcs: canonicalJson({ action: 'forged', outcome: 'success' }) },
    ...rows.slice(at).map((row) => ({ ...row, seq: row.seq + 1 })),
  ],
  'replace a hash': (rows, at) =>
    rows.map((row, index) => (index === at ? { ...row, hash: 'f'.repeat(64) } : row)),
  'truncate the tail': (rows, at) => rows.slice(0, at),
};

describe('verifying stored canonical bytes from a binary COPY', () => {
  it('hashes what recordHash hashes: the canonical frame of the event bytes', () => {
    fc.assert(
      fc.property(eventArb, fc.integer({ min: 1, max: 2 ** 40 }), (event, seq) => {
        expect(recordHashOfCanonical(STREAM, seq, GENESIS_HASH, canonicalJson(event))).toBe(
          recordHash(STREAM, seq, GENESIS_HASH, event),
        );
      }),
    );
  });

  it('accepts a whole chain however the COPY is cut into chunks, also one starting after a known record', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.nat({ max: 1_000_000 }),
        (events, cuts, afterSeq) => {
          const after = { seq: afterSeq, hash: 'ab'.repeat(32) };
          const rows = chain(events, after);
          expect(verifyStored(rows, cuts, after)).toEqual({
            streamId: STREAM,
            valid: true,
            checked: events.length,
            lastSeq: afterSeq + events.length,
            lastHash: rows[rows.length - 1].hash,
          });
        },
      ),
    );
  });

  it('finds every tampering where re-canonicalizing verification finds it, and reports the same', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 2, maxLength: 20 }),
        fc.constantFrom(...Object.keys(tamperings)),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 8 }),
        (events, name, position, cuts) => {
          const rows = chain(events);
          const tampered = tamperings[name](rows, position % rows.length);
          const stored = verifyStored(tampered, cuts);
          expect(stored).toEqual(verifyReference(tampered));
          // Only what leaves a prefix of the chain (a cut tail) verifies: checkpoints catch that one.
          const prefix = tampered.every((row, index) => JSON.stringify(row) === JSON.stringify(rows[index]));
          expect(stored.valid).toBe(prefix);
        },
      ),
    );
  });

  it('trusts only the stored bytes: the same content stored in other bytes does not verify', () => {
    const rows = chain([
      { id: '1', recordedAt: '2026-01-01T00:00:00.000Z', action: 'a', outcome: 'success' },
    ]);
    const respaced = [{ ...rows[0], eventJcs: JSON.stringify(JSON.parse(rows[0].eventJcs), null, 1) }];
    expect(verifyStored(respaced).firstBreak).toEqual({ seq: 1, problem: 'hash' });
  });

  it('refuses to give a verdict on a COPY that stopped short', () => {
    const rows = chain([
      { id: '1', recordedAt: '2026-01-01T00:00:00.000Z', action: 'a', outcome: 'success' },
    ]);
    const bytes = binaryCopy(rows);
    const verifier = new StoredChainVerifier(STREAM);
    verifier.push(bytes.subarray(0, bytes.length - 10));
    expect(() => verifier.result()).toThrow(/only in part/);
  });
});
