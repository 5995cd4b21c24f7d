/**
 * Logit fingerprints of one infer item and their comparison with a recomputation.
 *
 * At each sampled position the node keeps the top-k token ids (descending logit, ties to the
 * lowest id) and their logits quantized to 1/QUANT_SCALE (round half away from zero, Math.round
 * on |x|). The verifier holds the full float32 logits of its own forward pass and checks, per
 * position:
 *   1. every claimed value is within tol(z) of the recomputed logit of that id;
 *   2. top-1: the claimed first id is the recomputed argmax, or ties with it within tol;
 *   3. top-k: the claimed ids overlap the recomputed top-k in at least k - 1 ids, and no unclaimed
 *      id beats the smallest claimed value by more than tol (so the set is the true top-k up to
 *      near-ties at its boundary).
 * tol(z) = TOL_ABS + TOL_REL * |z| + 1/(2 QUANT_SCALE) for the rounding of the claim.
 *
 * Why these numbers (measured on poai-tiny-lm-v1, 64 items x 64 tokens, 8 positions x top-8;
 * "worst" = largest |claimed - recomputed| of an item in units of tol, so 1 is the bound;
 * reproduced by `npx tsx engine/llm/bench.ts` and asserted in infer.test.ts):
 *   honest, intra-op threads 1 vs 2      bit-identical logits; worst 0.066..0.107 (quantization only)
 *   honest + 1e-5 relative logit noise   worst max 0.108, maxAbs <= 5.8e-5   (GPU fp32 GEMM
 *                                        reordering is ~1e-6 relative; 1e-5 is 10x that)
 *   honest + 1e-4 relative logit noise   worst max 0.57 (still accepted)
 *   weights rounded to fp16              worst min 3.9 (median 6.2), maxAbs 1.7e-3..4.7e-3: 64/64 rejected
 *   weights rounded to bf16              worst min 29, int8 per-tensor: worst min 143: all rejected
 *   another seed, same shape             worst ~6e3..1.2e4 (whole logits apart): all rejected
 * Top logits of this model are small (mean |z| of the top-1 ~0.64), so the absolute term
 * TOL_ABS = 2^-12 = 2.4e-4 dominates: about 9x above the largest honest deviation and 4x below
 * the smallest fp16 one. TOL_REL = 1e-4 keeps the bound proportionate for models with larger
 * logits. A GPU host must run fp32 without TF32 (TF32 matmuls round inputs to 10 mantissa bits,
 * which looks like fp16 to this check).
 */
import { LlmError } from "./errors";

/** Logits are committed as integers round(z * QUANT_SCALE): 2^14, a quantum of 6.1e-5. */
export const QUANT_SCALE = 16384;
export const TOL_ABS = 1 / 4096;
export const TOL_REL = 1e-4;
/** Largest |logit| a fingerprint may carry (int32 range of the quantized value, with margin). */
export const MAX_ABS_LOGIT = 100_000;

export interface Fingerprint {
  /** ids[p][j]: j-th most likely token at the p-th sampled position. */
  ids: number[][];
  /** q[p][j] = round(logit * QUANT_SCALE) of ids[p][j]. */
  q: number[][];
}

/** round(z * QUANT_SCALE), halves away from zero (the same on every engine). */
export function quantize(z: number): number {
  const s = z * QUANT_SCALE;
  return s < 0 ? -Math.round(-s) : Math.round(s);
}

/** Top-k ids of logits[offset .. offset+vocab), descending, ties to the lowest id. */
export function topKIds(logits: Float32Array, offset: number, vocab: number, k: number): number[] {
  // Insertion into a sorted list of k: O(vocab * k), k <= 32.
  const best: number[] = [];
  for (let i = 0; i < vocab; i++) {
    const v = logits[offset + i];
    if (best.length === k && v <= logits[offset + best[k - 1]]) continue;
    let j = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(i);
    while (j > 0 && logits[offset + best[j - 1]] < v) {
      best[j] = best[j - 1];
      j--;
    }
    best[j] = i;
  }
  return best;
}

/** Fingerprint of one item from its logits [T, vocab] starting at `offset`. */
export function fingerprintItem(logits: Float32Array, offset: number, vocab: number, positions: readonly number[], k: number): Fingerprint {
  const ids: number[][] = [];
  const q: number[][] = [];
  for (const p of positions) {
    const base = offset + p * vocab;
    const top = topKIds(logits, base, vocab, k);
    ids.push(top);
    q.push(top.map((id) => quantize(logits[base + id])));
  }
  return { ids, q };
}

