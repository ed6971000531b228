import type { DataSource } from 'typeorm';
import { JwsError, signJwt, verificationKeys, type Jwks, type KeyStore } from '@praesidium/keys';
import { MerkleAccumulator } from '../merkle/merkle-accumulator.js';
import {
  auditLeaf,
  consistencyProofFromLeafHashes,
  inclusionProofFromLeafHashes,
} from '../merkle/merkle-tree.js';
import {
  latestCheckpoint,
  readLeafHashes,
  readLeafPages,
  toStored,
  type CheckpointRow,
  type LeafRow,
} from './checkpoint-store.js';
import {
  CHECKPOINT_JWS_TYPE,
  type CheckpointPayload,
  type CheckpointVerification,
  type StoredCheckpoint,
} from './checkpoint-payload.js';

// Any id of ours: one checkpoint at a time across every process of a deployment.
const CHECKPOINT_LOCK_ID = 7_235_002;
const MAX_LEAVES_PER_CHECKPOINT = 200_000;

export interface InclusionProof {
  readonly streamId: string;
  readonly seq: number;
  readonly leafIndex: number;
  readonly treeSize: number;
  readonly leafHash: string;
  readonly proof: readonly string[];
  readonly checkpoint: StoredCheckpoint;
}

export interface ConsistencyProof {
  readonly fromSize: number;
  readonly toSize: number;
  readonly proof: readonly string[];
  readonly from: StoredCheckpoint;
  readonly to: StoredCheckpoint;
}

/**
 * Signed checkpoints over every stream of the audit trail: each one adds the records committed since
 * the previous one to an RFC 9162 Merkle tree (ordered by stream, then seq) and signs the new tree
 * head as a JWS with the platform's `audit-checkpoint` key. A signed head pins every record below it:
 * editing, deleting, inserting or reordering any of them changes the root.
 */
