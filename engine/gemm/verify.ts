/**
 * The oracle's check of a gemm challenge's openings against the committed root. Pure, and no
 * native code: the oracle and the simulator load this, never the node kernel (kernel.ts).
 *
 * Verification, O(n·m) per opening plus a once-per-epoch O(n²·m) key (verifier-key.ts):
 *  1. the group hashes to a leaf under the root (binds D_i before the index was known);
 *  2. D_i = relu(C_i)·R within tolerance (binds the sent row to the committed fingerprint);
 *  3. Freivalds with a secret vector s: C_i·s = A_i·(B·s), exactly. B·s is cached per epoch;
 *     s derives from the epoch seed, which nodes never see before the report reveals it.
 * Every s_j is ±(256 + k)/512, k uniform in 0..255: never 0 and at least 1/2 in magnitude, so a
 * wrong row passes 3 only if its error vector e has e·s = 0 exactly (for a fixed e != 0, at most
 * 1/512: fix all s but one); a single wrong entry moves row·s by at least half its change, so
 * it passes only within the allowances of the tolerances (zero for entries under 2^8 on the 2^-16 grid). A row consistent with a
 * fingerprint committed without computing C_i fails 2. On a failure the verifier recomputes the
 * full row (O(n²)) for the evidence.
 *
 *
 * Error model and tolerances: docs/challenges.md, "gemm" > "Tolerance" (the derivation of every
 * allowance below). In short, Freivalds is an equality for an honest row (exact float64 sums;
 * the only allowance is fp32's rounding of entries >= 2^8), and the fingerprint gets the
 * probabilistic Higham-Mary bound λ·√n·u for the node's fp32 sums plus the rated output format's
 * rounding. `tolerance: "worst-case"` keeps the deterministic γ_n bound (loose; not the default).
 */
import { encodeAbiParameters, keccak256, zeroHash, type Hex } from "viem";
import { MerklePathVerifier, hex32ToBytes } from "../merkle";
import { seedBytes, streamKey } from "../prng";
import { LAYOUT, kernels } from "../wasm/kernels";
import { aKey, bMatrix, computeRow } from "./data";
import { GemmError } from "./errors";
import { LITTLE_ENDIAN, U_OUT, f32Bytes } from "./formats";
import { checkGemmSpec, chooseOpenings, GEMM_DEFAULT_OPENINGS, gemmLeaves, gemmRows, gemmSpecHash, type GemmOpening, type GemmSpec } from "./spec";
import type { GemmVerifierKey } from "./verifier-key";

/** λ of the probabilistic rounding bound. */
export const GEMM_LAMBDA = 10;

const U_FP32 = 2 ** -24;
const { IO, KERNEL_MAX_N, KEYS, KEY_SLOTS, KEY_SLOT_BYTES, OUT, OUT_A, ROW } = LAYOUT;

export type GemmRejectReason =
  | "GemmWrongOpeningSet"
  | "GemmMalformedOpening"
  | "GemmProofInvalid"
  | "GemmFingerprintMismatch"
  | "GemmRowMismatch";

export interface GemmOpeningCheck {
  index: number;
  ok: boolean;
  reason?: GemmRejectReason;
  /** Largest |D - relu(row)·R| / tolerance over the m columns (<= 1 passes). */
  fingerprintRatio: number;
  /** |row·s - A_i·(B·s)| / tolerance (<= 1 passes; 0 when equal, Infinity when they differ under a zero tolerance). */
  freivaldsRatio: number;
}

export interface GemmVerdict {
  ok: boolean;
  reason: GemmRejectReason | null;
  detail: string;
  checks: GemmOpeningCheck[];
  /** Present when rejected: keccak256(specHash, root, index, answer hashes, recomputed row hash). */
  evidence: Hex | null;
  verifyMs: number;
}

export interface GemmVerifyOptions {
  /** Openings expected (default GEMM_DEFAULT_OPENINGS). */
  k?: number;

  tolerance?: "probabilistic" | "worst-case";
}

