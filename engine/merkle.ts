/**
 * Keccak Merkle tree with sorted-pair hashing, the scheme OpenZeppelin's `MerkleProof.verify`
 * checks on chain: a parent is `keccak256(min(a, b) ++ max(a, b))` (bytes compared as unsigned
 * big-endian numbers), so a proof is just the list of siblings from leaf to root, with no
 * left/right flags.
 *
 * Leaves are 32-byte hashes. Callers build them with `leafHash(data)`, which hashes twice:
 * `keccak256(keccak256(data))`. An inner node is `keccak256(64 bytes)`, a leaf a hash of a
 * hash, so no 64-byte pair of inner nodes can be presented as a leaf (second-preimage defence,
 * the same rule as OpenZeppelin's StandardMerkleTree).
 *
 * Shape: levels are built bottom-up; a node without a sibling at the end of an odd level is
 * carried up unchanged (it adds no element to the proof). The root of one leaf is the leaf.
 *
 * Pure and synchronous. Hashing uses engine/keccak.ts (same output as viem's keccak256, about
 * 7x faster here). The byte-level functions (`*Bytes`) skip hex conversions for hot loops
 * (one leaf per result row of a challenge).
 */
import { ENGINE_ERRORS, type EngineReasons } from "./error-codes";
import { PoaiError, type PoaiErrorOptions } from "./errors";
import { bytesToHex, hexToBytes, isHex, type Hex } from "viem";
import { keccak256Bytes } from "./keccak";
import { HAS_WASM, LAYOUT, hashPairWasm, kernelBytes, kernels, leafHashWasm } from "./wasm/kernels";

const { HEX_IN, IO, IO_BYTES, PATHS, PATH_MAX, PATH_NODES, PATH_ROOT, PATH_SIBS, PATH_SLOTS, PATH_SLOT_BYTES } = LAYOUT;

/** Largest tree this module builds: 2^24 leaves (a 16M-row result is far beyond any challenge). */
export const MERKLE_MAX_LEAVES = 1 << 24;
/** Longest proof accepted: one sibling per level of the largest tree. */
export const MERKLE_MAX_PROOF_LENGTH = 24;

/** A tree, leaf, index or proof the Merkle module does not accept (EN01x). */
export class MerkleError extends PoaiError {
  override name = "MerkleError";

  constructor(
    readonly reason: EngineReasons<"Merkle">,
    shortMessage: string,
    opts?: PoaiErrorOptions,
  ) {
    super(ENGINE_ERRORS[reason], shortMessage, opts);
  }
}

/** keccak256 through the unrolled implementation (equal to viem's, checked in keccak.test.ts). */
const keccakBytes = keccak256Bytes;

/** Compares two 32-byte arrays as unsigned big-endian integers. */
function lessOrEqual(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) {
    if (a[i] !== b[i]) return a[i] < b[i];
  }
  return true;
}

const pairBuffer = new Uint8Array(64);

/** `keccak256(sorted(a, b))`: OpenZeppelin's `Hashes.commutativeKeccak256` (a and b: 32 bytes). */
export function hashPairBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (HAS_WASM && a.length === 32 && b.length === 32) return hashPairWasm(a, b);
  if (lessOrEqual(a, b)) {
    pairBuffer.set(a, 0);
    pairBuffer.set(b, 32);
  } else {
    pairBuffer.set(b, 0);
    pairBuffer.set(a, 32);
  }
  return keccakBytes(pairBuffer);
}

/** `keccak256(keccak256(data))` as bytes. */
export function leafHashBytes(data: Uint8Array): Uint8Array {
  if (HAS_WASM) return leafHashWasm(data);
  return keccakBytes(keccakBytes(data));
}

/** `keccak256(keccak256(data))`: the leaf of a piece of data (a result row, an item, a block). */
export function leafHash(data: Uint8Array | Hex): Hex {
  let bytes: Uint8Array;
  if (typeof data === "string") {
    if (!isHex(data, { strict: true })) throw new MerkleError("MerkleBadData", "leaf data is not a hex string");
    bytes = hexToBytes(data);
  } else {
    bytes = data;
  }
  return bytesToHex(leafHashBytes(bytes));
}

function checkLeafCount(n: number): void {
  if (n === 0) throw new MerkleError("MerkleEmpty", "a tree needs at least one leaf");
  if (n > MERKLE_MAX_LEAVES) throw new MerkleError("MerkleTooLarge", `${n} leaves > ${MERKLE_MAX_LEAVES}`);
}

