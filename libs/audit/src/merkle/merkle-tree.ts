import type { AuditRecord } from '../audit-event.js';
import { MerkleAccumulator } from './merkle-accumulator.js';
import { MERKLE_HASH_SIZE, leafHash, nodeHash } from './merkle-hash.js';

/**
 * Merkle trees as defined by RFC 9162 (Certificate Transparency v2), section 2.1: the tree head, the
 * inclusion and consistency proofs, and their verification. The tree is left-balanced: the left
 * subtree of n leaves always holds the largest power of two strictly smaller than n.
 *
 * Every algorithm here works on leaf *hashes*; the data-level functions (`merkleRoot`, `inclusionProof`,
 * `consistencyProof`) only hash the leaves first. Callers that already hold leaf hashes (for example
 * `auditLeaf` values streamed from the database) use the `...OfLeafHashes` / `...FromLeafHashes` forms.
 */

/**
 * The leaf of an audit record in the checkpoint tree (an RFC 9162 §2.1.1 leaf hash): leafHash of the
 * UTF-8 bytes of `${streamId}\n${seq}\n${hash}`.
 *
 * Why these three fields: the record's chain hash already commits to its content and to the previous
 * record (see hash-chain.ts), so the leaf need not repeat the event. Stream and sequence number are
 * bound explicitly so that a proof says "record #seq of stream streamId had this chain hash" on its
 * own: an auditor can check it against a stream's chain without being shown the (possibly sensitive)
 * event, and a record cannot be passed off as sitting at another position or in another stream.
 * The encoding is unambiguous: `hash` is 64 lowercase hex digits and `seq` a decimal integer, neither
 * holds a newline, so reading the last two lines back recovers all three fields even if the stream id
 * itself contains newlines.
 */
export function auditLeaf(record: Pick<AuditRecord, 'streamId' | 'seq' | 'hash'>): Buffer {
  return leafHash(auditLeafData(record));
}

/** The bytes `auditLeaf` hashes (RFC 9162 §2.1.1 leaf input d), for callers that build trees from data. */
export function auditLeafData(record: Pick<AuditRecord, 'streamId' | 'seq' | 'hash'>): Buffer {
  if (!Number.isSafeInteger(record.seq) || record.seq < 1) {
    throw new RangeError(`audit record seq must be a positive integer, got ${record.seq}`);
  }
  if (!/^[0-9a-f]{64}$/.test(record.hash)) {
    throw new RangeError('audit record hash must be 64 lowercase hex digits (SHA-256)');
  }
  return Buffer.from(`${record.streamId}\n${record.seq}\n${record.hash}`, 'utf8');
}

/** RFC 9162 §2.1.1: MTH(D[n]), the root of the tree over the leaves' data (the empty tree included). */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  return rootOfLeafRange(leaves.length, (index) => leafHash(leaves[index]));
}

/** RFC 9162 §2.1.1: MTH(D[n]) when the leaves are already hashed with `leafHash` (or `auditLeaf`). */
export function merkleRootOfLeafHashes(leafHashes: readonly Uint8Array[]): Buffer {
  return rootOfLeafRange(leafHashes.length, (index) => leafHashes[index]);
}

/** RFC 9162 §2.1.3.1: PATH(m, D[n]), the inclusion proof of leaf `index` among the leaves' data. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Buffer[] {
  return inclusionProofFromLeafHashes(leaves.map(leafHash), index);
}

/**
 * RFC 9162 §2.1.3.1: PATH(m, D[n]) over leaf hashes.
 *
 * The RFC's recursion, PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) when m < k, and
 * PATH(m - k, D[k:n]) : MTH(D[0:k]) otherwise, is unrolled into a walk from the root down to the
 * leaf that records the sibling subtree at each step; reversing puts the deepest sibling first, as
 * the RFC's concatenation does. Total work is O(n) hashes, since the siblings' sizes halve.
 */