interface VerifierTables {
  /**
   * Per pair of columns (j, j+1), 20 values: R_j0..R_j3, |R_j0|..|R_j3|, the same for j+1, then
   * (s_j, s_j+1), (|s_j|, |s_j+1|): the row kernel's table (wasm/kernels.ts row_sums).
   */
  row: Float64Array;
  /** B·s. */
  bs: Float64Array;
  /** Per four columns l..l+3, 10 pairs: |B||s| for (l, l+1), (l+2, l+3), then |B||R|_c likewise, c = 0..3. */
  bounds: Float64Array;
}

/** Tables derived from a key, built once per key (O(n·m)) and kept as long as the key. */
const tablesOf = new WeakMap<GemmVerifierKey, VerifierTables>();

/**
 * The key's vectors interleaved in the order the verifier's kernels read them, so each pass reads
 * one array sequentially. Pure rearrangement: the same values as key.R, key.s, key.absBR,
 * key.Bs and key.absBs (|x| taken once here instead of once per opening).
 */
function verifierTables(key: GemmVerifierKey): VerifierTables {
  const hit = tablesOf.get(key);
  if (hit) return hit;
  const { n, R, s, absBR, Bs, absBs } = key;
  const row = new Float64Array(n * 10);
  const bounds = new Float64Array(n * 5);
  for (let j = 0; j < n; j++) {
    const p = (j >> 1) * 20 + (j & 1) * 8;
    for (let c = 0; c < 4; c++) {
      row[p + c] = R[j * 4 + c];
      row[p + 4 + c] = Math.abs(R[j * 4 + c]);
    }
    const ps = (j >> 1) * 20 + 16 + (j & 1);
    row[ps] = s[j];
    row[ps + 2] = Math.abs(s[j]);
    const q = (j >> 2) * 20 + (j & 3);
    bounds[q] = absBs[j];
    for (let c = 0; c < 4; c++) bounds[q + 4 + 4 * c] = absBR[j * 4 + c];
  }
  const t = { row, bs: Float64Array.from(Bs), bounds };
  tablesOf.set(key, t);
  return t;
}

/** Keys whose tables sit in the kernels' memory (KEY_SLOTS slots), and when each was last used. */
const slotKeys: (GemmVerifierKey | null)[] = new Array(KEY_SLOTS).fill(null);
const slotUsed: number[] = new Array(KEY_SLOTS).fill(0);
let slotClock = 0;

/**
 * Addresses of the key's tables in the kernels' memory, copying them into the least recently used
 * slot when absent (exported for the benchmark that times each step of the verifier).
 */
export function keySlot(key: GemmVerifierKey): { row: number; bs: number; bounds: number } {
  if (key.n > KERNEL_MAX_N || key.n % 4 !== 0) throw new GemmError("GemmBadSpec", `n ${key.n}`);
  let i = slotKeys.indexOf(key);
  const base = (slot: number) => KEYS + slot * KEY_SLOT_BYTES;
  const addr = (slot: number) => ({ row: base(slot), bs: base(slot) + 80 * key.n, bounds: base(slot) + 88 * key.n });
  if (i < 0) {
    i = slotUsed.indexOf(Math.min(...slotUsed));
    const t = verifierTables(key);
    const a = addr(i);
    const f64 = new Float64Array(kernels().memory.buffer);
    f64.set(t.row, a.row / 8);
    f64.set(t.bs, a.bs / 8);
    f64.set(t.bounds, a.bounds / 8);
    slotKeys[i] = key;
  }
  slotUsed[i] = ++slotClock;
  return addr(i);
}

/** Views of the kernels' memory (it never grows, so they stay valid). */
let views: { f32: Float32Array; rowOut: Float64Array; aOut: Float64Array } | null = null;
function kernelViews() {
  if (!views) {
    const buf = kernels().memory.buffer;
    views = { f32: new Float32Array(buf), rowOut: new Float64Array(buf, OUT, 16), aOut: new Float64Array(buf, OUT_A, 6) };
  }
  return views;
}

/**
 * One pass over an opened row (wasm/kernels.ts row_sums), results in `kernelViews().rowOut`:
 * relu(row)·R, relu(row)·|R|, |row|·|R| (4 columns each), row·s, at [13] 0 (|row|·|s|, which only
 * the worst-case tolerance needs, is `rowAbsDotS`), at [14] 0 for a finite row and NaN otherwise,
 * and at [15] Σ_{|row_j| >= 2^8} |row_j|·|s_j| (the entries fp32 may have rounded). Each sum is
 * taken over even and odd j apart, then added: for an honest row (entries on the 2^-16 grid,
 * below 2^12) every product and partial sum is exact in float64, so the order does not change a bit.
 */
