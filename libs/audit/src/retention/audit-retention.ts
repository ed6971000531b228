import type { DataSource, EntityManager } from 'typeorm';
import { sha256Hex } from '@praesidium/digest';
import { verificationKeys, type Jwks, type KeyStore } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import type { AuditRecord } from '../audit-event.js';
import { AuditEventEntity, AuditStreamEntity } from '../audit-event.entity.js';
import { AuditTrail } from '../audit-trail.service.js';
import { closedMonthRange, verifyAuditArchive, type ArchiveManifest } from '../archive/audit-archive.js';
import { CHECKPOINT_JWS_TYPE, type CheckpointPayload } from '../checkpoint/checkpoint-payload.js';
import { readRetentionAnchors } from './retention-anchors.js';
import {
  archiveMismatch,
  monthStreams,
  prefixProblem,
  type MonthStream,
  type StoredLink,
} from './retention-checks.js';

// One retention at a time across a deployment (any id of ours, beside the checkpoint lock 7_235_002).
const RETENTION_LOCK_ID = 7_235_005;
const ANY_TIME = new Date(8.64e15);

export interface ArchiveFiles {
  readonly ndjson: string;
  readonly manifestJws: string;
  readonly jwks: Jwks;
}

export interface MonthDropped {
  readonly month: string;
  readonly records: number;
  /** Per stream, where its retained chain now starts. */
  readonly anchors: readonly { readonly streamId: string; readonly seq: number; readonly hash: string }[];
}

/**
 * Drops one closed month's partition of the audit trail, and only when nothing is lost by it: the
 * month has ended, no older month is still kept, a signed checkpoint covers every record of it, and
 * the given archive verifies on its own, is signed with this platform's key and holds exactly the
 * records the database holds for that month. In the same transaction it records, per stream, the
 * anchor the retained chain starts from, keeps the dropped records' hashes for Merkle proofs, and
 * appends `audit.month.dropped` to the trail. Any refusal is `audit.retention_refused`, and is
 * audited too.
 */
export async function dropAuditMonth(
  dataSource: DataSource,
  keyStore: KeyStore,
  source: string,
  month: string,
  archive: ArchiveFiles,
): Promise<MonthDropped> {
  const { start, end } = closedMonthRange(month, ANY_TIME);
  try {
    if (end > new Date()) refuse(`${month} has not ended`);
    const archived = await verifiedArchive(keyStore, month, archive);
    return await dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [RETENTION_LOCK_ID]);
      const stored = await storedMonth(manager, month, { start, end });
      const mismatch = archiveMismatch(archived, stored);
      if (mismatch) refuse(mismatch);
      const prefix = prefixProblem(stored, await readRetentionAnchors(manager));
      if (prefix) refuse(prefix);
      const streams = monthStreams(stored);
      await refuseUnlessOnlyPrefix(manager, streams, end);
      await refuseUnlessCheckpointed(manager, keyStore, streams);
      await recordRetention(manager, month, archive, stored, streams);
      await auditedTrail(manager, source).append({
        action: 'audit.month.dropped',
        outcome: 'success',
        agent: { subject: await databaseRole(manager) },
        entity: { auditMonth: month, archiveSha256: sha256Hex(archive.ndjson) },
      });
      await manager.query('SELECT audit.drop_month_partition($1)', [month]);
      return {
        month,
        records: stored.length,
        anchors: streams.map((stream) => ({
          streamId: stream.streamId,
          seq: stream.lastSeq,
          hash: stream.lastHash,
        })),
      };
    });
  } catch (error) {
    if (error instanceof ProblemError && error.code === 'audit.retention_refused') {
      await auditedTrail(dataSource.manager, source).append({
        action: 'audit.month.dropped',
        outcome: 'refused',
        reasonCode: error.code,
        agent: { subject: await databaseRole(dataSource.manager) },
        entity: { auditMonth: month },
      });
    }
    throw error;
  }
}

function refuse(detail: string): never {
  throw new ProblemError('audit.retention_refused', detail);
}

/** The archive's records, once it verifies with its own keys and with this platform's. */
async function verifiedArchive(
  keyStore: KeyStore,
  month: string,
  archive: ArchiveFiles,
): Promise<AuditRecord[]> {
  const own = await verifyAuditArchive(archive.ndjson, archive.manifestJws, archive.jwks);
  if (!own.valid) refuse(`the archive does not verify: ${own.problem}`);
  const ours = await verifyAuditArchive(
    archive.ndjson,
    archive.manifestJws,
    await keyStore.publicJwks('audit-checkpoint'),
  );
  if (!ours.valid) refuse('the archive is not signed with this platform’s audit key');
  const manifest = JSON.parse(
    Buffer.from(archive.manifestJws.split('.')[1] ?? '', 'base64url').toString('utf8'),
  ) as ArchiveManifest;
  if (manifest.month !== month) refuse(`the archive is of ${manifest.month}, not ${month}`);
  return archive.ndjson
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditRecord);
}

