import type { EntityManager } from 'typeorm';

/** Where a stream's retained chain starts: its last dropped record. */
export interface RetentionAnchor {
  readonly seq: number;
  readonly hash: string;
}

/**
 * Per stream (or for one stream), the last record dropped by retention: the newest anchor wins, as
 * months are dropped oldest first.
 */
export async function readRetentionAnchors(
  manager: EntityManager,
  streamId?: string,
): Promise<Map<string, RetentionAnchor>> {
  const rows: { stream_id: string; seq: string; hash: string }[] = await manager.query(
    `SELECT DISTINCT ON (stream_id) stream_id, seq, hash FROM audit.retention_anchor
      WHERE $1::text IS NULL OR stream_id = $1 ORDER BY stream_id, seq DESC`,
    [streamId ?? null],
  );
  return new Map(rows.map((row) => [row.stream_id, { seq: Number(row.seq), hash: row.hash }]));
}

/** The later of two starting points of a chain check. */
export function laterStart(
  first: RetentionAnchor | undefined,
  second: RetentionAnchor | undefined,
): RetentionAnchor | undefined {
  if (!first) return second;
  if (!second) return first;
  return first.seq >= second.seq ? first : second;
}