function rowSums(row: Float32Array, slot: { row: number }, n: number): Float64Array {
  const v = kernelViews();
  v.f32.set(row, ROW / 4);
  kernels().row_sums(ROW, slot.row, n, OUT);
  return v.rowOut;
}

/** Σ |row_j|·|s_j| (sequential): only the worst-case tolerance reads it. */
function rowAbsDotS(row: Float32Array, s: Float64Array, n: number): number {
  let acc = 0;
  for (let j = 0; j < n; j++) acc += Math.abs(row[j]) * Math.abs(s[j]);
  return acc;
}

/**
 * One pass over A_t's row r, generated four entries at a time in the kernel (wasm/kernels.ts
 * a_dot, a_sums_bounds) from the stream key, as `fillMatrix` (prng.ts) generates them for
 * (hi = r, lo = l): the same 32-bit integer steps (a test pins a = aRow). Results in
 * `kernelViews().aOut`: |a|·(|B||R|) (4 columns), a·(B·s), |a|·(|B||s|). Every term is a multiple
 * of 2^-25 and every partial sum below 2^24 (A and the key are exact by construction), so the
 * sums are exact in any order. Without `withBounds` only a·(B·s) is summed and the bound sums
 * are 0: the probabilistic tolerance never reads them (it weighs |a|·(|B||R|) by 0 and uses no
 * Freivalds bound).
 */
function aSums(seed: Uint8Array, t: number, r: number, slot: { bs: number; bounds: number }, n: number, withBounds: boolean): Float64Array {
  const key = streamKey(seed, "poai.gemm.A", t); // aKey(spec, t), the seed parsed once per challenge
  const k = kernels();
  const out = kernelViews().aOut;
  if (withBounds) {
    k.a_sums_bounds(key[0], key[1], key[2], key[3], r, slot.bs, slot.bounds, n, OUT_A);
  } else {
    out.fill(0);
    k.a_dot(key[0], key[1], key[2], key[3], r, slot.bs, n, OUT_A);
  }
  return out;
}

/** A_t's row r as the verifier generates it (`aSums`), for the test that pins it to `aRow`. */
export function verifierARowDot(spec: GemmSpec, t: number, r: number, v: Float64Array): number {
  const key = aKey(spec, t);
  const k = kernels();
  if (spec.n > KERNEL_MAX_N) throw new GemmError("GemmBadSpec", `n ${spec.n}`);
  // B·s replaced by v, in the IO area (8 n <= 32 KiB).
  new Float64Array(k.memory.buffer, IO, spec.n).set(v);
  k.a_dot(key[0], key[1], key[2], key[3], r, IO, spec.n, OUT_A);
  return kernelViews().aOut[4];
}

function theta(n: number, mode: "probabilistic" | "worst-case"): number {
  if (mode === "worst-case") return (n * U_FP32) / (1 - n * U_FP32);
  return GEMM_LAMBDA * Math.sqrt(n) * U_FP32;
}

/**
 * The oracle's check of a challenge's openings against the committed root. Total: malformed or
 * missing openings are a rejection with a reason, never a throw (a bad spec or key is a throw).
 */
export function verifyGemmOpenings(
  spec: GemmSpec,
  root: Hex,
  openings: readonly GemmOpening[],
  key: GemmVerifierKey,
  /** `draw`: the challenge's opening draw (protocol/openings.ts) the expected rows are sampled from. */
  opts: GemmVerifyOptions & { draw: Hex },
): GemmVerdict {
  const t0 = performance.now();
  checkGemmSpec(spec);
  if (key.n !== spec.n || key.sharedSeed !== spec.sharedSeed) throw new GemmError("GemmBadSpec", "verifier key is for another size or epoch");
  const k = opts.k ?? GEMM_DEFAULT_OPENINGS;
  let expected: number[];
  try {
    if (hex32ToBytes(root) === null) throw new Error("root");
    expected = chooseOpenings(spec, opts.draw, k);
  } catch {
    return {
      ok: false,
      reason: "GemmMalformedOpening",
      detail: "root is not 32-byte hex",
      checks: [],
      evidence: gemmEvidence(spec, root, null),
      verifyMs: performance.now() - t0,
    };
  }
  return checkGemmOpenings(spec, root, openings, key, expected, opts, t0);
}

