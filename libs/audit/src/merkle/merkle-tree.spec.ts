import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  auditLeaf,
  auditLeafData,
  consistencyProof,
  consistencyProofFromLeafHashes,
  emptyTreeHash,
  inclusionProof,
  inclusionProofFromLeafHashes,
  leafHash,
  MerkleAccumulator,
  merkleRoot,
  merkleRootOfLeafHashes,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from './index.js';

// Hashes are compared as hex: Jest's deep equality walks a Buffer byte by byte, which dominated run time.
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const hexes = (values: readonly Uint8Array[]): string[] => values.map(hex);
const unhex = (text: string): Buffer => Buffer.from(text, 'hex');
const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hasher = createHash('sha256');
  parts.forEach((part) => hasher.update(part));
  return hasher.digest();
};

/** Flips one bit, so the value stays a well-formed 32-byte hash but is wrong. */
function flipBit(value: Uint8Array, seed = 0): Buffer {
  const copy = Buffer.from(value);
  copy[seed % copy.length] ^= 1 << (seed % 8);
  return copy;
}

function replaceAt<T>(items: readonly T[], index: number, replacement: T): T[] {
  return items.map((item, position) => (position === index ? replacement : item));
}

/** Distinct leaf data: tampering tests need leaves whose hashes differ from one another. */
function distinctLeaves(count: number, salt = ''): Buffer[] {
  return Array.from({ length: count }, (_, index) => Buffer.from(`${salt}\nleaf ${index}`));
}

/** Roots of every prefix 0..leafHashes.length, via the accumulator (checked against merkleRoot below). */
function prefixRoots(leafHashes: readonly Uint8Array[]): Buffer[] {
  const accumulator = new MerkleAccumulator();
  const roots = [accumulator.root()];
  for (const hashed of leafHashes) {
    accumulator.append(hashed);
    roots.push(accumulator.root());
  }
  return roots;
}

// RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 transcribed literally (recursion over slices): the oracle the
// iterative implementations are compared with. Leaf data in, hashes out, exactly as the RFC writes it.
function rfcK(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function rfcMth(d: readonly Uint8Array[]): Buffer {
  if (d.length === 0) return sha256();
  if (d.length === 1) return sha256(Uint8Array.of(0x00), d[0]);
  const k = rfcK(d.length);
  return sha256(Uint8Array.of(0x01), rfcMth(d.slice(0, k)), rfcMth(d.slice(k)));
}

function rfcPath(m: number, d: readonly Uint8Array[]): Buffer[] {
  if (d.length === 1) return [];
  const k = rfcK(d.length);
  if (m < k) return [...rfcPath(m, d.slice(0, k)), rfcMth(d.slice(k))];
  return [...rfcPath(m - k, d.slice(k)), rfcMth(d.slice(0, k))];
}

function rfcSubproof(m: number, d: readonly Uint8Array[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [rfcMth(d)];
  const k = rfcK(d.length);
  if (m <= k) return [...rfcSubproof(m, d.slice(0, k), b), rfcMth(d.slice(k))];
  return [...rfcSubproof(m - k, d.slice(k), false), rfcMth(d.slice(0, k))];
}

function rfcProof(m: number, d: readonly Uint8Array[]): Buffer[] {
  return rfcSubproof(m, d, true);
}

describe('RFC 9162 Merkle tree', () => {
  describe('hashes', () => {
    it('hashes the empty tree as SHA-256 of the empty string', () => {
      expect(hex(emptyTreeHash())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect(merkleRoot([])).toEqual(emptyTreeHash());
    });

    it('prefixes leaves with 0x00 and interior nodes with 0x01', () => {
      const left = Buffer.from('left');
      const right = Buffer.from('right');
      expect(leafHash(left)).toEqual(sha256(Uint8Array.of(0x00), left));
      expect(nodeHash(left, right)).toEqual(sha256(Uint8Array.of(0x01), left, right));
      expect(merkleRoot([left])).toEqual(leafHash(left));
    });

    it('reads leaf data through a typed-array view without its neighbouring bytes', () => {
      const backing = Buffer.from('xxdataxx');
      const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 4);
      expect(leafHash(view)).toEqual(leafHash(Buffer.from('data')));
    });
  });

  // The RFC 6962 test vectors published by transparency-dev/merkle (testonly/constants.go): an
  // implementation that disagrees with them cannot interoperate with any other verifier.
  describe('Certificate Transparency reference vectors', () => {
    const leaves = [
      '',
      '00',
      '10',
      '2021',
      '3031',
      '40414243',
      '5051525354555657',
      '606162636465666768696a6b6c6d6e6f',
    ].map(unhex);
    const rootsBySize = [
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];

    it('computes the published root of every size 0..8, in one go and incrementally', () => {
      const accumulator = new MerkleAccumulator();
      rootsBySize.forEach((expectedRoot, size) => {
        expect(hex(merkleRoot(leaves.slice(0, size)))).toBe(expectedRoot);
        expect(hex(accumulator.root())).toBe(expectedRoot);
        if (size < leaves.length) accumulator.append(leafHash(leaves[size]));
      });
    });

    it.each([
      {
        index: 0,
        proof: [
          '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
        ],
      },
      {
        index: 5,
        proof: [
          'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
        ],
      },
    ])('gives the published inclusion proof of leaf $index in the 8-leaf tree', ({ index, proof }) => {
      expect(inclusionProof(leaves, index).map(hex)).toEqual(proof);
      expect(
        verifyInclusion(leafHash(leaves[index]), index, 8, proof.map(unhex), unhex(rootsBySize[8])),
      ).toBe(true);
    });

    it.each([
      {
        oldSize: 2,
        newSize: 8,
        proof: [
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
        ],
      },
      {
        oldSize: 6,
        newSize: 8,
        proof: [
          '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
        ],
      },
      {
        oldSize: 2,
        newSize: 5,
        proof: [
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
        ],
      },
    ])('gives the published consistency proof from $oldSize to $newSize', ({ oldSize, newSize, proof }) => {
      expect(consistencyProof(leaves.slice(0, newSize), oldSize).map(hex)).toEqual(proof);
      const [oldRoot, newRoot] = [unhex(rootsBySize[oldSize]), unhex(rootsBySize[newSize])];
      expect(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof.map(unhex))).toBe(true);
    });
  });

  // RFC 9162 §2.1.5: the 7-leaf example tree, with the RFC's node names.
  //            hash
  //           /    \
  //          k      l
  //         / \    / \
  //        g   h  i   j
  //       / \ / \ / \  |
  //       a b c d e f  d6
  describe('the RFC 9162 §2.1.5 example tree', () => {
    const d = Array.from({ length: 7 }, (_, index) => Buffer.from(`d${index}`));
    const [a, b, c, dd, e, f, j] = d.map(leafHash);
    const g = nodeHash(a, b);
    const h = nodeHash(c, dd);
    const i = nodeHash(e, f);
    const k = nodeHash(g, h);
    const l = nodeHash(i, j);
    const root = nodeHash(k, l);

    it('has the root hash(k, l)', () => {
      expect(merkleRoot(d)).toEqual(root);
      expect(merkleRoot(d.slice(0, 3))).toEqual(nodeHash(g, c));
      expect(merkleRoot(d.slice(0, 4))).toEqual(k);
      expect(merkleRoot(d.slice(0, 6))).toEqual(nodeHash(k, i));
    });

    it.each([
      { leaf: 0, path: () => [b, h, l] },
      { leaf: 3, path: () => [c, g, l] },
      { leaf: 4, path: () => [f, j, k] },
      { leaf: 6, path: () => [i, k] },
    ])('gives the inclusion proof of d$leaf that the RFC lists', ({ leaf, path }) => {
      expect(inclusionProof(d, leaf)).toEqual(path());
      expect(verifyInclusion(leafHash(d[leaf]), leaf, 7, path(), root)).toBe(true);
    });

    it.each([
      { oldSize: 3, oldRoot: () => nodeHash(g, c), path: () => [c, dd, g, l] },
      { oldSize: 4, oldRoot: () => k, path: () => [l] },
      { oldSize: 6, oldRoot: () => nodeHash(k, i), path: () => [i, j, k] },
    ])('gives the consistency proof from size $oldSize that the RFC lists', ({ oldSize, oldRoot, path }) => {
      expect(consistencyProof(d, oldSize)).toEqual(path());
      expect(verifyConsistency(oldSize, 7, oldRoot(), root, path())).toBe(true);
    });
  });

  describe('agreement with the RFC definitions transcribed literally', () => {
    it('matches MTH, PATH and PROOF for every tree of up to 33 leaves', () => {
      const leaves = distinctLeaves(33);
      const mismatches: string[] = [];
      for (let size = 0; size <= leaves.length; size++) {
        const tree = leaves.slice(0, size);
        if (hex(merkleRoot(tree)) !== hex(rfcMth(tree))) mismatches.push(`MTH of ${size}`);
        for (let index = 0; index < size; index++) {
          const [actual, expected] = [inclusionProof(tree, index), rfcPath(index, tree)];
          if (hexes(actual).join() !== hexes(expected).join()) mismatches.push(`PATH(${index}, ${size})`);
        }
        for (let oldSize = 1; oldSize < size; oldSize++) {
          const [actual, expected] = [consistencyProof(tree, oldSize), rfcProof(oldSize, tree)];
          if (hexes(actual).join() !== hexes(expected).join()) mismatches.push(`PROOF(${oldSize}, ${size})`);
        }
      }
      expect(mismatches).toEqual([]);
    });

    it('gives the same results from leaf data and from leaf hashes', () => {
      const leaves = distinctLeaves(13);
      const hashed = leaves.map(leafHash);
      expect(merkleRootOfLeafHashes(hashed)).toEqual(merkleRoot(leaves));
      expect(inclusionProofFromLeafHashes(hashed, 9)).toEqual(inclusionProof(leaves, 9));
      expect(consistencyProofFromLeafHashes(hashed, 5)).toEqual(consistencyProof(leaves, 5));
    });

    it('proves and verifies inclusion in a tree of 20,003 leaves', () => {
      const hashed = distinctLeaves(20_003).map(leafHash);
      const accumulator = new MerkleAccumulator();
      hashed.forEach((value) => accumulator.append(value));
      expect(hex(merkleRootOfLeafHashes(hashed))).toBe(hex(accumulator.root()));
      const proof = inclusionProofFromLeafHashes(hashed, 17_777);
      // 20,003 = 16,384 + 2,048 + 1,571: leaf 17,777 sits 11 levels down the 2,048-leaf subtree, plus 2.
      expect(proof).toHaveLength(13);
      expect(verifyInclusion(hashed[17_777], 17_777, hashed.length, proof, accumulator.root())).toBe(true);
    });
  });

  describe('inclusion proofs', () => {
    const treeArb = fc
      .record({
        size: fc.integer({ min: 1, max: 200 }),
        indexSeed: fc.nat(),
        salt: fc.string({ maxLength: 8 }),
      })
      .map(({ size, indexSeed, salt }) => {
        // A few leaves beyond the tree, so that larger trees' roots are at hand.
        const hashed = distinctLeaves(size + 8, salt).map(leafHash);
        const roots = prefixRoots(hashed);
        const index = indexSeed % size;
        return {
          size,
          index,
          hashed,
          roots,
          proof: inclusionProofFromLeafHashes(hashed.slice(0, size), index),
        };
      });

    it('verifies for every leaf of every tree', () => {
      fc.assert(
        fc.property(treeArb, ({ size, index, hashed, roots, proof }) => {
          expect(verifyInclusion(hashed[index], index, size, proof, roots[size])).toBe(true);
        }),
      );
    });

    it('fails when any proof element is changed, dropped or added', () => {
      fc.assert(
        fc.property(treeArb, fc.nat(), ({ size, index, hashed, roots, proof }, bitSeed) => {
          const verifies = (path: readonly Uint8Array[]) =>
            verifyInclusion(hashed[index], index, size, path, roots[size]);
          proof.forEach((element, position) => {
            expect(verifies(replaceAt(proof, position, flipBit(element, bitSeed)))).toBe(false);
          });
          if (proof.length > 0) expect(verifies(proof.slice(0, -1))).toBe(false);
          expect(verifies([...proof, hashed[size]])).toBe(false);
        }),
      );
    });

    it('fails for any other index, leaf or root', () => {
      fc.assert(
        fc.property(treeArb, fc.nat(), ({ size, index, hashed, roots, proof }, bitSeed) => {
          const others = [-1, ...hashed.keys()].filter((other) => other !== index && other <= size);
          const acceptedIndices = others.filter((otherIndex) =>
            verifyInclusion(hashed[index], otherIndex, size, proof, roots[size]),
          );
          const acceptedLeaves = others
            .filter((otherLeaf) => otherLeaf >= 0 && otherLeaf < size)
            .filter((otherLeaf) => verifyInclusion(hashed[otherLeaf], index, size, proof, roots[size]));
          expect({ acceptedIndices, acceptedLeaves }).toEqual({ acceptedIndices: [], acceptedLeaves: [] });
          expect(verifyInclusion(flipBit(hashed[index], bitSeed), index, size, proof, roots[size])).toBe(
            false,
          );
          expect(verifyInclusion(hashed[index], index, size, proof, flipBit(roots[size], bitSeed))).toBe(
            false,
          );
        }),
        // Each run tries every other index and leaf of the tree; 50 runs keep the suite fast.
        { numRuns: 50 },
      );
    });

    it('fails for any other tree size with that size’s root', () => {
      fc.assert(
        fc.property(treeArb, ({ size, index, hashed, roots, proof }) => {
          const acceptedSizes = [...roots.keys()]
            .filter((otherSize) => otherSize !== size)
            .filter((otherSize) => verifyInclusion(hashed[index], index, otherSize, proof, roots[otherSize]));
          expect(acceptedSizes).toEqual([]);
        }),
      );
    });

    it('binds the tree size only through the root, so checkpoints must sign both together', () => {
      // Leaf 0 sits at the same depth with the same siblings in trees of 3 and 4 leaves (d2 is carried
      // up unpaired in the first), so its 3-leaf proof also checks out when the size is claimed to be 4
      // but the 3-leaf root is kept.
      const hashed = distinctLeaves(3).map(leafHash);
      const proof = inclusionProofFromLeafHashes(hashed, 0);
      expect(verifyInclusion(hashed[0], 0, 4, proof, merkleRootOfLeafHashes(hashed))).toBe(true);
    });

    it('rejects malformed input instead of throwing', () => {
      const hashed = distinctLeaves(4).map(leafHash);
      const root = merkleRootOfLeafHashes(hashed);
      const proof = inclusionProofFromLeafHashes(hashed, 1);
      expect(verifyInclusion(hashed[1], 1, 4, proof, root)).toBe(true);
      expect(verifyInclusion(hashed[1], 1.5, 4, proof, root)).toBe(false);
      expect(verifyInclusion(hashed[1], 1, Number.NaN, proof, root)).toBe(false);
      expect(verifyInclusion(hashed[1], 1, 0, [], root)).toBe(false);
      expect(verifyInclusion(hashed[1].subarray(0, 31), 1, 4, proof, root)).toBe(false);
      expect(verifyInclusion(hashed[1], 1, 4, [...proof.slice(0, 1), Buffer.alloc(33)], root)).toBe(false);
    });

    it('refuses to build a proof for a leaf outside the tree', () => {
      const leaves = distinctLeaves(3);
      expect(() => inclusionProof(leaves, 3)).toThrow(RangeError);
      expect(() => inclusionProof(leaves, -1)).toThrow(RangeError);
      expect(() => inclusionProof([], 0)).toThrow(RangeError);
    });
  });

  describe('consistency proofs', () => {
    const treePairArb = fc
      .record({
        newSize: fc.integer({ min: 1, max: 200 }),
        oldSeed: fc.nat(),
        salt: fc.string({ maxLength: 8 }),
      })
      .map(({ newSize, oldSeed, salt }) => {
        const hashed = distinctLeaves(newSize + 8, salt).map(leafHash);
        const roots = prefixRoots(hashed);
        const oldSize = 1 + (oldSeed % newSize);
        const proof = consistencyProofFromLeafHashes(hashed.slice(0, newSize), oldSize);
        return { oldSize, newSize, hashed, roots, proof };
      });

    it('verifies for every pair of sizes 1 ≤ m ≤ n', () => {
      fc.assert(
        fc.property(treePairArb, ({ oldSize, newSize, roots, proof }) => {
          expect(verifyConsistency(oldSize, newSize, roots[oldSize], roots[newSize], proof)).toBe(true);
        }),
      );
    });

    it('is empty between equal sizes, and only then', () => {
      fc.assert(
        fc.property(treePairArb, ({ oldSize, newSize, proof }) => {
          expect(proof.length === 0).toBe(oldSize === newSize);
        }),
      );
    });

    it('fails when any proof element is changed, dropped or added', () => {
      fc.assert(
        fc.property(treePairArb, fc.nat(), ({ oldSize, newSize, hashed, roots, proof }, bitSeed) => {
          const verifies = (path: readonly Uint8Array[]) =>
            verifyConsistency(oldSize, newSize, roots[oldSize], roots[newSize], path);
          proof.forEach((element, position) => {
            expect(verifies(replaceAt(proof, position, flipBit(element, bitSeed)))).toBe(false);
          });
          if (proof.length > 0) expect(verifies(proof.slice(0, -1))).toBe(false);
          expect(verifies([...proof, hashed[newSize]])).toBe(false);
        }),
      );
    });

    it('fails when either root is changed', () => {
      fc.assert(
        fc.property(treePairArb, fc.nat(), ({ oldSize, newSize, roots, proof }, bitSeed) => {
          const [oldRoot, newRoot] = [roots[oldSize], roots[newSize]];
          expect(verifyConsistency(oldSize, newSize, flipBit(oldRoot, bitSeed), newRoot, proof)).toBe(false);
          expect(verifyConsistency(oldSize, newSize, oldRoot, flipBit(newRoot, bitSeed), proof)).toBe(false);
        }),
      );
    });

    it('fails for any other pair of sizes with their roots', () => {
      fc.assert(
        fc.property(treePairArb, ({ oldSize, newSize, roots, proof }) => {
          const sizes = [...roots.keys()];
          const acceptedOldSizes = sizes
            .filter((otherOld) => otherOld !== oldSize)
            .filter((otherOld) =>
              verifyConsistency(otherOld, newSize, roots[otherOld], roots[newSize], proof),
            );
          const acceptedNewSizes = sizes
            .filter((otherNew) => otherNew !== newSize)
            .filter((otherNew) =>
              verifyConsistency(oldSize, otherNew, roots[oldSize], roots[otherNew], proof),
            );
          expect({ acceptedOldSizes, acceptedNewSizes }).toEqual({
            acceptedOldSizes: [],
            acceptedNewSizes: [],
          });
        }),
        { numRuns: 50 },
      );
    });

    it('rejects sizes outside 1 ≤ m ≤ n', () => {
      const leaves = distinctLeaves(5);
      const roots = prefixRoots(leaves.map(leafHash));
      expect(verifyConsistency(0, 5, roots[0], roots[5], [])).toBe(false);
      expect(verifyConsistency(5, 3, roots[5], roots[3], [])).toBe(false);
      expect(() => consistencyProof(leaves, 0)).toThrow(RangeError);
      expect(() => consistencyProof(leaves, 6)).toThrow(RangeError);
    });
  });

  describe('MerkleAccumulator', () => {
    it('has the root merkleRoot gives after every append, for every size up to 300', () => {
      const leaves = distinctLeaves(300);
      const accumulator = new MerkleAccumulator();
      expect(accumulator.root()).toEqual(emptyTreeHash());
      const mismatchedSizes = leaves
        .map((leaf, index) => {
          accumulator.append(leafHash(leaf));
          return hex(accumulator.root()) === hex(merkleRoot(leaves.slice(0, index + 1)))
            ? undefined
            : index + 1;
        })
        .filter((size) => size !== undefined);
      expect(mismatchedSizes).toEqual([]);
      expect(accumulator.size).toBe(leaves.length);
    });

    it('has the RFC root for any leaves, and resumes from a saved frontier', () => {
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ maxLength: 24 }), { maxLength: 300 }),
          fc.nat(),
          (leaves, splitSeed) => {
            const split = splitSeed % (leaves.length + 1);
            const first = new MerkleAccumulator();
            leaves.slice(0, split).forEach((leaf) => first.append(leafHash(leaf)));
            const resumed = MerkleAccumulator.fromFrontier(first.frontier());
            leaves.slice(split).forEach((leaf) => resumed.append(leafHash(leaf)));
            expect(resumed.size).toBe(leaves.length);
            expect(hex(resumed.root())).toBe(hex(merkleRoot(leaves)));
            // merkleRoot streams through the same frontier, so also check against the RFC's own recursion.
            expect(hex(resumed.root())).toBe(hex(rfcMth(leaves)));
          },
        ),
      );
    });

    it('keeps one subtree root per set bit of the size, largest first', () => {
      const hashed = distinctLeaves(13).map(leafHash);
      const accumulator = new MerkleAccumulator();
      hashed.forEach((value) => accumulator.append(value));
      expect(accumulator.frontier()).toEqual({
        size: 13,
        subtreeRoots: [
          merkleRootOfLeafHashes(hashed.slice(0, 8)),
          merkleRootOfLeafHashes(hashed.slice(8, 12)),
          hashed[12],
        ],
      });
    });

    it('is not changed through the buffers it hands out or was given', () => {
      const leaf = leafHash(Buffer.from('only'));
      const accumulator = new MerkleAccumulator();
      accumulator.append(leaf);
      leaf.fill(0);
      accumulator.root().fill(0);
      accumulator.frontier().subtreeRoots[0].fill(0);
      expect(accumulator.root()).toEqual(leafHash(Buffer.from('only')));
    });

    it('rejects leaf hashes of the wrong length and frontiers that do not match their size', () => {
      expect(() => new MerkleAccumulator().append(Buffer.from('not a hash'))).toThrow(RangeError);
      const subtreeRoots = [leafHash(Buffer.from('x'))];
      expect(() => MerkleAccumulator.fromFrontier({ size: 3, subtreeRoots })).toThrow(RangeError);
      expect(() => MerkleAccumulator.fromFrontier({ size: -1, subtreeRoots: [] })).toThrow(RangeError);
    });
  });

  describe('auditLeaf', () => {
    const record = { streamId: 'gateway', seq: 42, hash: 'ab'.repeat(32) };

    it('is the leaf hash of "streamId\\nseq\\nhash" in UTF-8', () => {
      const data = Buffer.from(`gateway\n42\n${'ab'.repeat(32)}`, 'utf8');
      expect(auditLeafData(record)).toEqual(data);
      expect(auditLeaf(record)).toEqual(sha256(Uint8Array.of(0x00), data));
    });

    it('differs when the stream, the position or the chain hash differs', () => {
      const leaves = [
        record,
        { ...record, streamId: 'governance' },
        { ...record, seq: 43 },
        { ...record, hash: 'cd'.repeat(32) },
      ].map((variant) => hex(auditLeaf(variant)));
      expect(new Set(leaves).size).toBe(leaves.length);
    });

    it('proves a record’s inclusion from its stream, position and chain hash alone', () => {
      const records = Array.from({ length: 5 }, (_, index) => ({
        streamId: 'gateway',
        seq: index + 1,
        hash: sha256(Buffer.from(`record ${index}`)).toString('hex'),
      }));
      const leafHashes = records.map(auditLeaf);
      const root = merkleRootOfLeafHashes(leafHashes);
      const proof = inclusionProofFromLeafHashes(leafHashes, 2);
      expect(verifyInclusion(auditLeaf(records[2]), 2, 5, proof, root)).toBe(true);
      expect(verifyInclusion(auditLeaf({ ...records[2], seq: 4 }), 2, 5, proof, root)).toBe(false);
    });

    it('refuses fields that would make the encoding ambiguous', () => {
      expect(() => auditLeaf({ ...record, hash: 'AB'.repeat(32) })).toThrow(RangeError);
      expect(() => auditLeaf({ ...record, hash: `${'ab'.repeat(31)}\nx` })).toThrow(RangeError);
      expect(() => auditLeaf({ ...record, seq: 0 })).toThrow(RangeError);
      expect(() => auditLeaf({ ...record, seq: 1.5 })).toThrow(RangeError);
    });
  });
});
