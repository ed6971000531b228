import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { to as copyTo } from 'pg-copy-streams';
import type { Repository } from 'typeorm';
import { ProblemError } from '@praesidium/problem';
import type { AuditEntity, AuditEvent, AuditEventInput, AuditRecord } from './audit-event.js';
import { AuditEventEntity, AuditStreamEntity } from './audit-event.entity.js';
import { AuditStreamWriter } from './audit-stream-writer.js';
import { acquireConnection } from './audit-connection.js';
import type { ChainVerification } from './hash-chain.js';
import { StoredChainVerifier } from './stored-chain-verifier.js';
import { laterStart, readRetentionAnchors } from './retention/retention-anchors.js';

/** Which component this process audits as (`gateway`, `governance`, …). */
export const AUDIT_SOURCE = Symbol('PRAESIDIUM_AUDIT_SOURCE');

/** Streams verified at once, each over a connection of its own. */
const VERIFY_CONCURRENCY = 2;

export interface AuditSearch {
  readonly since?: Date;
  readonly until?: Date;
  readonly action?: string;
  readonly outcome?: string;
  readonly reasonCode?: string;
  readonly agentSubject?: string;
  readonly patientPseudonym?: string;
  readonly modelName?: string;
  readonly role?: string;
  readonly purposeOfUse?: string;
  readonly limit?: number;
  /** Where the previous page stopped (`nextCursor`). */
  readonly cursor?: string;
}

export interface AuditPage {
  readonly records: AuditRecord[];
  /** Pass back as `cursor` for the next (older) page; absent on the last page. */
  readonly nextCursor?: string;
}

export interface TrailVerification {
  readonly valid: boolean;
  readonly streams: readonly ChainVerification[];
}

/**
 * The tamper-evident audit trail. Each process appends to a stream of its own (no cross-process
 * contention). `audit.event` is partitioned by month, so (stream, seq) cannot be a primary key; the
 * `audit.continue_chain` insert trigger refuses any batch that does not continue its stream's head
 * (`audit.stream_head`), which makes a fork of a chain impossible short of switching triggers off
 * (and verification then finds it).
 */