export class AuditCheckpoints {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keyStore: KeyStore,
  ) {}

  /** The public keys anyone verifies checkpoints with. */
  publicKeys(): Promise<Jwks> {
    return this.keyStore.publicJwks('audit-checkpoint');
  }

  /** Checkpoints the records committed since the last checkpoint; `undefined` when there are none. */
  async createCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [CHECKPOINT_LOCK_ID]);
      const last = await latestCheckpoint(manager);
      const heads = { ...(last?.heads ?? {}) };
      const fresh: LeafRow[] = await manager.query(
        `SELECT NULL AS leaf_index, e.stream_id, e.seq, e.hash
           FROM audit.event e
           LEFT JOIN jsonb_each_text($1::jsonb) h ON h.key = e.stream_id
          WHERE e.seq > COALESCE(h.value::bigint, 0)
          ORDER BY e.stream_id, e.seq
          LIMIT $2`,
        [JSON.stringify(heads), MAX_LEAVES_PER_CHECKPOINT],
      );
      if (fresh.length === 0) return undefined;
      const accumulator = last
        ? MerkleAccumulator.fromFrontier({
            size: last.treeSize,
            subtreeRoots: last.frontier.map((hex) => Buffer.from(hex, 'hex')),
          })
        : new MerkleAccumulator();
      const firstIndex = accumulator.size;
      for (const row of fresh) {
        accumulator.append(
          auditLeaf({ streamId: row.stream_id, seq: Number(row.seq), hash: row.hash ?? '' }),
        );
        heads[row.stream_id] = Number(row.seq);
      }
      await manager.query(
        `INSERT INTO audit.merkle_leaf (leaf_index, stream_id, seq)
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[])`,
        [
          fresh.map((_, offset) => firstIndex + offset),
          fresh.map((row) => row.stream_id),
          fresh.map((row) => row.seq),
        ],
      );
      const payload: CheckpointPayload = {
        iss: 'praesidium-audit',
        checkpoint: (last?.id ?? 0) + 1,
        tree_size: accumulator.size,
        root: accumulator.root().toString('hex'),
        heads,
        created_at: new Date().toISOString(),
      };
      const jws = await signJwt(
        this.keyStore.current('audit-checkpoint'),
        { ...payload },
        CHECKPOINT_JWS_TYPE,
      );
      const frontier = accumulator.frontier().subtreeRoots.map((root) => root.toString('hex'));
      await manager.query(
        `INSERT INTO audit.checkpoint (id, tree_size, root_hash, heads, frontier, created_at, jws)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          payload.checkpoint,
          payload.tree_size,
          payload.root,
          JSON.stringify(heads),
          JSON.stringify(frontier),
          payload.created_at,
          jws,
        ],
      );
      return toStored({
        id: String(payload.checkpoint),
        tree_size: String(payload.tree_size),
        root_hash: payload.root,
        heads,
        frontier,
        created_at: new Date(payload.created_at),
        jws,
      });
    });
  }

  async latest(): Promise<StoredCheckpoint | undefined> {
    return latestCheckpoint(this.dataSource.manager);
  }

  /**
   * Recomputes the tree from the records and checks every checkpoint: its signature, that its row
   * says what it signed, that no checkpoint is missing, that every leaf's record still exists with the
   * same hash, and that the root matches.
   */
  async verify(fromCheckpoint?: StoredCheckpoint): Promise<CheckpointVerification> {
    const firstId = fromCheckpoint ? fromCheckpoint.id : 1;
    const rows: CheckpointRow[] = await this.dataSource.query(
      `SELECT * FROM audit.checkpoint WHERE id >= $1 ORDER BY id`,
      [firstId],
    );
    const keys = await verificationKeys(await this.publicKeys());
    // From a checkpoint verified earlier: resume its tree from the frontier stored with it; the
    // signed root of that checkpoint is checked against the frontier below, like any other.
    const accumulator = fromCheckpoint
      ? MerkleAccumulator.fromFrontier({
          size: fromCheckpoint.treeSize,
          subtreeRoots: fromCheckpoint.frontier.map((hex) => Buffer.from(hex, 'hex')),
        })
      : new MerkleAccumulator();
    const leaves = readLeafPages(this.dataSource, accumulator.size);
    let pending: LeafRow[] = [];
    let checked = 0;
    for (const [position, row] of rows.entries()) {
      const checkpoint = toStored(row);
      const fail = (
        problem: NonNullable<CheckpointVerification['firstProblem']>['problem'],
        record?: LeafRow,
      ) => ({
        valid: false,
        checked,
        treeSize: accumulator.size,
        firstProblem: {
          checkpoint: checkpoint.id,
          problem,
          ...(record ? { record: { streamId: record.stream_id, seq: Number(record.seq) } } : {}),
        },
      });
      if (checkpoint.id !== position + firstId) return fail('checkpoint_gap');
      const signed = await readSigned(keys, checkpoint.jws);
      if (typeof signed === 'string') return fail(signed);
      if (!sameHead(signed, checkpoint)) return fail('payload_mismatch');
      while (accumulator.size < checkpoint.treeSize) {
        if (pending.length === 0) pending = (await leaves.next()).value ?? [];
        const leaf = pending.shift();
        if (!leaf || Number(leaf.leaf_index) !== accumulator.size) return fail('leaf_gap', leaf);
        if (!leaf.hash || !/^[0-9a-f]{64}$/.test(leaf.hash)) return fail('record_missing', leaf);
        accumulator.append(auditLeaf({ streamId: leaf.stream_id, seq: Number(leaf.seq), hash: leaf.hash }));
      }
      if (accumulator.root().toString('hex') !== checkpoint.rootHash) return fail('root_mismatch');
      checked += 1;
    }
    return { valid: true, checked, treeSize: accumulator.size };
  }

  /** The proof that a record is in the tree of a checkpoint (the latest one by default). */
  async inclusionProof(
    streamId: string,
    seq: number,
    checkpointId?: number,
  ): Promise<InclusionProof | undefined> {
    const [leaf]: { leaf_index: string }[] = await this.dataSource.query(
      `SELECT leaf_index FROM audit.merkle_leaf WHERE stream_id = $1 AND seq = $2`,
      [streamId, seq],
    );
    const checkpoint = checkpointId ? await this.checkpoint(checkpointId) : await this.latest();
    if (!leaf || !checkpoint || Number(leaf.leaf_index) >= checkpoint.treeSize) return undefined;
    const hashes = await readLeafHashes(this.dataSource, checkpoint.treeSize);
    const leafIndex = Number(leaf.leaf_index);
    return {
      streamId,
      seq,
      leafIndex,
      treeSize: checkpoint.treeSize,
      leafHash: hashes[leafIndex].toString('hex'),
      proof: inclusionProofFromLeafHashes(hashes, leafIndex).map((node) => node.toString('hex')),
      checkpoint,
    };
  }

  /** The proof that checkpoint `toId`'s tree extends checkpoint `fromId`'s without rewriting it. */
  async consistencyProof(fromId: number, toId: number): Promise<ConsistencyProof | undefined> {
    const [from, to] = await Promise.all([this.checkpoint(fromId), this.checkpoint(toId)]);
    if (!from || !to || from.treeSize > to.treeSize) return undefined;
    const hashes = await readLeafHashes(this.dataSource, to.treeSize);
    return {
      fromSize: from.treeSize,
      toSize: to.treeSize,
      proof: consistencyProofFromLeafHashes(hashes, from.treeSize).map((node) => node.toString('hex')),
      from,
      to,
    };
  }

  /** Per stream, the last record a checkpoint holds and its hash: where incremental chain checks start. */
  async headsOf(checkpoint: StoredCheckpoint): Promise<Map<string, { seq: number; hash: string }>> {
    const rows: { stream_id: string; seq: string; hash: string }[] = await this.dataSource.query(
      `SELECT e.stream_id, e.seq, e.hash
         FROM jsonb_each_text($1::jsonb) h
         JOIN audit.event e ON e.stream_id = h.key AND e.seq = h.value::bigint
       UNION ALL
       SELECT d.stream_id, d.seq, d.hash
         FROM jsonb_each_text($1::jsonb) h
         JOIN audit.dropped_record d ON d.stream_id = h.key AND d.seq = h.value::bigint`,
      [JSON.stringify(checkpoint.heads)],
    );
    return new Map(rows.map((row) => [row.stream_id, { seq: Number(row.seq), hash: row.hash }]));
  }

  async checkpoint(id: number): Promise<StoredCheckpoint | undefined> {
    const [row]: CheckpointRow[] = await this.dataSource.query(
      `SELECT * FROM audit.checkpoint WHERE id = $1`,
      [id],
    );
    return row ? toStored(row) : undefined;
  }
}

/** The signed payload, or why it is refused: a bad signature, or a JWS of another kind (its `typ`). */
async function readSigned(
  keys: Awaited<ReturnType<typeof verificationKeys>>,
  jws: string,
): Promise<CheckpointPayload | 'signature' | 'jws_type'> {
  try {
    const payload = await keys.verify(jws, { algorithms: ['ES256'], expectedTyp: CHECKPOINT_JWS_TYPE });
    return JSON.parse(Buffer.from(payload).toString('utf8')) as CheckpointPayload;
  } catch (error) {
    return error instanceof JwsError && error.failure === 'type_unexpected' ? 'jws_type' : 'signature';
  }
}

function sameHead(signed: CheckpointPayload, stored: StoredCheckpoint): boolean {
  return (
    signed.iss === 'praesidium-audit' &&
    signed.checkpoint === stored.id &&
    signed.tree_size === stored.treeSize &&
    signed.root === stored.rootHash &&
    JSON.stringify(Object.entries(signed.heads).sort()) ===
      JSON.stringify(Object.entries(stored.heads).sort())
  );
}
