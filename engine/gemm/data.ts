/**
 * The gemm challenge's data, generated from its seeds (prng.ts) row by row, so any row of A, B or
 * R and any row of C can be regenerated alone; the fingerprints and the leaves they hash to.
 * Pure; shared by the node kernel (kernel.ts) and the verifier (verify.ts).
 */
import type { Hex } from "viem";
import { leafHashBytes } from "../merkle";
import { fillMatrix, streamKey } from "../prng";
import { GEMM_PROJ_COLS } from "../sizing";
import { f32Bytes } from "./formats";
import { gemmLeaves, gemmRows, type GemmSpec } from "./spec";

export function aKey(spec: GemmSpec, t: number) {
  return streamKey(spec.seed, "poai.gemm.A", t);
}
export function bKey(sharedSeed: Hex) {
  return streamKey(sharedSeed, "poai.gemm.B");
}
export function rKey(sharedSeed: Hex) {
  return streamKey(sharedSeed, "poai.gemm.R");
}

/** Row r of A_t (exact values). */
export function aRow(spec: GemmSpec, t: number, r: number): Float32Array {
  return fillMatrix(aKey(spec, t), 1, spec.n, r);
}

/** The whole of B (n x n, row-major). */
export function bMatrix(sharedSeed: Hex, n: number): Float32Array {
  return fillMatrix(bKey(sharedSeed), n, n);
}

/** The projection R (n x m, row-major). */
export function rMatrix(sharedSeed: Hex, n: number, m = GEMM_PROJ_COLS): Float32Array {
  return fillMatrix(rKey(sharedSeed), n, m);
}

/**
 * Row i (global index) of C, from A_t's row and B: the exact product (float64 sums of multiples
 * of 2^-16 below 2^12 in magnitude never round), stored in fp32 (exact while |C_ij| < 2^8;
 * otherwise rounded to nearest). This is the opened row for every rated precision: the rated
 * format only changes the node's kernel, and Freivalds on an exact row needs no tolerance.
 * O(n²).
 */
export function computeRow(spec: GemmSpec, index: number, B: Float32Array): Float32Array {
  const n = spec.n;
  const t = Math.floor(index / n);
  const a = aRow(spec, t, index % n);
  const acc = new Float64Array(n);
  for (let l = 0; l < n; l++) {
    const al = a[l];
    if (al === 0) continue;
    const off = l * n;
    for (let j = 0; j < n; j++) acc[j] += al * B[off + j];
  }
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) out[j] = acc[j]; // Float32Array store: round to nearest fp32
  return out;
}

/** Fingerprint relu(row)·R (m values, fp32 like the node's kernel output). */
export function fingerprintRow(row: Float32Array, R: Float32Array, m = GEMM_PROJ_COLS): Float32Array {
  const acc = new Float64Array(m);
  for (let j = 0; j < row.length; j++) {
    const v = row[j];
    if (v > 0) for (let c = 0; c < m; c++) acc[c] += v * R[j * m + c];
  }
  return Float32Array.from(acc);
}

/** Leaves over the fingerprint rows: group j = rows [j·g, j·g + g). */
export function fingerprintLeaves(spec: GemmSpec, fingerprints: Float32Array): Uint8Array[] {
  const m = spec.projCols;
  const g = spec.groupRows;
  const rows = gemmRows(spec);
  const leaves: Uint8Array[] = new Array(gemmLeaves(spec));
  for (let j = 0; j < leaves.length; j++) {
    const from = j * g * m;
    const to = Math.min(rows, (j + 1) * g) * m;
    leaves[j] = leafHashBytes(f32Bytes(fingerprints.subarray(from, to)));
  }
  return leaves;
}