/** Exactly what the month's partition holds, once no older record is kept anywhere. */
async function storedMonth(
  manager: EntityManager,
  month: string,
  { start, end }: { start: Date; end: Date },
): Promise<StoredLink[]> {
  if (
    await manager
      .query(`SELECT 1 FROM audit.retention WHERE month = $1`, [month])
      .then((rows: unknown[]) => rows.length)
  ) {
    refuse(`${month} was dropped already`);
  }
  const partition = `event_${month.replace('-', '_')}`;
  const [exists]: { found: boolean }[] = await manager.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [
    `audit.${partition}`,
  ]);
  if (!exists?.found) refuse(`there is no partition for ${month}`);
  const older: unknown[] = await manager.query(`SELECT 1 FROM audit.event WHERE recorded_at < $1 LIMIT 1`, [
    start,
  ]);
  if (older.length) refuse('an older month is still kept: drop months oldest first');
  const rows: { stream_id: string; seq: string; prev_hash: string; hash: string }[] = await manager.query(
    // Through the parent (pruned to the one partition): the retention role has no grant on partitions.
    `SELECT stream_id, seq, prev_hash, hash FROM audit.event
      WHERE recorded_at >= $1 AND recorded_at < $2 ORDER BY stream_id, seq`,
    [start, end],
  );
  return rows.map((row) => ({
    streamId: row.stream_id,
    seq: Number(row.seq),
    prevHash: row.prev_hash,
    hash: row.hash,
  }));
}

/** A record of a later month with a seq inside the month's range would be cut off from its chain. */
async function refuseUnlessOnlyPrefix(
  manager: EntityManager,
  streams: readonly MonthStream[],
  end: Date,
): Promise<void> {
  const [later]: { stream_id: string }[] = await manager.query(
    `SELECT e.stream_id FROM audit.event e
       JOIN unnest($1::text[], $2::bigint[]) AS m(stream_id, last_seq) ON m.stream_id = e.stream_id
      WHERE e.recorded_at >= $3 AND e.seq <= m.last_seq LIMIT 1`,
    [streams.map((stream) => stream.streamId), streams.map((stream) => stream.lastSeq), end],
  );
  if (later)
    refuse(`stream ${later.stream_id} has records of a later month inside this month's range of seqs`);
}

/** The latest checkpoint, its signature checked, must hold every stream up to its last record of the month. */
async function refuseUnlessCheckpointed(
  manager: EntityManager,
  keyStore: KeyStore,
  streams: readonly MonthStream[],
): Promise<void> {
  const [latest]: { jws: string }[] = await manager.query(
    `SELECT jws FROM audit.checkpoint ORDER BY id DESC LIMIT 1`,
  );
  if (!latest) refuse('no signed checkpoint covers the month: run `praesidium audit checkpoint` first');
  let signed: CheckpointPayload;
  try {
    const keys = await verificationKeys(await keyStore.publicJwks('audit-checkpoint'));
    signed = JSON.parse(
      Buffer.from(
        await keys.verify(latest.jws, { algorithms: ['ES256'], expectedTyp: CHECKPOINT_JWS_TYPE }),
      ).toString('utf8'),
    ) as CheckpointPayload;
  } catch {
    refuse('the latest checkpoint does not verify as a checkpoint: run `praesidium audit verify`');
  }
  const uncovered = streams.find((stream) => (signed.heads[stream.streamId] ?? 0) < stream.lastSeq);
  if (uncovered) {
    refuse(
      `no signed checkpoint covers stream ${uncovered.streamId} up to seq ${uncovered.lastSeq}: run \`praesidium audit checkpoint\` first`,
    );
  }
}

async function recordRetention(
  manager: EntityManager,
  month: string,
  archive: ArchiveFiles,
  stored: readonly StoredLink[],
  streams: readonly MonthStream[],
): Promise<void> {
  await manager.query(
    `INSERT INTO audit.retention (month, records, archive_sha256, manifest_jws) VALUES ($1, $2, $3, $4)`,
    [month, stored.length, sha256Hex(archive.ndjson), archive.manifestJws],
  );
  await manager.query(
    `INSERT INTO audit.retention_anchor (stream_id, seq, hash, month)
       SELECT stream_id, seq, hash, $4 FROM unnest($1::text[], $2::bigint[], $3::text[]) AS a(stream_id, seq, hash)`,
    [streams.map((s) => s.streamId), streams.map((s) => s.lastSeq), streams.map((s) => s.lastHash), month],
  );
  await manager.query(
    `INSERT INTO audit.dropped_record (stream_id, seq, hash, month)
       SELECT stream_id, seq, hash, $4 FROM unnest($1::text[], $2::bigint[], $3::text[]) AS d(stream_id, seq, hash)`,
    [stored.map((s) => s.streamId), stored.map((s) => s.seq), stored.map((s) => s.hash), month],
  );
}

/** A trail writing through `manager`: inside the retention transaction, its record commits with the drop. */
function auditedTrail(manager: EntityManager, source: string): AuditTrail {
  return new AuditTrail(
    manager.getRepository(AuditEventEntity),
    manager.getRepository(AuditStreamEntity),
    source,
  );
}

async function databaseRole(manager: EntityManager): Promise<string> {
  const [row]: { role: string }[] = await manager.query(`SELECT current_user AS role`);
  return `database-role:${row?.role ?? 'unknown'}`;
}
