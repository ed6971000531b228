/** What a signed checkpoint (a signed tree head) asserts; the JWS payload, verbatim. */
export interface CheckpointPayload {
  readonly iss: 'praesidium-audit';
  readonly checkpoint: number;
  /** Number of leaves (records) in the Merkle tree. */
  readonly tree_size: number;
  /** RFC 9162 Merkle Tree Hash of those leaves, lowercase hex. */
  readonly root: string;
  /** Per stream, the last seq the tree holds. */
  readonly heads: Readonly<Record<string, number>>;
  readonly created_at: string;
}

/**
 * The `typ` of a checkpoint's JWS, since the first checkpoint ever signed; verification requires it,
 * since the same key signs archive manifests (`praesidium-archive+jwt`).
 */
export const CHECKPOINT_JWS_TYPE = 'praesidium-checkpoint+jwt';

export interface StoredCheckpoint {
  readonly id: number;
  readonly treeSize: number;
  readonly rootHash: string;
  readonly heads: Readonly<Record<string, number>>;
  readonly frontier: readonly string[];
  readonly createdAt: string;
  readonly jws: string;
}

/** `jws_type`: a JWS signed with the checkpoint key but of another kind (its `typ` is not a checkpoint's). */
export type CheckpointProblem =
  | 'signature'
  | 'jws_type'
  | 'payload_mismatch'
  | 'checkpoint_gap'
  | 'leaf_gap'
  | 'record_missing'
  | 'root_mismatch';

export interface CheckpointVerification {
  readonly valid: boolean;
  readonly checked: number;
  readonly treeSize: number;
  /** The first checkpoint that does not verify, why, and the record concerned when one is known. */
  readonly firstProblem?: {
    readonly checkpoint: number;
    readonly problem: CheckpointProblem;
    readonly record?: { readonly streamId: string; readonly seq: number };
  };
}
