import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Repository } from 'typeorm';
import { canonicalJson } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';
import type { AuditEvent, AuditEventInput, AuditRecord } from './audit-event.js';
import type { AuditEventEntity } from './audit-event.entity.js';
import { acquireConnection, type PooledConnection } from './audit-connection.js';
import { recordHashOfCanonical } from './hash-chain.js';

const MAX_BATCH = 1000;
/** Batches written at once: one commits while the next is inserted. */
const MAX_IN_FLIGHT = 2;
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
 * The single writer of one audit stream. Concurrent appends are grouped: appends that arrive while a
 * batch is being written queue, then go together in one statement (one transaction). Each caller's
 * promise settles only when its own record is durably committed, or fails with `audit.unavailable`.
 *
 * Two batches may be in flight: the next batch is chained onto the head the previous one will leave,
 * and its INSERT runs while the previous one commits. The database's chain guard makes it wait for
 * that commit (the stream head's row lock) and refuses it if the previous batch failed, so a batch
 * built on a head that never came to be cannot be stored.
 */
export class AuditStreamWriter {
  private pending: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  /** The head the last batch started will leave; undefined: read it from the database. */
  private tail: Promise<Head | undefined> = Promise.resolve(undefined);
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
      this.schedule();
    });
  }

  /**
   * Starts the next batch on the next turn of the event loop, so the callers just answered append
   * again first and join it: without it batches alternate 1 / N and every caller waits for two commits.
   */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startBatch();
    });
  }

  private startBatch(): void {
    if (this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    const batch = this.pending.splice(0, MAX_BATCH);
    this.inFlight++;
    this.commit(batch)
      .then(
        (records) => batch.forEach((item, index) => item.resolve(records[index])),
        () => batch.forEach((item) => item.reject(new ProblemError('audit.unavailable'))),
      )
      .finally(() => {
        this.inFlight--;
        this.schedule();
      });
    this.schedule();
  }

  private async commit(batch: readonly Pending[]): Promise<AuditRecord[]> {
    const previous = this.tail;
    let leave!: (head: Head | undefined) => void;
    this.tail = new Promise((resolve) => (leave = resolve));
    let connection: PooledConnection | undefined;
    try {
      connection = await acquireConnection(this.events.manager);
      const { client } = connection;
      const start = (await previous) ?? (await readHead(client, this.streamId));
      const records = chainRecords(this.streamId, start, batch);
      const last = records[records.length - 1];
      leave({ seq: last.seq, hash: last.hash });
      await this.ensurePartitions(client, batch);
      await client.query(insertStatement(client, this.streamId, records, batch));
      connection.release();
      return records;
    } catch (error) {
      // The INSERT may or may not have committed (a dropped connection): the next batch rereads the head.
      leave(undefined);
      this.tail = Promise.resolve(undefined);
      connection?.release(error);
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