export function inclusionProofFromLeafHashes(leafHashes: readonly Uint8Array[], index: number): Buffer[] {
  const treeSize = leafHashes.length;
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${treeSize} leaves`);
  }
  const siblingsFromTop: Buffer[] = [];
  let start = 0;
  let end = treeSize;
  while (end - start > 1) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (index < split) {
      siblingsFromTop.push(subtreeRoot(leafHashes, split, end));
      end = split;
    } else {
      siblingsFromTop.push(subtreeRoot(leafHashes, start, split));
      start = split;
    }
  }
  return siblingsFromTop.reverse();
}

/** RFC 9162 §2.1.4.1: PROOF(m, D[n]), the consistency proof from the first `oldSize` leaves' data. */
export function consistencyProof(leaves: readonly Uint8Array[], oldSize: number): Buffer[] {
  return consistencyProofFromLeafHashes(leaves.map(leafHash), oldSize);
}

/**
 * RFC 9162 §2.1.4.1: PROOF(m, D[n]) = SUBPROOF(m, D[n], true) over leaf hashes.
 *
 * SUBPROOF(m, D[n], b) is unrolled the same way as PATH: walk down from the root towards the node
 * where the old tree ends, recording the subtree on the other side at each step. `b` becomes
 * `oldTreeIsWholeSubtree`: it stays true only while the walk goes left, i.e. while the subtree reached
 * is the old tree itself, whose root the verifier already holds and need not be sent. The RFC defines
 * the proof for 0 < m < n; m = n gives SUBPROOF(n, D[n], true) = [], the empty proof.
 */
export function consistencyProofFromLeafHashes(leafHashes: readonly Uint8Array[], oldSize: number): Buffer[] {
  const newSize = leafHashes.length;
  if (!Number.isSafeInteger(oldSize) || oldSize < 1 || oldSize > newSize) {
    throw new RangeError(`old tree size ${oldSize} must be between 1 and the new size ${newSize}`);
  }
  const subtreesFromTop: Buffer[] = [];
  let start = 0;
  let end = newSize;
  let oldTreeIsWholeSubtree = true;
  while (oldSize !== end) {
    const split = start + largestPowerOfTwoBelow(end - start);
    if (oldSize <= split) {
      subtreesFromTop.push(subtreeRoot(leafHashes, split, end));
      end = split;
    } else {
      subtreesFromTop.push(subtreeRoot(leafHashes, start, split));
      start = split;
      oldTreeIsWholeSubtree = false;
    }
  }
  if (!oldTreeIsWholeSubtree) subtreesFromTop.push(subtreeRoot(leafHashes, start, end));
  return subtreesFromTop.reverse();
}

/**
 * RFC 9162 §2.1.3.2: verifies that `hashedLeaf` (a `leafHash` or `auditLeaf` value) is leaf `index`
 * of the tree of `treeSize` leaves whose root is `root`. Follows the RFC's steps literally.
 *
 * The proof binds the index, the leaf and the root, but the tree size only through the root: a proof
 * can also verify against the same root with another size whose tree has the same shape along the
 * path. So size and root must come together from one signed checkpoint.
 */
export function verifyInclusion(
  hashedLeaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0) return false;
  if (!allAreHashes([hashedLeaf, root, ...proof])) return false;
  // 1. If leaf_index is greater than or equal to tree_size, fail.
  if (index >= treeSize) return false;
  // 2. Set fn to leaf_index and sn to tree_size - 1. 3. Set r to hash.
  let fn = index;
  let sn = treeSize - 1;
  let r: Uint8Array = hashedLeaf;
  // 4. For each value p in the inclusion_path array:
  for (const p of proof) {
    // a. If sn is 0, stop the iteration and fail.
    if (sn === 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn:
    if (lsbIsSet(fn) || fn === sn) {
      r = nodeHash(p, r);
      // If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      while (!lsbIsSet(fn) && fn !== 0) {
        fn = shiftRight(fn);
        sn = shiftRight(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = shiftRight(fn);
    sn = shiftRight(sn);
  }
  // 5. The inclusion is proven if sn is 0 and r equals the root hash.
  return sn === 0 && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2: verifies that the tree of `oldSize` leaves with root `oldRoot` is a prefix of the
 * tree of `newSize` leaves with root `newRoot`. Follows the RFC's steps literally for
 * 0 < oldSize < newSize; for oldSize = newSize the only valid proof is the empty one and the roots must
 * be equal. oldSize = 0 is outside the RFC's definition and is rejected: an empty tree is a prefix of
 * every tree, so there is nothing to prove.
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize)) return false;
  if (oldSize < 1 || oldSize > newSize) return false;
  if (!allAreHashes([oldRoot, newRoot, ...proof])) return false;
  if (oldSize === newSize) return proof.length === 0 && bytesEqual(oldRoot, newRoot);
  // 1. If consistency_path is an empty array, fail.
  if (proof.length === 0) return false;
  // 2. If first is an exact power of 2, prepend first_hash to the consistency_path array.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  // 3. Set fn to first - 1 and sn to second - 1.
  let fn = oldSize - 1;
  let sn = newSize - 1;
  // 4. If LSB(fn) is set, right-shift both fn and sn equally until LSB(fn) is not set.
  while (lsbIsSet(fn)) {
    fn = shiftRight(fn);
    sn = shiftRight(sn);
  }
  // 5. Set both fr and sr to the first value in the consistency_path array.
  let fr: Uint8Array = path[0];
  let sr: Uint8Array = path[0];
  // 6. For each subsequent value c in the consistency_path array:
  for (const c of path.slice(1)) {
    // a. If sn is 0, stop the iteration and fail.
    if (sn === 0) return false;
    // b. If LSB(fn) is set, or if fn is equal to sn:
    if (lsbIsSet(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      // If LSB(fn) is not set, right-shift both fn and sn equally until either LSB(fn) is set or fn is 0.
      while (!lsbIsSet(fn) && fn !== 0) {
        fn = shiftRight(fn);
        sn = shiftRight(sn);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    // c. Finally, right-shift both fn and sn one time.
    fn = shiftRight(fn);
    sn = shiftRight(sn);
  }
  // 7. Verify that fr equals first_hash, sr equals second_hash, and sn is 0.
  return bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot) && sn === 0;
}

/** MTH(D[start:end]) over leaf hashes, without copying the range. */
function subtreeRoot(leafHashes: readonly Uint8Array[], start: number, end: number): Buffer {
  return rootOfLeafRange(end - start, (offset) => leafHashes[start + offset]);
}

/**
 * MTH over `count` leaf hashes, streamed through the accumulator's frontier: O(count) hashes, no
 * recursion, and only O(log count) hashes held at once. Holding a whole level instead (half a million
 * buffers for a million leaves) measured about twice as slow, the garbage collector having to move
 * the long-lived buffers.
 */
function rootOfLeafRange(count: number, leafHashAt: (index: number) => Uint8Array): Buffer {
  const accumulator = new MerkleAccumulator();
  for (let index = 0; index < count; index++) accumulator.append(leafHashAt(index));
  return accumulator.root();
}

/** The RFC's k for n > 1: the largest power of two smaller than n. */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let power = 1;
  while (power < n) power *= 2;
  return power === n;
}

// The RFC's bit operations, as arithmetic: JavaScript's `&` and `>>` truncate to 32 bits, these are
// exact for every safe integer, so tree sizes beyond 2^32 leaves stay correct.
function lsbIsSet(n: number): boolean {
  return n % 2 === 1;
}

function shiftRight(n: number): number {
  return Math.floor(n / 2);
}

// Fixing every hash at 32 bytes keeps the node-hash input 0x01 || left || right unambiguous: a
// caller-supplied value of another length could otherwise shift where left ends and right begins.
function allAreHashes(values: readonly Uint8Array[]): boolean {
  return values.every((value) => value instanceof Uint8Array && value.length === MERKLE_HASH_SIZE);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