function toBytes32(h: Hex, what: string): Uint8Array {
  if (typeof h !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(h)) {
    throw new MerkleError("MerkleBadLeaf", `${what} is not a 32-byte hex string: ${String(h).slice(0, 80)}`);
  }
  return hexToBytes(h);
}

/** Next level up: pairs hashed in order, an unpaired last node carried up. */
function parentLevel(level: Uint8Array[]): Uint8Array[] {
  const up: Uint8Array[] = new Array(Math.ceil(level.length / 2));
  for (let i = 0; i + 1 < level.length; i += 2) up[i >> 1] = hashPairBytes(level[i], level[i + 1]);
  if (level.length % 2 === 1) up[up.length - 1] = level[level.length - 1];
  return up;
}

/** Root over 32-byte leaves given as bytes (each must be exactly 32 bytes). */
export function merkleRootBytes(leaves: readonly Uint8Array[]): Uint8Array {
  checkLeafCount(leaves.length);
  for (const l of leaves) {
    if (l.length !== 32) throw new MerkleError("MerkleBadLeaf", `leaf of ${l.length} bytes, expected 32`);
  }
  let level = leaves as Uint8Array[];
  // Loop bound: at most log2(MERKLE_MAX_LEAVES) = 24 levels.
  while (level.length > 1) level = parentLevel(level);
  return level[0];
}

/** Every level of the tree over 32-byte leaves, leaves first, root last. */
export function merkleLevelsBytes(leaves: readonly Uint8Array[]): Uint8Array[][] {
  checkLeafCount(leaves.length);
  for (const l of leaves) {
    if (l.length !== 32) throw new MerkleError("MerkleBadLeaf", `leaf of ${l.length} bytes, expected 32`);
  }
  const levels: Uint8Array[][] = [leaves as Uint8Array[]];
  // Loop bound: at most log2(MERKLE_MAX_LEAVES) = 24 levels.
  while (levels[levels.length - 1].length > 1) levels.push(parentLevel(levels[levels.length - 1]));
  return levels;
}

/**
 * Replaces leaf `j` of a tree's levels (`merkleLevelsBytes`) and rehashes its path, in place:
 * depth hashes instead of a rebuild. Returns the new root.
 */
export function updateMerkleLeaf(levels: Uint8Array[][], j: number, leaf: Uint8Array): Uint8Array {
  if (!Number.isInteger(j) || j < 0 || j >= levels[0].length) throw new MerkleError("MerkleBadIndex", `index ${j} outside 0..${levels[0].length - 1}`);
  if (leaf.length !== 32) throw new MerkleError("MerkleBadLeaf", `leaf of ${leaf.length} bytes, expected 32`);
  levels[0][j] = leaf;
  let i = j;
  // Loop bound: the tree's depth (at most log2(MERKLE_MAX_LEAVES) = 24 levels).
  for (let d = 0; d + 1 < levels.length; d++) {
    const left = i & ~1;
    const up = i >> 1;
    levels[d + 1][up] = left + 1 < levels[d].length ? hashPairBytes(levels[d][left], levels[d][left + 1]) : levels[d][left];
    i = up;
  }
  return levels[levels.length - 1][0];
}

/** Sibling path of leaf `index` from the tree's levels (`merkleLevelsBytes`). */
export function merkleProofFromLevels(levels: readonly Uint8Array[][], index: number): Uint8Array[] {
  const leaves = levels[0];
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new MerkleError("MerkleBadIndex", `index ${index} outside 0..${leaves.length - 1}`);
  }
  const proof: Uint8Array[] = [];
  let i = index;
  for (let d = 0; d + 1 < levels.length; d++) {
    const sibling = i ^ 1;
    if (sibling < levels[d].length) proof.push(levels[d][sibling]);
    i >>= 1;
  }
  return proof;
}

/** Sibling path of leaf `index` given as bytes. */
export function merkleProofBytes(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  checkLeafCount(leaves.length);
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new MerkleError("MerkleBadIndex", `index ${index} outside 0..${leaves.length - 1}`);
  }
  return merkleProofFromLevels(merkleLevelsBytes(leaves), index);
}

