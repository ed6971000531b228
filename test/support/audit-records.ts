import {
  AuditEventEntity,
  GENESIS_HASH,
  recordHash,
  type AuditEvent,
  type AuditRecord,
} from '@praesidium/audit';
import { canonicalJson } from '@praesidium/digest';
import type { TestDatabase } from './databases.js';

/**
 * Appends records recorded at the given times (ISO strings, oldest first) to a new stream, chained
 * as the writer chains them: for tests that need records of past months, which the writer (stamping
 * `now`) cannot make. Creates the months' partitions first, as the writer does.
 */
export async function seedStream(
  db: TestDatabase,
  streamId: string,
  times: readonly string[],
): Promise<AuditRecord[]> {
  await db.dataSource.query(`INSERT INTO audit.stream (id, source) VALUES ($1, 'gateway')`, [streamId]);
  const records: AuditRecord[] = [];
  let prevHash = GENESIS_HASH;
  for (const [index, recordedAt] of times.entries()) {
    const seq = index + 1;
    await db.dataSource.query('SELECT audit.create_month_partitions($1)', [recordedAt]);
    const event: AuditEvent = {
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      recordedAt,
      action: 'inference.request',
      outcome: 'success',
      entity: { patientPseudonym: `pseudonym-${seq}` },
    };
    const hash = recordHash(streamId, seq, prevHash, event);
    await db.dataSource.getRepository(AuditEventEntity).insert({
      streamId,
      seq,
      id: event.id,
      recordedAt: new Date(recordedAt),
      action: event.action,
      outcome: event.outcome,
      reasonCode: null,
      agentSubject: null,
      patientPseudonym: event.entity?.patientPseudonym ?? null,
      modelName: null,
      eventJcs: canonicalJson(event),
      prevHash,
      hash,
    });
    records.push({ streamId, seq, event, prevHash, hash });
    prevHash = hash;
  }
  return records;
}