/**
 * The checks of `verifyGemmOpenings` against a given list of expected rows (verifyGemmOpenings
 * draws them with `chooseOpenings` from the opening draw; the oracle passes the rows it asked
 * for at the commitment, as stored; the benchmark calls this directly to time a proof depth it
 * cannot build a whole tree for).
 */
export function checkGemmOpenings(
  spec: GemmSpec,
  root: Hex,
  openings: readonly GemmOpening[],
  key: GemmVerifierKey,
  expected: readonly number[],
  opts: GemmVerifyOptions = {},
  t0 = performance.now(),
): GemmVerdict {
  checkGemmSpec(spec);
  if (key.n !== spec.n || key.sharedSeed !== spec.sharedSeed) throw new GemmError("GemmBadSpec", "verifier key is for another size or epoch");
  const mode = opts.tolerance ?? "probabilistic";
  const th = theta(spec.n, mode);
  const uOut = U_OUT[spec.precision];
  const { n, projCols: m, groupRows: g } = spec;
  const rows = gemmRows(spec);
  const checks: GemmOpeningCheck[] = [];
  const done = (reason: GemmRejectReason | null, detail: string, bad?: GemmOpening): GemmVerdict => ({
    ok: reason === null,
    reason,
    detail,
    checks,
    evidence: reason && bad ? gemmEvidence(spec, root, bad) : reason ? gemmEvidence(spec, root, null) : null,
    verifyMs: performance.now() - t0,
  });
  const rootBytes = hex32ToBytes(root);
  const slot = keySlot(key);
  const seedA = seedBytes(spec.seed);
  // Every proof is checked on its own terms; paths that meet share their upper hashes.
  const paths = rootBytes ? new MerklePathVerifier(rootBytes, gemmLeaves(spec)) : null;
  if (!Array.isArray(openings) || openings.length !== expected.length) {
    return done("GemmWrongOpeningSet", `expected ${expected.length} openings, got ${Array.isArray(openings) ? openings.length : "none"}`);
  }
  for (let q = 0; q < expected.length; q++) {
    const o = openings[q];
    const index = expected[q];
    if (!o || o.index !== index) return done("GemmWrongOpeningSet", `opening ${q} is row ${o?.index}, expected ${index}`);
    const j = Math.floor(index / g);
    const groupLen = (Math.min(rows, (j + 1) * g) - j * g) * m;
    if (!(o.row instanceof Float32Array) || o.row.length !== n || !(o.group instanceof Float32Array) || o.group.length !== groupLen) {
      return done("GemmMalformedOpening", `row ${index}: wrong lengths`, o);
    }
    for (let q2 = 0; q2 < o.group.length; q2++) {
      if (!Number.isFinite(o.group[q2])) return done("GemmMalformedOpening", `row ${index}: non-finite values`, o);
    }
    // 1. The fingerprint group is committed under the root.
    if (!paths || !paths.verifyData(j, LITTLE_ENDIAN ? new Uint8Array(o.group.buffer, o.group.byteOffset, o.group.byteLength) : f32Bytes(o.group), o.proof)) {
      checks.push({ index, ok: false, reason: "GemmProofInvalid", fingerprintRatio: NaN, freivaldsRatio: NaN });
      return done("GemmProofInvalid", `row ${index}: group ${j} does not open under the root`, o);
    }
    // One pass over the sent row (j) and one over A's row (l) gather every sum both checks
    // need; m = GEMM_PROJ_COLS = 4 columns.
    // rs is the kernels' output memory: read before the next kernel call.
    const rs = rowSums(o.row, slot, n);
    if (rs[14] !== 0) return done("GemmMalformedOpening", `row ${index}: non-finite values`, o);
    const dots = [rs[0], rs[1], rs[2], rs[3]];
    const mags = [rs[4], rs[5], rs[6], rs[7]];
    const alls = [rs[8], rs[9], rs[10], rs[11]];
    const lhs = rs[12];
    const bigMag = rs[15];
    const lhsMag = mode === "worst-case" ? rowAbsDotS(o.row, key.s, n) : 0;
    const as = aSums(seedA, Math.floor(index / n), index % n, slot, n, mode === "worst-case");
    const rhs = as[4];
    const bound = as[5];
    // 2. relu(row)·R matches the committed fingerprint. Tolerance (see the file header): the
    //    fp32 accumulation of the fingerprint product (θ·Σ relu(C)|R| + u·|D|), plus the rated
    //    format's rounding of the kernel's C against the exact row (u_out·Σ|C||R|), plus 2^-40 of
    //    the magnitude for the oracle's own float64 sums. Worst-case mode adds the kernel's
    //    accumulation error of C (γ_n·|A_i|·|B||R|), which exact-by-construction sums never have.
    //    (as: |A_i|·(|B||R|) at c.)
    const local = (index - j * g) * m;
    const cTheta = mode === "worst-case" ? th : 0;
    let fpRatio = 0;
    for (let c = 0; c < m; c++) {
      const committed = o.group[local + c];
      const tol = th * mags[c] + U_FP32 * Math.abs(committed) + cTheta * as[c] + uOut * alls[c] + 2 ** -40 * (mags[c] + 1);
      fpRatio = Math.max(fpRatio, Math.abs(committed - dots[c]) / tol);
    }
    // 3. Freivalds: row·s = A_i·(B·s). Both sides are exact in float64 for an honest row, which
    //    is the exact product stored in fp32: the only allowance is fp32's rounding of entries
    //    with |C_ij| >= 2^8 (u·Σ_{|row_j| >= 2^8} |row_j||s_j|), zero for almost every row, so the
    //    test is an equality. Worst-case mode keeps γ_n·|A_i|·(|B||s|) + u_out·Σ|row_j||s_j|.
    const fTol = mode === "worst-case" ? th * bound + uOut * lhsMag + 2 ** -40 * (bound + 1) : U_FP32 * bigMag;
    const fDiff = Math.abs(lhs - rhs);
    // fDiff = 0 passes even with fTol = 0; any other difference over a zero tolerance is Infinity.
    const fRatio = fDiff === 0 ? 0 : fDiff / fTol;
    const okFp = fpRatio <= 1;
    const okF = fRatio <= 1;
    const reason: GemmRejectReason | undefined = !okF ? "GemmRowMismatch" : !okFp ? "GemmFingerprintMismatch" : undefined;
    checks.push({ index, ok: okFp && okF, reason, fingerprintRatio: fpRatio, freivaldsRatio: fRatio });
    if (reason === "GemmRowMismatch") return done(reason, `row ${index}: row·s differs from A_i·(B·s) by ${fDiff.toExponential(2)} (tolerance ${fTol.toExponential(2)})`, o);
    if (reason === "GemmFingerprintMismatch") return done(reason, `row ${index}: relu(row)·R differs from the committed fingerprint by ${fpRatio.toExponential(2)} x tolerance`, o);
  }
  return done(null, `${expected.length} openings verified`);
}

