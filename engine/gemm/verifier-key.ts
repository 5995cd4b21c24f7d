/**
 * The gemm verifier's per-epoch, per-size key: the secret Freivalds vector s and the products of
 * B and R the checks need (B·s, |B|·|s|, |B|·|R|), built once per epoch and size in O(n²·m).
 * Pure; the oracle keeps it secret until the epoch seed is revealed.
 */
import type { Hex } from "viem";
import { fillMatrix, streamKey } from "../prng";
import { GEMM_MAX_N, GEMM_MIN_N, GEMM_PROJ_COLS } from "../sizing";
import { bKey, rMatrix } from "./data";
import { GemmError } from "./errors";
import { isPow2 } from "./spec";

/** Per-epoch, per-size data of the verifier: built once, reused by every challenge of that size. */
export interface GemmVerifierKey {
  n: number;
  sharedSeed: Hex;
  /** The secret Freivalds vector s: entries ±(256 + k)/512, k in 0..255 (`secretVector`). */
  s: Float64Array;
  /** B·s. */
  Bs: Float64Array;
  /** |B|·|s|. */
  absBs: Float64Array;
  /** R (n x m) as float64. */
  R: Float64Array;
  /** |B|·|R| (n x m). */
  absBR: Float64Array;
  buildMs: number;
}

/**
 * The secret Freivalds vector: s_j = sign·(256 + k)/512 with the sign and k in 0..255 uniform
 * (from the generator's k'/256, k' in -256..255: sign of k', k = k' or -k'-1). Never 0, at least
 * 1/2 in magnitude (a single wrong entry always moves row·s by at least half its error),
 * symmetric, and a multiple of 2^-9 (so the Freivalds sums stay exact in float64).
 */
export function secretVector(secretSeed: Hex, n: number): Float64Array {
  const raw = fillMatrix(streamKey(secretSeed, "poai.gemm.s"), 1, n);
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const k = raw[j] * 256; // exact integer in -256..255
    s[j] = k < 0 ? -(256 + (-k - 1)) / 512 : (256 + k) / 512;
  }
  return s;
}

/** O(n²·m): generate B row by row and fold it into B·s, |B||s| and |B||R|. */
export function prepareGemmVerifier(sharedSeed: Hex, secretSeed: Hex, n: number): GemmVerifierKey {
  const t0 = performance.now();
  const m = GEMM_PROJ_COLS;
  if (!isPow2(n) || n < GEMM_MIN_N || n > GEMM_MAX_N) throw new GemmError("GemmBadSpec", `n ${n}`);
  const s = secretVector(secretSeed, n);
  const R = Float64Array.from(rMatrix(sharedSeed, n, m));
  const absR = R.map(Math.abs);
  const absS = s.map(Math.abs);
  const Bs = new Float64Array(n);
  const absBs = new Float64Array(n);
  const absBR = new Float64Array(n * m);
  const key = bKey(sharedSeed);
  const rowsPerBlock = 64;
  const block = new Float32Array(rowsPerBlock * n);
  for (let l0 = 0; l0 < n; l0 += rowsPerBlock) {
    fillMatrix(key, rowsPerBlock, n, l0, block);
    for (let q = 0; q < rowsPerBlock; q++) {
      const l = l0 + q;
      let bs = 0;
      let abs = 0;
      const acc = new Float64Array(m);
      const off = q * n;
      for (let j = 0; j < n; j++) {
        const b = block[off + j];
        const ab = b < 0 ? -b : b;
        bs += b * s[j];
        abs += ab * absS[j];
        for (let c = 0; c < m; c++) acc[c] += ab * absR[j * m + c];
      }
      Bs[l] = bs;
      absBs[l] = abs;
      absBR.set(acc, l * m);
    }
  }
  return { n, sharedSeed, s, Bs, absBs, R, absBR, buildMs: performance.now() - t0 };
}
