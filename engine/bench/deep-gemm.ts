/**
 * A gemm challenge of a real GPU size (n = 4096, thousands of products) with honest openings
 * under one root of the real tree depth, built without running the products: only the opened
 * rows are computed (exactly, `computeRow`) and their fingerprint groups hold their exact
 * fingerprints; every other leaf is a random 32-byte word. The tree over all leaves is built,
 * so the proofs, their length and how the openings' paths meet are the real ones.
 *
 * The openings are drawn from a provisional root (the real root depends on the leaves, which
 * depend on the opened rows), so the oracle's check is timed with `checkGemmOpenings` against
 * that list; `chooseOpenings` costs the same for any root and is timed on its own.
 * Used by the benchmarks (engine/bench/profile-verify.ts, sim/oracle-cost.ts), not by the oracle.
 */
import { bytesToHex, keccak256, stringToBytes, type Hex } from "viem";
import { chooseOpenings, gemmLeaves, type GemmOpening, type GemmSpec } from "../gemm/spec";
import { f32Bytes } from "../gemm/formats";
import { bMatrix, computeRow, fingerprintRow, rMatrix } from "../gemm/data";
import { hashPairBytes, leafHashBytes } from "../merkle";
import { fillMatrix, randomU32, streamKey } from "../prng";

export interface DeepGemmChallenge {
  spec: GemmSpec;
  root: Hex;
  /** The rows drawn (from a provisional root), in order. */
  indices: number[];
  openings: GemmOpening[];
  leaves: number;
  proofLength: number;
  buildMs: number;
}

/** The challenge `spec` with `k` honest openings under a root over all its leaves. */
export function buildDeepGemmChallenge(spec: GemmSpec, k: number, tag = "deep gemm"): DeepGemmChallenge {
  const t0 = performance.now();
  const { n, projCols: m, groupRows: g } = spec;
  const indices = chooseOpenings(spec, keccak256(stringToBytes(`${tag}: provisional root`)), k);
  const B = bMatrix(spec.sharedSeed, n);
  const R = rMatrix(spec.sharedSeed, n, m);
  const rows = new Map<number, Float32Array>();
  for (const i of indices) rows.set(i, computeRow(spec, i, B));
  // Groups of the opened rows: random fingerprints elsewhere in the group, exact ones at the opened rows.
  const noise = streamKey(keccak256(stringToBytes(`${tag}: other fingerprints`)), "g");
  const groups = new Map<number, Float32Array>();
  for (const i of indices) {
    const j = Math.floor(i / g);
    if (!groups.has(j)) groups.set(j, fillMatrix(noise, 1, g * m, j).map((x) => x * 64));
    groups.get(j)!.set(fingerprintRow(rows.get(i)!, R, m), (i - j * g) * m);
  }
  const count = gemmLeaves(spec);
  const words = new Uint8Array(count * 32);
  const wordKey = streamKey(keccak256(stringToBytes(`${tag}: other leaves`)), "l");
  // Random leaves, 8 words of 32 bits each (any bytes do: nothing opens them).
  const v = new Uint32Array(words.buffer);
  for (let q = 0; q < v.length; q++) v[q] = randomU32(wordKey, 0, q);
  const leaves: Uint8Array[] = new Array(count);
  for (let j = 0; j < count; j++) leaves[j] = words.subarray(32 * j, 32 * j + 32);
  for (const [j, group] of groups) leaves[j] = leafHashBytes(f32Bytes(group));
  // The tree as merkle.ts builds it (sorted pairs, an odd last node carried up), every level kept.
  const levels: Uint8Array[][] = [leaves];
  while (levels[levels.length - 1].length > 1) {
    const level = levels[levels.length - 1];
    const up: Uint8Array[] = new Array(Math.ceil(level.length / 2));
    for (let i = 0; i + 1 < level.length; i += 2) up[i >> 1] = hashPairBytes(level[i], level[i + 1]);
    if (level.length % 2 === 1) up[up.length - 1] = level[level.length - 1];
    levels.push(up);
  }
  const root = bytesToHex(levels[levels.length - 1][0]);
  const proofOf = (j: number) => {
    const proof: Hex[] = [];
    for (let d = 0, i = j; d + 1 < levels.length; d++, i >>= 1) if ((i ^ 1) < levels[d].length) proof.push(bytesToHex(levels[d][i ^ 1]));
    return proof;
  };
  const openings = indices.map((i) => {
    const j = Math.floor(i / g);
    return { index: i, row: rows.get(i)!, group: groups.get(j)!.slice(), proof: proofOf(j) };
  });
  return { spec, root, indices, openings, leaves: count, proofLength: levels.length - 1, buildMs: performance.now() - t0 };
}
