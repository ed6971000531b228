import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Repository } from 'typeorm';
import { canonicalJson } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';
import type { AuditEvent, AuditEventInput, AuditRecord } from './audit-event.js';
import type { AuditEventEntity } from './audit-event.entity.js';
import { acquireConnection } from './audit-connection.js';
import { recordHashOfCanonical } from './hash-chain.js';

const MAX_BATCH = 1000;
const RECORD_SEPARATOR = '\x1e';

interface Pending {
  readonly event: AuditEvent;
  /** The event's RFC 8785 canonical JSON: hashed, and stored as is (`event_jcs`). */
  readonly canonical: string;
  readonly resolve: (record: AuditRecord) => void;
  readonly reject: (error: unknown) => void;
}

/** Where a stream goes on: its last record's seq and hash. */
interface Head {
  readonly seq: number;
  readonly hash: string;
}

/**
 * The single writer of one audit stream. Concurrent appends are grouped: while one INSERT is in
 * flight the next ones queue, then go together in one statement (one transaction). Each caller's
 * promise settles only when its own record is durably committed, or fails with `audit.unavailable`.
 *
 * One batch at a time: a second one sent while the first commits could reach the database's chain
 * guard before the first and be refused, since nothing orders two connections' statements.
 */
export class AuditStreamWriter {
  private pending: Pending[] = [];
  private flushing = false;
  private head: Head | undefined;
  /** Months (`YYYY-MM`) whose partition this writer has made sure of. */
  private readonly partitioned = new Set<string>();

  constructor(
    readonly streamId: string,
    private readonly events: Repository<AuditEventEntity>,
  ) {}

