import type { DataSource, EntityManager } from 'typeorm';
import { auditLeaf } from '../merkle/merkle-tree.js';
import type { StoredCheckpoint } from './checkpoint-payload.js';

const PAGE = 10_000;

export interface CheckpointRow {
  id: string;
  tree_size: string;
  root_hash: string;
  heads: Record<string, number>;
  frontier: string[];
  created_at: Date;
  jws: string;
}

export interface LeafRow {
  leaf_index: string;
  stream_id: string;
  seq: string;
  hash: string | null;
}

/**
 * The leaves of the tree in order, each with its record's current hash, or the hash retention kept
 * when its month was dropped (the hash holds no patient data); null when the record is gone.
 */
export async function* readLeafPages(dataSource: DataSource, from = 0): AsyncGenerator<LeafRow[], undefined> {
  for (;;) {
    const page: LeafRow[] = await dataSource.query(
      `SELECT l.leaf_index, l.stream_id, l.seq, COALESCE(e.hash, d.hash) AS hash
         FROM audit.merkle_leaf l
         LEFT JOIN audit.event e ON e.stream_id = l.stream_id AND e.seq = l.seq
         LEFT JOIN audit.dropped_record d ON d.stream_id = l.stream_id AND d.seq = l.seq
        WHERE l.leaf_index >= $1
        ORDER BY l.leaf_index
        LIMIT $2`,
      [from, PAGE],
    );
    if (page.length === 0) return undefined;
    yield page;
    from = Number(page[page.length - 1].leaf_index) + 1;
  }
}

/** The leaf hashes of the first `treeSize` leaves, for building proofs. */
export async function readLeafHashes(dataSource: DataSource, treeSize: number): Promise<Buffer[]> {
  const hashes: Buffer[] = [];
  for await (const page of readLeafPages(dataSource)) {
    for (const leaf of page) {
      if (hashes.length >= treeSize) return hashes;
      hashes.push(auditLeaf({ streamId: leaf.stream_id, seq: Number(leaf.seq), hash: leaf.hash ?? '' }));
    }
  }
  return hashes;
}

export async function latestCheckpoint(manager: EntityManager): Promise<StoredCheckpoint | undefined> {
  const [row]: CheckpointRow[] = await manager.query(
    `SELECT * FROM audit.checkpoint ORDER BY id DESC LIMIT 1`,
  );
  return row ? toStored(row) : undefined;
}

export function toStored(row: CheckpointRow): StoredCheckpoint {
  return {
    id: Number(row.id),
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash,
    heads: row.heads,
    frontier: row.frontier,
    createdAt: new Date(row.created_at).toISOString(),
    jws: row.jws,
  };
}
