import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import { ProblemError } from '@praesidium/problem';
import type { AuditEvent, AuditEventInput, AuditRecord } from './audit-event.js';
import type { AuditEventEntity } from './audit-event.entity.js';
import { GENESIS_HASH, recordHash } from './hash-chain.js';

const MAX_BATCH = 500;

interface Pending {
  readonly event: AuditEvent;
  readonly resolve: (record: AuditRecord) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The single writer of one audit stream. Concurrent appends are grouped: while one INSERT is in
 * flight the next ones queue, then go together in one statement (one transaction). Each caller's
 * promise settles only when its own record is durably committed, or fails with `audit.unavailable`.
 */
export class AuditStreamWriter {
  private pending: Pending[] = [];
  private flushing = false;
  private head: { seq: number; hash: string } | undefined;

  constructor(
    readonly streamId: string,
    private readonly events: Repository<AuditEventEntity>,
  ) {}

  append(input: AuditEventInput): Promise<AuditRecord> {
    // Through JSON once, so the hashed event is exactly what jsonb stores (no undefined members).
    const event = JSON.parse(
      JSON.stringify({ ...input, id: randomUUID(), recordedAt: new Date().toISOString() }),
    ) as AuditEvent;
    return new Promise((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        const records = await this.commit(batch.map((item) => item.event));
        batch.forEach((item, index) => item.resolve(records[index]));
      } catch {
        // The INSERT may or may not have committed (a dropped connection): reread the head next time.
        this.head = undefined;
        batch.forEach((item) => item.reject(new ProblemError('audit.unavailable')));
      }
    }
    this.flushing = false;
  }

  private async commit(events: AuditEvent[]): Promise<AuditRecord[]> {
    const head = this.head ?? (await this.readHead());
    let { seq, hash } = head;
    const records = events.map((event) => {
      const record: AuditRecord = {
        streamId: this.streamId,
        seq: seq + 1,
        event,
        prevHash: hash,
        hash: recordHash(this.streamId, seq + 1, hash, event),
      };
      seq = record.seq;
      hash = record.hash;
      return record;
    });
    await this.events.insert(records.map(toRow));
    this.head = { seq, hash };
    return records;
  }

  private async readHead(): Promise<{ seq: number; hash: string }> {
    const last = await this.events.findOne({ where: { streamId: this.streamId }, order: { seq: 'DESC' } });
    return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  }
}

function toRow(record: AuditRecord): AuditEventEntity {
  const { event } = record;
  return {
    streamId: record.streamId,
    seq: record.seq,
    id: event.id,
    recordedAt: new Date(event.recordedAt),
    action: event.action,
    outcome: event.outcome,
    reasonCode: event.reasonCode ?? null,
    agentSubject: event.agent?.subject ?? null,
    patientPseudonym: event.entity?.patientPseudonym ?? null,
    modelName: event.entity?.model ?? null,
    event,
    prevHash: record.prevHash,
    hash: record.hash,
  };
}
