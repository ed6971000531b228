import type { DataSource } from 'typeorm';
import { sha256Hex } from '@praesidium/digest';
import { JwsError, signJwt, verificationKeys, type Jwks, type KeyStore } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import type { AuditEvent, AuditRecord } from '../audit-event.js';
import { ChainVerifier } from '../hash-chain.js';

/**
 * The `typ` of an archive manifest's JWS, since the first archive; verification requires it, since the
 * same `audit-checkpoint` key signs checkpoints (`praesidium-checkpoint+jwt`).
 */
export const ARCHIVE_JWS_TYPE = 'praesidium-archive+jwt';

/** What the signed manifest of a month's archive asserts. */
export interface ArchiveManifest {
  readonly iss: 'praesidium-audit';
  readonly kind: 'audit-archive';
  readonly month: string;
  readonly created_at: string;
  readonly records: number;
  readonly ndjson_sha256: string;
  /** Per stream, where its part of the chain starts (the hash before it) and ends. */
  readonly streams: readonly {
    readonly streamId: string;
    readonly firstSeq: number;
    readonly lastSeq: number;
    readonly prevHash: string;
    readonly lastHash: string;
  }[];
}

export interface AuditArchive {
  readonly ndjson: string;
  readonly manifestJws: string;
  readonly jwks: Jwks;
  readonly manifest: ArchiveManifest;
}

interface ArchiveRow {
  stream_id: string;
  seq: string;
  event_jcs: string;
  prev_hash: string;
  hash: string;
}

/** `YYYY-MM` of a month that has ended (UTC): only a closed month can be archived. */
export function closedMonthRange(month: string, now = new Date()): { start: Date; end: Date } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!match) throw new ProblemError('request.invalid', 'the month must be written YYYY-MM');
  const start = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  const end = new Date(Date.UTC(Number(match[1]), Number(match[2]), 1));
  if (end > now) throw new ProblemError('request.invalid', 'only a month that has ended can be archived');
  return { start, end };
}

/**
 * A month of the audit trail as a self-contained archive: the records as NDJSON, exactly as hashed,
 * and a manifest signed with the `audit-checkpoint` key that fixes the file's SHA-256 and, per
 * stream, the hashes its part of the chain starts from and ends at. `verifyAuditArchive` checks it
 * with nothing but the three files.
 */
export async function exportAuditMonth(
  dataSource: DataSource,
  keyStore: KeyStore,
  month: string,
): Promise<AuditArchive> {
  const { start, end } = closedMonthRange(month);
  const rows: ArchiveRow[] = await dataSource.query(
    `SELECT stream_id, seq, event_jcs, prev_hash, hash FROM audit.event
      WHERE recorded_at >= $1 AND recorded_at < $2 ORDER BY stream_id, seq`,
    [start, end],
  );
  const records: AuditRecord[] = rows.map((row) => ({
    streamId: row.stream_id,
    seq: Number(row.seq),
    event: JSON.parse(row.event_jcs) as AuditEvent,
    prevHash: row.prev_hash,
    hash: row.hash,
  }));
  const ndjson = records.map((record) => `${JSON.stringify(record)}\n`).join('');
  const manifest: ArchiveManifest = {
    iss: 'praesidium-audit',
    kind: 'audit-archive',
    month,
    created_at: new Date().toISOString(),
    records: records.length,
    ndjson_sha256: sha256Hex(ndjson),
    streams: summarizeStreams(records),
  };
  const manifestJws = await signJwt(keyStore.current('audit-checkpoint'), { ...manifest }, ARCHIVE_JWS_TYPE);
  return { ndjson, manifestJws, jwks: await keyStore.publicJwks('audit-checkpoint'), manifest };
}

export interface ArchiveVerification {
  readonly valid: boolean;
  readonly records: number;
  readonly problem?: string;
}

/**
 * Checks an archive against the keys given: the signature, the manifest's kind (its JWS `typ`, then
 * its `kind`; and month, when one is expected), the file hash, and every stream's part of the chain.
 * Pass keys you trust (this platform's, or its published ones pinned out of band): the `.jwks.json`
 * beside an archive is only as trustworthy as the storage it sits in, and whoever rewrites an archive
 * can rewrite it too.
 */
export async function verifyAuditArchive(
  ndjson: string,
  manifestJws: string,
  jwks: Jwks,
  expected: { readonly month?: string } = {},
): Promise<ArchiveVerification> {
  let manifest: ArchiveManifest;
  try {
    const keys = await verificationKeys(jwks);
    manifest = JSON.parse(
      Buffer.from(
        await keys.verify(manifestJws, { algorithms: ['ES256'], expectedTyp: ARCHIVE_JWS_TYPE }),
      ).toString('utf8'),
    ) as ArchiveManifest;
  } catch (error) {
    if (error instanceof JwsError && error.failure === 'type_unexpected')
      return {
        valid: false,
        records: 0,
        problem: `the manifest is not an archive manifest: ${error.message}`,
      };
    return { valid: false, records: 0, problem: 'the manifest signature does not verify' };
  }
  if (manifest.kind !== 'audit-archive')
    return { valid: false, records: 0, problem: 'the signed document is not an audit archive manifest' };
  if (expected.month !== undefined && manifest.month !== expected.month)
    return {
      valid: false,
      records: 0,
      problem: `the archive is of ${manifest.month}, not ${expected.month}`,
    };
  if (sha256Hex(ndjson) !== manifest.ndjson_sha256) {
    return { valid: false, records: 0, problem: 'the NDJSON file is not the one the manifest signed' };
  }
  const records = ndjson
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditRecord);
  const summary = JSON.stringify(summarizeStreams(records));
  if (records.length !== manifest.records || summary !== JSON.stringify(manifest.streams)) {
    return { valid: false, records: records.length, problem: 'the records do not match the manifest' };
  }
  for (const stream of manifest.streams) {
    const verifier = new ChainVerifier(stream.streamId, { seq: stream.firstSeq - 1, hash: stream.prevHash });
    records.filter((record) => record.streamId === stream.streamId).forEach((record) => verifier.add(record));
    const result = verifier.result();
    if (!result.valid) {
      return {
        valid: false,
        records: records.length,
        problem: `stream ${stream.streamId} breaks at seq ${result.firstBreak?.seq}`,
      };
    }
  }
  return { valid: true, records: records.length };
}

function summarizeStreams(records: readonly AuditRecord[]): ArchiveManifest['streams'] {
  const streams = new Map<
    string,
    { streamId: string; firstSeq: number; lastSeq: number; prevHash: string; lastHash: string }
  >();
  for (const record of records) {
    const known = streams.get(record.streamId);
    if (!known) {
      streams.set(record.streamId, {
        streamId: record.streamId,
        firstSeq: record.seq,
        lastSeq: record.seq,
        prevHash: record.prevHash,
        lastHash: record.hash,
      });
    } else {
      known.lastSeq = record.seq;
      known.lastHash = record.hash;
    }
  }
  return [...streams.values()];
}
