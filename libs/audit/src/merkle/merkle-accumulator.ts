import { emptyTreeHash, MERKLE_HASH_SIZE, nodeHash } from './merkle-hash.js';

/** What a `MerkleAccumulator` needs to resume: the leaf count and the roots of its perfect subtrees. */
export interface MerkleFrontier {
  readonly size: number;
  /** Roots of the perfect subtrees the tree decomposes into, largest (leftmost) first. */
  readonly subtreeRoots: readonly Buffer[];
}

/**
 * Incremental RFC 9162 §2.1.1 Merkle Tree Hash: append leaf hashes one at a time and read the root of
 * all leaves so far, holding only O(log n) hashes (the "frontier" or "compact range").
 *
 * A tree of n leaves splits into one perfect subtree per set bit of n, largest on the left
 * (n = 13 = 8 + 4 + 1 gives subtrees of 8, 4 and 1 leaves). The accumulator keeps one root per set
 * bit. Appending a leaf works like binary increment: the new leaf merges with the subtree of size 1,
 * the result with the subtree of size 2, and so on while the carry propagates, so the amortised cost
 * is one node hash per leaf. The RFC's root is those subtrees folded from the right,
 * H(s_8, H(s_4, s_1)), because its left child is always the largest perfect subtree.
 *
 * This lets a checkpoint be computed while streaming records from the database, and, with
 * `frontier()` / `fromFrontier()`, continued at the next checkpoint without re-reading old records.
 */
export class MerkleAccumulator {
  /** subtreeRootsByHeight[h] is the root of the perfect subtree of 2^h leaves, present iff bit h of size is set. */
  private readonly subtreeRootsByHeight: (Buffer | undefined)[] = [];
  private leafCount = 0;

  /** RFC 9162 §2.1.1: resumes from a frontier saved with `frontier()`. */
  static fromFrontier(frontier: MerkleFrontier): MerkleAccumulator {
    const heights = setBitPositions(frontier.size);
    if (heights.length !== frontier.subtreeRoots.length) {
      throw new RangeError(
        `a tree of ${frontier.size} leaves has ${heights.length} perfect subtrees, got ${frontier.subtreeRoots.length}`,
      );
    }
    const accumulator = new MerkleAccumulator();
    // heights is ascending; subtreeRoots is largest first.
    heights.forEach((height, position) => {
      const subtreeRoot = frontier.subtreeRoots[heights.length - 1 - position];
      accumulator.subtreeRootsByHeight[height] = copyOfHash(subtreeRoot);
    });
    accumulator.leafCount = frontier.size;
    return accumulator;
  }

  /** The number of leaves appended so far. */
  get size(): number {
    return this.leafCount;
  }

  /** RFC 9162 §2.1.1: appends the next leaf, given as its hash (`leafHash` or `auditLeaf`). */
  append(hashedLeaf: Uint8Array): void {
    let carry = copyOfHash(hashedLeaf);
    for (let height = 0; ; height++) {
      const leftNeighbour = this.subtreeRootsByHeight[height];
      if (leftNeighbour === undefined) {
        this.subtreeRootsByHeight[height] = carry;
        break;
      }
      // Two perfect subtrees of 2^height leaves merge into one of 2^(height + 1); the older is on the left.
      carry = nodeHash(leftNeighbour, carry);
      this.subtreeRootsByHeight[height] = undefined;
    }
    this.leafCount += 1;
  }

  /** RFC 9162 §2.1.1: MTH of all leaves appended so far, in O(log n) hashes. */
  root(): Buffer {
    let root: Buffer | undefined;
    for (const subtreeRoot of this.subtreeRootsByHeight) {
      if (subtreeRoot === undefined) continue;
      root = root === undefined ? subtreeRoot : nodeHash(subtreeRoot, root);
    }
    return root === undefined ? emptyTreeHash() : Buffer.from(root);
  }

  /** The state to store with a checkpoint so that the next one can resume with `fromFrontier`. */
  frontier(): MerkleFrontier {
    const subtreeRoots = this.subtreeRootsByHeight
      .filter((subtreeRoot): subtreeRoot is Buffer => subtreeRoot !== undefined)
      .map((subtreeRoot) => Buffer.from(subtreeRoot))
      .reverse();
    return { size: this.leafCount, subtreeRoots };
  }
}

function copyOfHash(value: Uint8Array): Buffer {
  if (value.length !== MERKLE_HASH_SIZE) {
    throw new RangeError(`expected a ${MERKLE_HASH_SIZE}-byte SHA-256 hash, got ${value.length} bytes`);
  }
  return Buffer.from(value);
}

/** Positions of the set bits of n, lowest first (arithmetic, so exact beyond 32 bits). */
function setBitPositions(n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`invalid tree size ${n}`);
  const positions: number[] = [];
  for (let rest = n, position = 0; rest > 0; rest = Math.floor(rest / 2), position++) {
    if (rest % 2 === 1) positions.push(position);
  }
  return positions;
}