  append(input: AuditEventInput): Promise<AuditRecord> {
    // Canonical JSON drops undefined members as jsonb would; the record carries exactly what is hashed.
    const canonical = canonicalJson({ ...input, id: randomUUID(), recordedAt: new Date().toISOString() });
    const event = JSON.parse(canonical) as AuditEvent;
    return new Promise((resolve, reject) => {
      this.pending.push({ event, canonical, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      // Let the callers just answered append again first, so they join this batch instead of the
      // next one: without it batches alternate 1 / N and every caller waits for two commits.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        const records = await this.commit(batch);
        batch.forEach((item, index) => item.resolve(records[index]));
      } catch {
        // The INSERT may or may not have committed (a dropped connection): reread the head next time.
        this.head = undefined;
        batch.forEach((item) => item.reject(new ProblemError('audit.unavailable')));
      }
    }
    this.flushing = false;
  }

  private async commit(batch: readonly Pending[]): Promise<AuditRecord[]> {
    const connection = await acquireConnection(this.events.manager);
    try {
      const { client } = connection;
      const records = chainRecords(
        this.streamId,
        this.head ?? (await readHead(client, this.streamId)),
        batch,
      );
      await this.ensurePartitions(client, batch);
      await client.query(insertStatement(client, this.streamId, records, batch));
      connection.release();
      const last = records[records.length - 1];
      this.head = { seq: last.seq, hash: last.hash };
      return records;
    } catch (error) {
      connection.release(error);
      throw error;
    }
  }

  /**
   * Once per month written: the month's partition (and the next one's) exists before its first
   * INSERT, so an append never fails for lack of a partition (there is no DEFAULT partition).
   */
  private async ensurePartitions(client: pg.PoolClient, batch: readonly Pending[]): Promise<void> {
    for (const { event } of batch) {
      const month = event.recordedAt.slice(0, 7);
      if (this.partitioned.has(month)) continue;
      await client.query('SELECT audit.create_month_partitions($1)', [event.recordedAt]);
      this.partitioned.add(month);
    }
  }
}

/** Where the stream goes on: the head the database's chain guard will check the next batch against. */
async function readHead(client: pg.PoolClient, streamId: string): Promise<Head> {
  const { rows } = await client.query<{ seq: string; hash: string }>(
    'SELECT seq, hash FROM audit.stream_head WHERE stream_id = $1',
    [streamId],
  );
  if (!rows[0]) throw new Error('the audit stream has no head');
  return { seq: Number(rows[0].seq), hash: rows[0].hash };
}

/** The batch's records, each linked to the one before, the first to `start`. */
function chainRecords(streamId: string, start: Head, batch: readonly Pending[]): AuditRecord[] {
  let { seq, hash } = start;
  return batch.map(({ event, canonical }) => {
    const record: AuditRecord = {
      streamId,
      seq: seq + 1,
      event,
      prevHash: hash,
      hash: recordHashOfCanonical(streamId, seq + 1, hash, canonical),
    };
    seq = record.seq;
    hash = record.hash;
    return record;
  });
}

/** The statement for a batch: one row's own, or one for any number of rows. */
function insertStatement(
  client: pg.PoolClient,
  streamId: string,
  records: readonly AuditRecord[],
  batch: readonly Pending[],
): pg.QueryConfig {
  const names = statementNames(client);
  if (records.length === 1) {
    return {
      name: names.one,
      text: INSERT_ONE,
      values: [streamId, ...rowValues(records[0]), batch[0].canonical],
    };
  }
  return { name: names.many, text: INSERT_MANY, values: columnValues(streamId, records, batch) };
}

const COLUMNS = `stream_id, seq, id, recorded_at, action, outcome, reason_code, agent_subject, patient_pseudonym,
                 model_name, prev_hash, hash, event_jcs`;

/**
 * A lone record (every append of a quiet process) goes as plain VALUES: unnesting one-element
 * arrays costs PostgreSQL more than the row's own insert does.
 */
const INSERT_ONE = `INSERT INTO audit.event (${COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

/**
 * One statement for any batch size: a column per parameter, unnested into rows. Prepared once per
 * connection, so each batch costs neither parsing nor planning. The canonical events, the bulk of
 * the bytes, go as one text joined by U+001E, which canonical JSON never holds unescaped: no array
 * quoting to write in JavaScript or to undo in PostgreSQL.
 */
const INSERT_MANY = `INSERT INTO audit.event (${COLUMNS})
  SELECT $1::text, * FROM unnest($2::bigint[], $3::uuid[], $4::timestamptz[], $5::text[], $6::text[],
                                 $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                                 string_to_array($13::text, E'\x1e'))`;

/**
 * Statement names of each connection's own: the embedded database serves every socket connection
 * from one session, where a name shared by two connections would collide.
 */
const namesByClient = new WeakMap<pg.PoolClient, { one: string; many: string }>();

function statementNames(client: pg.PoolClient): { one: string; many: string } {
  let names = namesByClient.get(client);
  if (!names) {
    const suffix = randomBytes(6).toString('hex');
    names = { one: `praesidium_audit_append_one_${suffix}`, many: `praesidium_audit_append_${suffix}` };
    namesByClient.set(client, names);
  }
  return names;
}

/** A record's column values after `stream_id`, up to (not including) `event_jcs`. */
function rowValues(record: AuditRecord): unknown[] {
  const { event } = record;
  return [
    record.seq,
    event.id,
    event.recordedAt,
    event.action,
    event.outcome,
    event.reasonCode ?? null,
    event.agent?.subject ?? null,
    event.entity?.patientPseudonym ?? null,
    event.entity?.model ?? null,
    record.prevHash,
    record.hash,
  ];
}

function columnValues(
  streamId: string,
  records: readonly AuditRecord[],
  batch: readonly Pending[],
): unknown[] {
  const columns: unknown[][] = Array.from({ length: 11 }, () => new Array<unknown>(records.length));
  records.forEach((record, row) =>
    rowValues(record).forEach((value, column) => (columns[column][row] = value)),
  );
  return [streamId, ...columns, batch.map((item) => item.canonical).join(RECORD_SEPARATOR)];
}