/**
 * Evidence of a rejected answer: keccak256(abi.encode(specHash, root, index, keccak(row),
 * keccak(group), keccak(recomputed row))). The recomputation is the full O(n²) row, made only
 * on a rejection, so the evidence stands on its own without the Freivalds secret.
 */
export function gemmEvidence(spec: GemmSpec, root: Hex, o: GemmOpening | null): Hex {
  let rowHash: Hex = zeroHash;
  let groupHash: Hex = zeroHash;
  let recomputed: Hex = zeroHash;
  let index = 0;
  if (o && Number.isInteger(o.index) && o.index >= 0 && o.index < gemmRows(spec)) {
    index = o.index;
    rowHash = o.row instanceof Float32Array ? keccak256(f32Bytes(o.row)) : zeroHash;
    groupHash = o.group instanceof Float32Array ? keccak256(f32Bytes(o.group)) : zeroHash;
    recomputed = keccak256(f32Bytes(computeRow(spec, index, bMatrix(spec.sharedSeed, spec.n))));
  }
  const rootWord = /^0x[0-9a-fA-F]{64}$/.test(root) ? root : zeroHash;
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "uint64" }, { type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }],
      [gemmSpecHash(spec), rootWord, BigInt(index), rowHash, groupHash, recomputed],
    ),
  );
}
