import fc from 'fast-check';
import type { AuditEvent, AuditRecord } from './audit-event.js';
import { ChainVerifier, GENESIS_HASH, recordHash } from './hash-chain.js';

function chain(events: AuditEvent[], streamId = 's'): AuditRecord[] {
  let prevHash = GENESIS_HASH;
  return events.map((event, index) => {
    const seq = index + 1;
    const hash = recordHash(streamId, seq, prevHash, event);
    const record = { streamId, seq, event, prevHash, hash };
    prevHash = hash;
    return record;
  });
}

function verify(records: AuditRecord[]) {
  const verifier = new ChainVerifier('s');
  records.forEach((record) => verifier.add(record));
  return verifier.result();
}

const eventArb = fc.record({
  id: fc.uuid(),
  recordedAt: fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  action: fc.constantFrom('inference.request', 'inference.response', 'consent.recorded'),
  outcome: fc.constantFrom('success' as const, 'refused' as const, 'failure' as const),
  reasonCode: fc.option(fc.string(), { nil: undefined }),
});

describe('audit hash chain', () => {
  it('hashes the same content to the same value whatever the key order', () => {
    const event = {
      id: '1',
      recordedAt: '2026-01-01T00:00:00.000Z',
      action: 'a',
      outcome: 'success' as const,
    };
    const reordered = { outcome: 'success' as const, action: 'a', recordedAt: event.recordedAt, id: '1' };
    expect(recordHash('s', 1, GENESIS_HASH, event)).toBe(recordHash('s', 1, GENESIS_HASH, reordered));
  });

  it('verifies an untouched chain', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 1, maxLength: 20 }),
        (events) => verify(chain(events)).valid,
      ),
    );
  });

  it('detects any edit, deletion or reordering of a record', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 2, maxLength: 20 }),
        fc.nat(),
        fc.constantFrom('edit', 'delete', 'swap'),
        (events, pick, tamper) => {
          const records = chain(events);
          const index = pick % (records.length - 1);
          if (tamper === 'edit') {
            records[index] = { ...records[index], event: { ...records[index].event, action: 'tampered' } };
          } else if (tamper === 'delete') {
            records.splice(index, 1);
          } else {
            [records[index], records[index + 1]] = [records[index + 1], records[index]];
          }
          return !verify(records).valid;
        },
      ),
    );
  });
});