/** Canonical bytes of a fingerprint, bound to its challenge seed and item index. */
export function encodeFingerprint(seed: Uint8Array, index: number, fp: Fingerprint): Uint8Array {
  const P = fp.ids.length;
  const K = P > 0 ? fp.ids[0].length : 0;
  const out = new Uint8Array(32 + 4 + 2 + 2 + P * K * 8);
  const view = new DataView(out.buffer);
  out.set(seed, 0);
  view.setUint32(32, index);
  view.setUint16(36, P);
  view.setUint16(38, K);
  let o = 40;
  for (let p = 0; p < P; p++) {
    for (let j = 0; j < K; j++) {
      view.setUint32(o, fp.ids[p][j]);
      view.setInt32(o + 4, fp.q[p][j]);
      o += 8;
    }
  }
  return out;
}

/** Throws LlmBadAnswer unless `fp` has P positions of k integer ids and values in range. */
export function checkFingerprintShape(fp: Fingerprint, P: number, k: number, vocab: number): void {
  const bad = (m: string) => new LlmError("LlmBadAnswer", m);
  if (fp === null || typeof fp !== "object" || !Array.isArray(fp.ids) || !Array.isArray(fp.q)) throw bad("fingerprint must have ids and q");
  if (fp.ids.length !== P || fp.q.length !== P) throw bad(`fingerprint must have ${P} positions`);
  for (let p = 0; p < P; p++) {
    const ids = fp.ids[p];
    const q = fp.q[p];
    if (!Array.isArray(ids) || !Array.isArray(q) || ids.length !== k || q.length !== k) throw bad(`position ${p} must have ${k} ids and values`);
    for (let j = 0; j < k; j++) {
      if (!Number.isInteger(ids[j]) || ids[j] < 0 || ids[j] >= vocab) throw bad(`id ${ids[j]} outside the vocabulary`);
      if (!Number.isInteger(q[j]) || Math.abs(q[j]) > MAX_ABS_LOGIT * QUANT_SCALE) throw bad(`value ${q[j]} out of range`);
    }
    if (new Set(ids).size !== k) throw bad(`position ${p} repeats an id`);
  }
}

export interface Comparison {
  ok: boolean;
  /** Largest |claimed - recomputed| over claimed values, in units of the tolerance (ok needs <= 1). */
  worst: number;
  /** Largest |claimed - recomputed| in logit units. */
  maxAbs: number;
  top1Ok: boolean;
  /** Smallest overlap of claimed and recomputed top-k over the positions. */
  minOverlap: number;
  reason: string;
}

export function tolerance(z: number): number {
  return TOL_ABS + TOL_REL * Math.abs(z) + 0.5 / QUANT_SCALE;
}

/**
 * Compares a claimed fingerprint with recomputed logits at `offset`: the p-th fingerprinted
 * position's logits start at offset + positions[p]·vocab (logits [T, vocab] and the challenge's
 * positions, or logits [P, vocab] and 0..P-1). `names` are the positions quoted in reasons
 * (default `positions`).
 */
export function compareFingerprint(
  fp: Fingerprint,
  logits: Float32Array,
  offset: number,
  vocab: number,
  positions: readonly number[],
  k: number,
  names: readonly number[] = positions,
): Comparison {
  let worst = 0;
  let maxAbs = 0;
  let top1Ok = true;
  let minOverlap = k;
  let reason = "";
  for (let pi = 0; pi < positions.length; pi++) {
    const base = offset + positions[pi] * vocab;
    const ids = fp.ids[pi];
    const q = fp.q[pi];
    for (let j = 0; j < k; j++) {
      const z = logits[base + ids[j]];
      const d = Math.abs(q[j] / QUANT_SCALE - z);
      maxAbs = Math.max(maxAbs, d);
      worst = Math.max(worst, d / tolerance(z));
    }
    const ref = topKIds(logits, base, vocab, k);
    const zMax = logits[base + ref[0]];
    if (logits[base + ids[0]] < zMax - tolerance(zMax)) {
      top1Ok = false;
      reason ||= `position ${names[pi]}: top-1 ${ids[0]} is not the argmax ${ref[0]}`;
    }
    const claimed = new Set(ids);
    const overlap = ref.filter((id) => claimed.has(id)).length;
    minOverlap = Math.min(minOverlap, overlap);
    let minClaimed = Infinity;
    for (const v of q) minClaimed = Math.min(minClaimed, v / QUANT_SCALE);
    for (const id of ref) {
      if (!claimed.has(id) && logits[base + id] > minClaimed + tolerance(minClaimed)) {
        reason ||= `position ${names[pi]}: token ${id} belongs to the top-${k} but is missing`;
        minOverlap = Math.min(minOverlap, -1); // forces the overlap check to fail
      }
    }
  }
  if (worst > 1) reason ||= `a logit differs by ${maxAbs.toExponential(2)} (${worst.toFixed(1)}x the tolerance)`;
  const ok = worst <= 1 && top1Ok && minOverlap >= k - 1;
  if (!ok && !reason) reason = `top-${k} overlap ${minOverlap} < ${k - 1}`;
  return { ok, worst, maxAbs, top1Ok, minOverlap: Math.max(minOverlap, 0), reason };
}
