import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Between, MoreThan, type FindOptionsWhere, type Repository } from 'typeorm';
import type { AuditEventInput, AuditRecord } from './audit-event.js';
import { AuditEventEntity, AuditStreamEntity } from './audit-event.entity.js';
import { AuditStreamWriter } from './audit-stream-writer.js';
import { ChainVerifier, type ChainVerification } from './hash-chain.js';

/** Which component this process audits as (`gateway`, `governance`, …). */
export const AUDIT_SOURCE = Symbol('PRAESIDIUM_AUDIT_SOURCE');

const PAGE = 1000;

export interface AuditSearch {
  readonly since?: Date;
  readonly until?: Date;
  readonly action?: string;
  readonly outcome?: string;
  readonly reasonCode?: string;
  readonly agentSubject?: string;
  readonly patientPseudonym?: string;
  readonly modelName?: string;
  readonly limit?: number;
}

export interface TrailVerification {
  readonly valid: boolean;
  readonly streams: readonly ChainVerification[];
}

/**
 * The tamper-evident audit trail. Each process appends to a stream of its own (no cross-process
 * contention); the (stream, seq) primary key makes a fork of a chain impossible.
 */
@Injectable()
export class AuditTrail {
  private writer: Promise<AuditStreamWriter> | undefined;

  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
    @InjectRepository(AuditStreamEntity) private readonly streams: Repository<AuditStreamEntity>,
    @Inject(AUDIT_SOURCE) private readonly source: string,
  ) {}

  /** Appends and resolves once the record is committed; rejects with `audit.unavailable` otherwise. */
  async append(input: AuditEventInput): Promise<AuditRecord> {
    const writer = await this.openStream();
    return writer.append({ source: this.source, ...input });
  }

  async search(query: AuditSearch): Promise<AuditRecord[]> {
    const where: FindOptionsWhere<AuditEventEntity> = {
      ...(query.since || query.until
        ? { recordedAt: Between(query.since ?? new Date(0), query.until ?? new Date(8.64e15)) }
        : {}),
      ...(query.action ? { action: query.action } : {}),
      ...(query.outcome ? { outcome: query.outcome } : {}),
      ...(query.reasonCode ? { reasonCode: query.reasonCode } : {}),
      ...(query.agentSubject ? { agentSubject: query.agentSubject } : {}),
      ...(query.patientPseudonym ? { patientPseudonym: query.patientPseudonym } : {}),
      ...(query.modelName ? { modelName: query.modelName } : {}),
    };
    const rows = await this.events.find({
      where,
      order: { recordedAt: 'DESC', seq: 'DESC' },
      take: Math.min(query.limit ?? 100, 1000),
    });
    return rows.map(toRecord);
  }

  /** Recomputes every stream's chain; `onProgress` gets the share of streams done. */
  async verify(onProgress?: (percent: number) => Promise<void>): Promise<TrailVerification> {
    const streams = await this.streams.find({ order: { createdAt: 'ASC' } });
    const results: ChainVerification[] = [];
    for (const [index, stream] of streams.entries()) {
      results.push(await this.verifyStream(stream.id));
      await onProgress?.(((index + 1) / streams.length) * 100);
    }
    return { valid: results.every((result) => result.valid), streams: results };
  }

  async verifyStream(streamId: string): Promise<ChainVerification> {
    const verifier = new ChainVerifier(streamId);
    let after = 0;
    for (;;) {
      const page = await this.events.find({
        where: { streamId, seq: MoreThan(after) },
        order: { seq: 'ASC' },
        take: PAGE,
      });
      page.forEach((row) => verifier.add(toRecord(row)));
      if (page.length < PAGE) return verifier.result();
      after = page[page.length - 1].seq;
    }
  }

  private openStream(): Promise<AuditStreamWriter> {
    this.writer ??= (async () => {
      const id = `${this.source}.${new Date().toISOString().slice(0, 10)}.${randomBytes(6).toString('hex')}`;
      await this.streams.insert({ id, source: this.source });
      return new AuditStreamWriter(id, this.events);
    })().catch((error: unknown) => {
      this.writer = undefined;
      throw error;
    });
    return this.writer;
  }
}

function toRecord(row: AuditEventEntity): AuditRecord {
  return { streamId: row.streamId, seq: row.seq, event: row.event, prevHash: row.prevHash, hash: row.hash };
}
