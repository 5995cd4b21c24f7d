/**
 * The gemm challenge computed exactly in plain TypeScript: every C_t = A_t·B with float64 sums
 * (exact: see computeRow in data.ts, so the order of the sums does not matter and each entry is
 * the row the verifier recomputes), stored in fp32, its fingerprints relu(C_i)·R and the Merkle
 * root, as a `GemmRun` that `openGemm` answers from. An honest answer the verifier accepts, with
 * no native code and no device: for small challenges where starting an onnxruntime session would
 * cost more than the product (load generators, tests). O(batch·n³), in 2 x 4 register blocks.
 */
import { bytesToHex } from "viem";
import { merkleRootBytes } from "../merkle";
import { fillMatrix } from "../prng";
import { aKey, bMatrix, fingerprintLeaves, rMatrix } from "./data";
import type { GemmRun } from "./open";
import { checkGemmSpec, type GemmSpec } from "./spec";

/** C (n x n, fp32) = A·B for A (float64, n x n) and B transposed (float64); n a multiple of 4. */
function exactProduct(A: Float64Array, BT: Float64Array, n: number, C: Float32Array): void {
  for (let i = 0; i < n; i += 2) {
    const r0 = i * n;
    const r1 = r0 + n;
    for (let j = 0; j < n; j += 4) {
      const c0 = j * n;
      const c1 = c0 + n;
      const c2 = c1 + n;
      const c3 = c2 + n;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let l = 0; l < n; l++) {
        const a0 = A[r0 + l], a1 = A[r1 + l];
        const b0 = BT[c0 + l], b1 = BT[c1 + l], b2 = BT[c2 + l], b3 = BT[c3 + l];
        s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
        s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
      }
      C[r0 + j] = s00; C[r0 + j + 1] = s01; C[r0 + j + 2] = s02; C[r0 + j + 3] = s03;
      C[r1 + j] = s10; C[r1 + j + 1] = s11; C[r1 + j + 2] = s12; C[r1 + j + 3] = s13;
    }
  }
}

export function referenceGemm(spec: GemmSpec): GemmRun {
  checkGemmSpec(spec);
  const t0 = performance.now();
  const { n, batch, projCols: m } = spec;
  const B = bMatrix(spec.sharedSeed, n);
  const R = rMatrix(spec.sharedSeed, n, m);
  const BT = new Float64Array(n * n);
  for (let l = 0; l < n; l++) for (let j = 0; j < n; j++) BT[j * n + l] = B[l * n + j];
  const fingerprints = new Float32Array(batch * n * m);
  const A32 = new Float32Array(n * n);
  const A = new Float64Array(n * n);
  const C = new Float32Array(n * n);
  const acc = new Float64Array(m);
  const setupMs = performance.now() - t0;
  let generateMs = 0;
  // Loop bound: batch <= GEMM_MAX_BATCH matrices of n rows.
  for (let t = 0; t < batch; t++) {
    const g0 = performance.now();
    A.set(fillMatrix(aKey(spec, t), n, n, 0, A32));
    generateMs += performance.now() - g0;
    exactProduct(A, BT, n, C);
    // relu(C_i)·R in the order of fingerprintRow (data.ts), so the fp32 results are the same.
    for (let i = 0; i < n; i++) {
      acc.fill(0);
      for (let j = 0; j < n; j++) {
        const v = C[i * n + j];
        if (v > 0) for (let c = 0; c < m; c++) acc[c] += v * R[j * m + c];
      }
      fingerprints.set(acc, (t * n + i) * m);
    }
  }
  const h0 = performance.now();
  const leaves = fingerprintLeaves(spec, fingerprints);
  const root = bytesToHex(merkleRootBytes(leaves));
  const end = performance.now();
  return {
    spec, root, leaves, fingerprints, provider: "reference", B,
    timings: { setupMs, generateMs, computeMs: h0 - t0 - setupMs - generateMs, hashMs: end - h0, totalMs: end - t0 },
  };
}