/** Root of the tree over `leaves` (each a 32-byte hex string, normally from `leafHash`). */
export function merkleRoot(leaves: readonly Hex[]): Hex {
  checkLeafCount(leaves.length);
  return bytesToHex(merkleRootBytes(leaves.map((l, i) => toBytes32(l, `leaf ${i}`))));
}

/** Proof for `leaves[index]`: the siblings from the leaf up, as `MerkleProof.verify` expects. */
export function merkleProof(leaves: readonly Hex[], index: number): Hex[] {
  checkLeafCount(leaves.length);
  return merkleProofBytes(
    leaves.map((l, i) => toBytes32(l, `leaf ${i}`)),
    index,
  ).map((p) => bytesToHex(p));
}

/** Byte-level verification: folds the proof onto the leaf and compares with the root. */
export function verifyMerkleProofBytes(root: Uint8Array, leaf: Uint8Array, proof: readonly Uint8Array[]): boolean {
  if (root.length !== 32 || leaf.length !== 32 || proof.length > MERKLE_MAX_PROOF_LENGTH) return false;
  let h = leaf;
  for (const p of proof) {
    if (p.length !== 32) return false;
    h = hashPairBytes(h, p);
  }
  for (let i = 0; i < 32; i++) if (h[i] !== root[i]) return false;
  return true;
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

/** Bytes of a 0x-prefixed 32-byte hex string, or null when it is not one (no throw). */
export function hex32ToBytes(h: unknown): Uint8Array | null {
  if (typeof h !== "string" || h.length !== 66 || h.charCodeAt(0) !== 48 || (h.charCodeAt(1) | 32) !== 120) return null;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    const hi = nibble(h.charCodeAt(2 + 2 * i));
    const lo = nibble(h.charCodeAt(3 + 2 * i));
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/**
 * True when `proof` links `leaf` to `root`; the same answer as Solidity's
 * `MerkleProof.verify(proof, root, leaf)`. Malformed input (not 32-byte hex, proof longer than
 * MERKLE_MAX_PROOF_LENGTH) is a plain `false`, never a throw: a verifier must be total.
 */
export function verifyMerkleProof(root: Hex, leaf: Hex, proof: readonly Hex[]): boolean {
  if (!Array.isArray(proof) || proof.length > MERKLE_MAX_PROOF_LENGTH) return false;
  const r = hex32ToBytes(root);
  const l = hex32ToBytes(leaf);
  if (!r || !l) return false;
  const p: Uint8Array[] = new Array(proof.length);
  for (let i = 0; i < proof.length; i++) {
    const b = hex32ToBytes(proof[i]);
    if (!b) return false;
    p[i] = b;
  }
  return verifyMerkleProofBytes(r, l, p);
}

/** Siblings a proof of leaf `j` in a tree of `leaves` leaves holds below tree level `level`. */
export function siblingsBelow(j: number, leaves: number, level: number): number {
  let count = 0;
  let size = leaves;
  let idx = j;
  // Loop bound: level <= 31 (leaf indices are below 2^24).
  for (let l = 0; l < level && size > 1; l++) {
    if ((idx ^ 1) < size) count++;
    idx = Math.floor(idx / 2);
    size = Math.ceil(size / 2);
  }
  return count;
}

/** A path already folded to the root: its leaf, its siblings as sent, its slot in the kernels' memory. */
interface FoldedPath {
  leafIndex: number;
  proof: readonly string[];
  slot: number;
}

const hexEncoder = new TextEncoder();

/** The verifier whose paths and root are in the kernels' memory. */
let activePathVerifier: object | null = null;

/**
 * Verifies several proofs against one root, each with exactly the answer of
 * `verifyMerkleProof(root, leaf, proof)` (the proof alone folds the leaf to the root), hashing
 * each tree node once where honest paths meet. The proofs are the sent hex strings; decoding and
 * hashing run in the WebAssembly kernels (wasm/kernels.ts hex_decode, fold).
 *
 * Sharing: the leaf's position (`leafIndex`, in a tree of `leafCount` leaves) says at which tree
 * level its path meets the path of an opening already verified, and how many siblings each proof
 * holds below that level (`siblingsBelow`). The fold stops there when the node reached equals
 * the verified path's node at that level and every remaining sibling equals the verified path's
 * (string equality, else the decoded words): the rest of the fold is then the verified one,
 * which reached the root. Otherwise the fold goes on to the root. The positions only choose
 * where to try; a wrong one costs hashes, never changes an answer. Bounded: at most PATH_MAX
 * siblings per proof; the first PATH_SLOTS verified paths are kept for sharing. The paths live in the kernels'
 * memory: when verifiers interleave, each starts its sharing over (answers never change).
 */
export class MerklePathVerifier {
  private readonly paths: FoldedPath[] = [];
  private readonly root: Uint8Array;

  /** `root`: 32 bytes. */
  constructor(
    root: Uint8Array,
    private readonly leafCount: number,
  ) {
    if (root.length !== 32) throw new MerkleError("MerkleBadLeaf", `root of ${root.length} bytes, expected 32`);
    this.root = root.slice();
  }

  /**
   * True when `proof` (hex strings) links `leaf` (32 bytes) to the root; malformed input is a
   * plain false. `leafIndex` is the leaf's position, used only to share work.
   */
  verify(leafIndex: number, leaf: Uint8Array, proof: unknown): boolean {
    if (leaf.length !== 32) return false;
    return this.run(leafIndex, proof, leaf, null);
  }

  /** `verify` of the leaf `leafHash(data)`, hashed in place. */
  verifyData(leafIndex: number, data: Uint8Array, proof: unknown): boolean {
    return this.run(leafIndex, proof, null, data);
  }

  private run(leafIndex: number, proof: unknown, leaf: Uint8Array | null, data: Uint8Array | null): boolean {
    if (!Array.isArray(proof) || proof.length > PATH_MAX) return false;
    const len = proof.length;
    const mem = kernelBytes();
    const k = kernels();
    if (activePathVerifier !== this) {
      // Another verifier used the kernels' path memory since: start over (only sharing is lost).
      activePathVerifier = this;
      this.paths.length = 0;
      mem.set(this.root, PATH_ROOT);
    }
    for (let i = 0; i < len; i++) {
      const h = proof[i];
      if (typeof h !== "string" || h.length !== 66) return false;
      const at = HEX_IN + 66 * i;
      const r = hexEncoder.encodeInto(h, mem.subarray(at, at + 66));
      if (r.read !== 66 || r.written !== 66) return false;
    }
    const slot = Math.min(this.paths.length, PATH_SLOTS);
    const base = PATHS + slot * PATH_SLOT_BYTES;
    const sibs = base + PATH_SIBS;
    const nodes = base + PATH_NODES;
    if (k.hex_decode(HEX_IN, sibs, len) !== 1) return false;
    if (leaf) mem.set(leaf, nodes);
    else if (data!.length <= IO_BYTES) {
      mem.set(data!, IO);
      k.leaf_hash(IO, data!.length, nodes);
    } else mem.set(leafHashWasm(data!), nodes);
    // The verified path this one meets lowest in the tree (same proof length).
    let meet: FoldedPath | null = null;
    let level = 64;
    for (const p of this.paths) {
      if (p.proof.length !== len) continue;
      const x = (leafIndex ^ p.leafIndex) >>> 0;
      const l = x === 0 ? 0 : 32 - Math.clz32(x);
      if (l < level) {
        level = l;
        meet = p;
      }
    }
    let from = 0;
    if (meet) {
      const d = siblingsBelow(leafIndex, this.leafCount, level);
      const pBase = PATHS + meet.slot * PATH_SLOT_BYTES;
      if (d === siblingsBelow(meet.leafIndex, this.leafCount, level)) {
        k.fold(nodes, sibs, 0, d);
        from = d;
        let same = k.eq32(nodes + 32 * d, pBase + PATH_NODES + 32 * d) === 1;
        for (let i = d; i < len && same; i++) same = proof[i] === meet.proof[i] || k.eq32(sibs + 32 * i, pBase + PATH_SIBS + 32 * i) === 1;
        if (same) {
          // The rest of this fold is the verified one: keep its nodes for later openings.
          mem.copyWithin(nodes + 32 * (d + 1), pBase + PATH_NODES + 32 * (d + 1), pBase + PATH_NODES + 32 * (len + 1));
          this.record(leafIndex, proof as string[], slot);
          return true;
        }
      }
    }
    k.fold(nodes, sibs, from, len);
    if (k.eq32(nodes + 32 * len, PATH_ROOT) !== 1) return false;
    this.record(leafIndex, proof as string[], slot);
    return true;
  }

  private record(leafIndex: number, proof: string[], slot: number): void {
    if (slot < PATH_SLOTS) this.paths.push({ leafIndex, proof: proof.slice(), slot });
  }
}