@Injectable()
export class AuditTrail {
  private writer: Promise<AuditStreamWriter> | undefined;
  /** The writer once its stream exists: appends then reach it at once, not a microtask later. */
  private openWriter: AuditStreamWriter | undefined;
  private entityDefaults: () => AuditEntity = () => ({});

  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
    @InjectRepository(AuditStreamEntity) private readonly streams: Repository<AuditStreamEntity>,
    @Inject(AUDIT_SOURCE) private readonly source: string,
  ) {}

  /**
   * Entity fields every record of this process carries unless the caller gives its own (the access
   * policy version in force: see PolicyVersionStamp).
   */
  stampEntities(defaults: () => AuditEntity): void {
    this.entityDefaults = defaults;
  }

  /** Appends and resolves once the record is committed; rejects with `audit.unavailable` otherwise. */
  append(input: AuditEventInput): Promise<AuditRecord> {
    try {
      const entity = { ...withoutUndefined(this.entityDefaults()), ...withoutUndefined(input.entity ?? {}) };
      const event = { source: this.source, ...input, ...(Object.keys(entity).length > 0 ? { entity } : {}) };
      // Queued in the caller's own turn, not a microtask later: the gateway signs its backend
      // assertion on the next turn, after the INSERT has left, so the signature overlaps the commit.
      if (this.openWriter) return this.openWriter.append(event);
      return this.openStream().then((writer) => writer.append(event));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Newest first, keyset-paginated, so paging stays fast and stable while records keep arriving. */
  async search(query: AuditSearch): Promise<AuditPage> {
    const limit = Math.min(query.limit ?? 100, 1000);
    const builder = this.events.createQueryBuilder('e');
    const filters: [unknown, string][] = [
      [query.since, 'e.recorded_at >= :since'],
      [query.until, 'e.recorded_at <= :until'],
      [query.action, 'e.action = :action'],
      [query.outcome, 'e.outcome = :outcome'],
      [query.reasonCode, 'e.reason_code = :reasonCode'],
      [query.agentSubject, 'e.agent_subject = :agentSubject'],
      [query.patientPseudonym, 'e.patient_pseudonym = :patientPseudonym'],
      [query.modelName, 'e.model_name = :modelName'],
      [query.role, "e.event_jcs::jsonb -> 'agent' -> 'roles' ? :role"],
      [query.purposeOfUse, "e.event_jcs::jsonb ->> 'purposeOfUse' = :purposeOfUse"],
    ];
    for (const [value, condition] of filters) if (value !== undefined) builder.andWhere(condition);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (after)
      builder.andWhere('(e.recorded_at, e.stream_id, e.seq) < (:cursorAt, :cursorStream, :cursorSeq)');
    const rows = await builder
      .setParameters({ ...query, ...(after ?? {}) })
      .orderBy('e.recorded_at', 'DESC')
      .addOrderBy('e.stream_id', 'DESC')
      .addOrderBy('e.seq', 'DESC')
      .limit(limit + 1)
      .getMany();
    const records = rows.slice(0, limit).map(toRecord);
    const last = records[records.length - 1];
    return rows.length > limit && last ? { records, nextCursor: encodeCursor(last) } : { records };
  }

  /**
   * Recomputes every stream's chain; `onProgress` gets the share of streams done. A stream whose
   * oldest months were dropped by retention is checked from its anchor (its last dropped record), so
   * the first retained record must still link to it.
   */
  async verify(
    onProgress?: (percent: number) => Promise<void>,
    startAfter: ReadonlyMap<string, { seq: number; hash: string }> = new Map(),
  ): Promise<TrailVerification> {
    const streams = await this.streams.find({ order: { createdAt: 'ASC' } });
    const anchors = await readRetentionAnchors(this.events.manager);
    const results: ChainVerification[] = new Array<ChainVerification>(streams.length);
    let next = 0;
    let done = 0;
    // A few streams at once: while this process hashes one, PostgreSQL reads the next.
    const verifier = async () => {
      while (next < streams.length) {
        const index = next++;
        const { id } = streams[index];
        results[index] = await this.verifyStream(id, laterStart(startAfter.get(id), anchors.get(id)));
        await onProgress?.((++done / streams.length) * 100);
      }
    };
    await Promise.all(Array.from({ length: Math.min(VERIFY_CONCURRENCY, streams.length) }, verifier));
    return { valid: results.every((result) => result.valid), streams: results };
  }

  /**
   * Recomputes a stream's chain from a record known good (`after`), by default from where its retained
   * chain starts: its retention anchor, or the genesis. The rows come as one binary COPY in `seq`
   * order and their stored canonical bytes are hashed as they stream in (see StoredChainVerifier).
   */
  async verifyStream(streamId: string, after?: { seq: number; hash: string }): Promise<ChainVerification> {
    after ??= (await readRetentionAnchors(this.events.manager, streamId)).get(streamId);
    const verifier = new StoredChainVerifier(streamId, after);
    const connection = await acquireConnection(this.events.manager);
    try {
      const { client } = connection;
      // In seq order straight from each month's primary key: a sort of a whole stream would spill.
      if (!connection.inTransaction) {
        await client.query('BEGIN READ ONLY');
        await client.query('SET LOCAL enable_sort = off');
        await client.query('SET LOCAL enable_bitmapscan = off');
      }
      const rows = client.query(
        copyTo(
          `COPY (SELECT seq, prev_hash, hash, event_jcs FROM audit.event
                  WHERE stream_id = ${client.escapeLiteral(streamId)} AND seq > ${Math.trunc(after?.seq ?? 0)}
                  ORDER BY seq) TO STDOUT (FORMAT binary)`,
        ),
      );
      for await (const chunk of rows) verifier.push(chunk as Buffer);
      if (!connection.inTransaction) await client.query('COMMIT');
      connection.release();
    } catch (error) {
      connection.release(error);
      throw error;
    }
    return verifier.result();
  }

  private openStream(): Promise<AuditStreamWriter> {
    this.writer ??= (async () => {
      const id = `${this.source}.${new Date().toISOString().slice(0, 10)}.${randomBytes(6).toString('hex')}`;
      await this.streams.insert({ id, source: this.source });
      this.openWriter = new AuditStreamWriter(id, this.events);
      return this.openWriter;
    })().catch((error: unknown) => {
      this.writer = undefined;
      throw error;
    });
    return this.writer;
  }
}

interface Cursor {
  cursorAt: Date;
  cursorStream: string;
  cursorSeq: number;
}

function encodeCursor(record: AuditRecord): string {
  return Buffer.from(JSON.stringify([record.event.recordedAt, record.streamId, record.seq])).toString(
    'base64url',
  );
}

function decodeCursor(cursor: string): Cursor {
  try {
    const [at, stream, seq] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && typeof stream === 'string' && Number.isSafeInteger(seq)) {
      const cursorAt = new Date(at);
      if (!Number.isNaN(cursorAt.getTime()))
        return { cursorAt, cursorStream: stream, cursorSeq: seq as number };
    }
  } catch {
    // fall through
  }
  throw new ProblemError('request.invalid', 'the cursor is not one this API returned');
}

function toRecord(row: AuditEventEntity): AuditRecord {
  const event = JSON.parse(row.eventJcs) as AuditEvent;
  return { streamId: row.streamId, seq: row.seq, event, prevHash: row.prevHash, hash: row.hash };
}

function withoutUndefined(entity: AuditEntity): AuditEntity {
  return Object.fromEntries(Object.entries(entity).filter(([, value]) => value !== undefined));
}
