import { hash } from 'node:crypto';

/**
 * The hashing of RFC 9162 (Certificate Transparency v2) §2.1.1: SHA-256, with leaves and interior
 * nodes domain-separated by a one-byte prefix so that no leaf can be passed off as an interior node
 * (the second-preimage attack on unprefixed Merkle trees).
 */

/** Bytes in a SHA-256 digest: the size of every leaf hash, node hash, proof element and root. */
export const MERKLE_HASH_SIZE = 32;

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

function sha256(data: Uint8Array): Buffer {
  // One-shot crypto.hash skips the Hash object createHash builds, and most of the cost of a large tree
  // is this per-digest overhead rather than SHA-256 itself.
  return hash('sha256', data, 'buffer');
}

/** RFC 9162 §2.1.1: the hash of an empty tree, MTH({}) = SHA-256 of the empty string. */
export function emptyTreeHash(): Buffer {
  return sha256(new Uint8Array(0));
}

/** RFC 9162 §2.1.1: the hash of a leaf, MTH({d}) = SHA-256(0x00 || d). */
export function leafHash(data: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + data.length);
  input[0] = LEAF_PREFIX;
  input.set(data, 1);
  return sha256(input);
}

/** RFC 9162 §2.1.1: the hash of an interior node, SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = NODE_PREFIX;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256(input);
}
