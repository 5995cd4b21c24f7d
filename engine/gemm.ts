/**
 * The gemm challenge: `batch` products C_t = A_t · B of n x n matrices.
 *
 * Data. A_t comes from the challenge seed (stream "poai.gemm.A", index t); B and the public
 * projection R (n x m) from a seed shared by every gemm challenge of that size in the epoch
 * (`gemmSharedSeed(epochSeed, n)`), so the oracle's per-size work is done once per epoch.
 * Entries are k/256 (prng.ts): exact in fp32/tf32/fp16/bf16 inputs.
 *
 * Commitment. The node computes, for every row i of every C_t, the row fingerprint
 * `D_i = relu(C_i) · R` (m = 4 numbers), and commits to the Merkle root over groups of
 * g = 32 consecutive fingerprint rows (leaf = leafHash(float32 little-endian bytes of the
 * group)). Hashing m numbers per row instead of n keeps the node's hashing at ~1 % of its
 * GEMM work, and the tree small. The relu is essential: relu(C)·R cannot be computed without C,
 * whereas C·R = A·(B·R) could be computed in O(n²) without doing the product.
 *
 * Openings. After the root is fixed, k global row indices are drawn from
 * keccak256(specHash ‖ root) (`chooseOpenings`). For each, the node sends the row C_i as the
 * exact product A_i·B in fp32 whatever the rated precision (`computeRow`: O(n²), exact by
 * construction), the fingerprint group holding D_i, and its proof.
 *
 * Verification, O(n·m) per opening plus a once-per-epoch O(n²·m) cache:
 *  1. the group hashes to a leaf under the root (binds D_i before the index was known);
 *  2. D_i = relu(C_i)·R within tolerance (binds the sent row to the committed fingerprint);
 *  3. Freivalds with a secret vector s: C_i·s = A_i·(B·s), exactly. B·s is cached per epoch;
 *     s derives from the epoch seed, which nodes never see before the report reveals it.
 * Every s_j is ±(256 + k)/512, k uniform in 0..255: never 0 and at least 1/2 in magnitude, so a
 * wrong row passes 3 only if its error vector e has e·s = 0 exactly (for a fixed e != 0, at most
 * 1/512: fix all s but one); a single wrong entry moves row·s by at least half its change, so
 * it passes only within the allowances below (zero for entries under 2^8 on the 2^-16 grid). A row consistent with a
 * fingerprint committed without computing C_i fails 2. On a failure the verifier recomputes the
 * full row (O(n²)) for the evidence.
 *
 * Error model and tolerances (docs/challenges.md, "Tolerance").
 *  - Entries of A, B are k/256, of s odd multiples of 2^-9. C_ij = Σ_l A_il·B_lj is a multiple
 *    of 2^-16 with |C_ij| <= n <= 2^12, so float64 computes it exactly (`computeRow`), and
 *    fp32 holds it exactly while |C_ij| < 2^8 (24 significant bits).
 *  - Freivalds in float64 is exact for an honest row: row_j·s_j are multiples of 2^-25 and
 *    every partial sum of row·s and of A_i·(B·s) is at most n·n = 2^24 in magnitude, so
 *    2^49 < 2^53 steps of 2^-25 suffice. The only honest difference is the fp32 rounding of an
 *    entry with |C_ij| >= 2^8 (|fl(x) - x| <= 2^-24·|fl(x)|), so the Freivalds tolerance is
 *    Σ_{j: |row_j| >= 2^8} 2^-24·|row_j|·|s_j|: zero for every row this generator produces in
 *    practice (P(|C_ij| >= 2^8) <= 2·exp(-60) at n = 4096, Bernstein). A row off the 2^-16 grid
 *    (not an honest one) may round in float64, by at most n·2^-53·Σ|row_j||s_j| (about 2^-25 at
 *    n = 4096): a deviation e·s above that is caught; one below it moves an entry by less than
 *    2^-24 (|s_j| >= 1/2), i.e. less than one fp32 unit of any entry >= 1/2, and saves no work.
 *  - The fingerprint D is the node's fp32 kernel product relu(C_kernel)·R, whose sums do round
 *    (in an order the oracle does not know). Its tolerance is the probabilistic bound of Higham &
 *    Mary (SIAM J. Sci. Comput. 41(5), 2019, Thm 3.1) for that inner product,
 *    λ·√n·u·Σ relu(C_ij)|R_jc| + u·|D| (u = 2^-24, λ = 10: holds with probability >= 1 -
 *    2n·exp(-λ²/2), 1 - 4e-19 at n = 4096), plus u_out·Σ|C_ij||R_jc| for C_kernel stored in the
 *    rated format (fp16 2^-11, bf16 2^-8, fp32 2^-24) while the opened row is exact. The kernel's
 *    own sums for C are exact in fp32 accumulation (every partial sum of products k/256·k'/256 is
 *    a multiple of 2^-16; it stays below 2^8 except with probability <= 2n²·2·exp(-60) ≈ 6e-19
 *    per row at n = 4096, Bernstein with variance 1/9 per product), so no accumulation term for C.
 *  - `tolerance: "worst-case"` keeps the deterministic γ_n = n·u/(1 - n·u) accumulation bound for
 *    both C and D and aggregates it with absolute values: valid for any fp32 summation of the
 *    row, but loose (at n = 512 it lets a single entry off by 0.5 through); not the default.
 */
import { onnx } from "onnx-proto";
import * as ort from "onnxruntime-node";
import { bytesToHex, encodeAbiParameters, hexToBytes, keccak256, type Hex } from "viem";
import { keccak256Bytes } from "./keccak";
import type { Precision } from "./hardware";
import { MerklePathVerifier, hex32ToBytes, leafHashBytes, merkleLevelsBytes, merkleProofFromLevels, merkleRootBytes } from "./merkle";
import { deriveSeed, fillMatrix, sampleIndicesFrom, seedBytes, streamKey } from "./prng";
import { LAYOUT, kernels } from "./wasm/kernels";
import { GEMM_GROUP_ROWS, GEMM_MAX_BATCH, GEMM_MAX_N, GEMM_MIN_N, GEMM_PROJ_COLS, type GemmSizing } from "./sizing";

export const GEMM_SPEC_VERSION = 1;
/** Most openings per challenge. */
export const GEMM_MAX_OPENINGS = 256;
/** Default openings per challenge (see docs/challenges.md for the detection bound). */
export const GEMM_DEFAULT_OPENINGS = 8;
/** λ of the probabilistic rounding bound. */
export const GEMM_LAMBDA = 10;
/** Largest A chunk the node runner feeds to one session run, bytes. */
export const GEMM_CHUNK_BYTES = 64 * 1024 * 1024;

const U_FP32 = 2 ** -24;
const { IO, KERNEL_MAX_N, KEYS, KEY_SLOTS, KEY_SLOT_BYTES, OUT, OUT_A, ROW } = LAYOUT;
/** Unit roundoff of the format C is stored in after the product. */
const U_OUT: Record<Precision, number> = { fp32: 2 ** -24, tf32: 2 ** -24, fp16: 2 ** -11, bf16: 2 ** -8 };

export class GemmError extends Error {
  constructor(
    readonly code: "GemmBadSpec" | "GemmBadOpening" | "GemmRuntime",
    message: string,
    readonly cause?: unknown,
  ) {
    super(`${code}: ${message}`);
    this.name = "GemmError";
  }
}

export interface GemmSpec {
  kind: "gemm";
  version: number;
  /** Challenge seed (A matrices). */
  seed: Hex;
  /** Per-epoch, per-size seed (B and R), public. */
  sharedSeed: Hex;
  n: number;
  batch: number;
  precision: Precision;
  projCols: number;
  groupRows: number;
}

/** Seed of B and R for all gemm challenges of size n in an epoch (public to nodes). */
export function gemmSharedSeed(epochSeed: Hex, n: number): Hex {
  return deriveSeed(epochSeed, "poai.gemm.shared", n);
}

/** Seed of the oracle's secret Freivalds vector s for size n in an epoch (never sent to nodes). */
export function gemmSecretSeed(epochSeed: Hex, n: number): Hex {
  return deriveSeed(epochSeed, "poai.gemm.secret", n);
}

function isPow2(x: number): boolean {
  return Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;
}

/** Throws GemmBadSpec unless the spec is well formed. */
export function checkGemmSpec(spec: GemmSpec): void {
  const bad = (m: string) => {
    throw new GemmError("GemmBadSpec", m);
  };
  if (!spec || spec.kind !== "gemm") bad("kind must be gemm");
  if (spec.version !== GEMM_SPEC_VERSION) bad(`version ${spec.version} != ${GEMM_SPEC_VERSION}`);
  try {
    seedBytes(spec.seed);
    seedBytes(spec.sharedSeed);
  } catch {
    bad("seeds must be 32-byte hex");
  }
  if (!isPow2(spec.n) || spec.n < GEMM_MIN_N || spec.n > GEMM_MAX_N) bad(`n ${spec.n} must be a power of two in ${GEMM_MIN_N}..${GEMM_MAX_N}`);
  if (!Number.isInteger(spec.batch) || spec.batch < 1 || spec.batch > GEMM_MAX_BATCH) bad(`batch ${spec.batch} outside 1..${GEMM_MAX_BATCH}`);
  if (!(spec.precision in U_OUT)) bad(`precision ${spec.precision}`);
  if (spec.projCols !== GEMM_PROJ_COLS) bad(`projCols ${spec.projCols} != ${GEMM_PROJ_COLS}`);
  if (spec.groupRows !== GEMM_GROUP_ROWS) bad(`groupRows ${spec.groupRows} != ${GEMM_GROUP_ROWS}`);
}

/**
 * The challenge for `seed` at `sizing`. `sharedSeed` is the epoch's `gemmSharedSeed` (the oracle
 * passes it so its cache serves every challenge of the size); without it, one is derived from
 * the challenge seed (a stand-alone challenge).
 */
export function generateGemmChallenge(seed: Hex, sizing: Pick<GemmSizing, "n" | "batch" | "precision">, sharedSeed?: Hex): GemmSpec {
  seedBytes(seed);
  const spec: GemmSpec = {
    kind: "gemm",
    version: GEMM_SPEC_VERSION,
    seed,
    sharedSeed: sharedSeed ?? deriveSeed(seed, "poai.gemm.shared", sizing.n),
    n: sizing.n,
    batch: sizing.batch,
    precision: sizing.precision,
    projCols: GEMM_PROJ_COLS,
    groupRows: GEMM_GROUP_ROWS,
  };
  checkGemmSpec(spec);
  return spec;
}

const specHashMemo = new Map<string, Hex>();
const specHashBytesMemo = new Map<Hex, Uint8Array>();

/** `gemmSpecHash` as bytes (memoised like it; a copy is never handed out to be changed). */
function specHashBytes(spec: GemmSpec): Uint8Array {
  const h = gemmSpecHash(spec);
  let b = specHashBytesMemo.get(h);
  if (!b) {
    if (specHashBytesMemo.size >= SPEC_HASH_MEMO_MAX) specHashBytesMemo.clear();
    b = hexToBytes(h);
    specHashBytesMemo.set(h, b);
  }
  return b;
}
/** Most memoised spec hashes; the memo is cleared beyond it. */
const SPEC_HASH_MEMO_MAX = 1024;

/** keccak256 of the ABI encoding of every field: what a signature or evidence names. */
export function gemmSpecHash(spec: GemmSpec): Hex {
  const memoKey = `${spec.kind}|${spec.version}|${spec.seed}|${spec.sharedSeed}|${spec.n}|${spec.batch}|${spec.precision}|${spec.projCols}|${spec.groupRows}`;
  const hit = specHashMemo.get(memoKey);
  if (hit) return hit;
  const h = bytesToHex(
    keccak256Bytes(
      hexToBytes(
        encodeAbiParameters(
          [
            { type: "string" }, { type: "uint8" }, { type: "bytes32" }, { type: "bytes32" },
            { type: "uint32" }, { type: "uint32" }, { type: "string" }, { type: "uint8" }, { type: "uint8" },
          ],
          ["gemm", spec.version, spec.seed, spec.sharedSeed, spec.n, spec.batch, spec.precision, spec.projCols, spec.groupRows],
        ),
      ),
    ),
  );
  if (specHashMemo.size >= SPEC_HASH_MEMO_MAX) specHashMemo.clear();
  specHashMemo.set(memoKey, h);
  return h;
}

export const gemmRows = (spec: GemmSpec) => spec.batch * spec.n;
export const gemmLeaves = (spec: GemmSpec) => Math.ceil(gemmRows(spec) / spec.groupRows);

// ---------------------------------------------------------------- number formats

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Round-to-nearest-even of a float32 value to bf16 (kept as a number). */
function roundBf16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const rounded = (b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000;
  u32[0] = rounded >>> 0;
  return f32[0];
}

/** Round-to-nearest-even to fp16 (normal range; our values stay within it). */
function roundFp16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const e = Math.floor(Math.log2(Math.abs(x)));
  const ulp = 2 ** (Math.max(e, -14) - 10);
  const q = x / ulp;
  const r = Math.round(q);
  // Math.round rounds half up; make ties go to even.
  const tie = Math.abs(q - Math.trunc(q)) === 0.5;
  return (tie && r % 2 !== 0 ? r - Math.sign(q) : r) * ulp;
}

/** A value of C as stored after the product in the rated format. */
export function roundToOutput(precision: Precision, x: number): number {
  const v = Math.fround(x);
  if (precision === "bf16") return roundBf16(v);
  if (precision === "fp16") return roundFp16(v);
  return v;
}

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

/** float32 little-endian bytes (a copy). */
export function f32Bytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
  return out;
}

export function f32FromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new GemmError("GemmBadOpening", `byte length ${bytes.length} is not a multiple of 4`);
  const out = new Float32Array(bytes.length / 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

// ---------------------------------------------------------------- shared data

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

// ---------------------------------------------------------------- node side

export interface GemmRunOptions {
  /** onnxruntime execution providers in order of preference; default ['cuda', 'cpu']. */
  executionProviders?: string[];
  /** onnxruntime intra-op threads (0 = its default). */
  intraOpNumThreads?: number;
  /** Called after each chunk with the matrices done so far. */
  onProgress?: (done: number, total: number) => void;
}

export interface GemmRun {
  spec: GemmSpec;
  root: Hex;
  /** Merkle leaves, one per group of fingerprint rows. */
  leaves: Uint8Array[];
  /** relu(C)·R for every row, batch·n·m float32. */
  fingerprints: Float32Array;
  /** Execution provider that ran the product. */
  provider: string;
  /** setup = B, R, model and session; generate = A; compute = the session runs; hash = leaves and root. */
  timings: { setupMs: number; generateMs: number; computeMs: number; hashMs: number; totalMs: number };
  /** B, kept to answer openings. */
  B: Float32Array;
}

/** ONNX graph: D[c, n, m] = MatMul(Relu(MatMul(A[c, n, n], B[n, n])), R[n, m]). */
export async function buildGemmModel(spec: GemmSpec): Promise<Uint8Array> {
  const DT = onnx.TensorProto.DataType;
  const { n, projCols: m, precision } = spec;
  const vi = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
  });
  const nodes: Array<{ opType: string; input: string[]; output: string[]; name: string; attribute?: unknown[] }> = [];
  let a = "A";
  let b = "B";
  let c = "C";
  if (precision === "fp16" || precision === "bf16") {
    // Inputs are exact in the half format; the product runs there and C is cast back to fp32.
    const to = precision === "fp16" ? DT.FLOAT16 : DT.BFLOAT16;
    nodes.push({ opType: "Cast", input: ["A"], output: ["A_h"], name: "cast_a", attribute: [{ name: "to", type: 2, i: to }] });
    nodes.push({ opType: "Cast", input: ["B"], output: ["B_h"], name: "cast_b", attribute: [{ name: "to", type: 2, i: to }] });
    a = "A_h";
    b = "B_h";
    c = "C_h";
  }
  nodes.push({ opType: "MatMul", input: [a, b], output: [c], name: "product" });
  if (c !== "C") nodes.push({ opType: "Cast", input: [c], output: ["C"], name: "cast_c", attribute: [{ name: "to", type: 2, i: DT.FLOAT }] });
  nodes.push({ opType: "Relu", input: ["C"], output: ["C_relu"], name: "relu" });
  nodes.push({ opType: "MatMul", input: ["C_relu", "R"], output: ["D"], name: "fingerprint" });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "poai-engine-gemm",
    opsetImport: [{ domain: "", version: 17 }],
    graph: {
      name: "poai_gemm",
      node: nodes as never,
      input: [vi("A", ["c", n, n]), vi("B", [n, n]), vi("R", [n, m])] as never,
      output: [vi("D", ["c", n, m])] as never,
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

async function createSession(modelBytes: Uint8Array, opts: GemmRunOptions) {
  const providers = opts.executionProviders ?? ["cuda", "cpu"];
  let lastError: unknown;
  // Loop bound: the list of providers given (a handful).
  for (const provider of providers) {
    try {
      const session = await ort.InferenceSession.create(modelBytes, {
        executionProviders: [provider],
        intraOpNumThreads: opts.intraOpNumThreads ?? 0,
        graphOptimizationLevel: "all",
      });
      return { session, provider };
    } catch (e) {
      lastError = e; // CUDA absent on this host: try the next provider.
    }
  }
  throw new GemmError("GemmRuntime", `no execution provider of [${providers.join(", ")}] could run the gemm model`, lastError);
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

/** The node's work: every product, its fingerprints and the Merkle root. */
export async function runGemm(spec: GemmSpec, opts: GemmRunOptions = {}): Promise<GemmRun> {
  checkGemmSpec(spec);
  const t0 = performance.now();
  const { n, batch, projCols: m } = spec;
  const B = bMatrix(spec.sharedSeed, n);
  const R = rMatrix(spec.sharedSeed, n, m);
  const model = await buildGemmModel(spec);
  const { session, provider } = await createSession(model, opts);
  const fingerprints = new Float32Array(batch * n * m);
  const chunk = Math.max(1, Math.min(batch, Math.floor(GEMM_CHUNK_BYTES / (n * n * 4))));
  const A = new Float32Array(chunk * n * n);
  const tB = new ort.Tensor("float32", B, [n, n]);
  const tR = new ort.Tensor("float32", R, [n, m]);
  const setupMs = performance.now() - t0;
  let generateMs = 0;
  let computeMs = 0;
  try {
    // Loop bound: batch / chunk <= GEMM_MAX_BATCH iterations.
    for (let t = 0; t < batch; t += chunk) {
      const c = Math.min(chunk, batch - t);
      const g0 = performance.now();
      for (let q = 0; q < c; q++) fillMatrix(aKey(spec, t + q), n, n, 0, A.subarray(q * n * n, (q + 1) * n * n));
      const g1 = performance.now();
      const out = await session.run({ A: new ort.Tensor("float32", A.subarray(0, c * n * n), [c, n, n]), B: tB, R: tR });
      const D = out.D.data as Float32Array;
      fingerprints.set(D, t * n * m);
      computeMs += performance.now() - g1;
      generateMs += g1 - g0;
      opts.onProgress?.(t + c, batch);
    }
  } catch (e) {
    if (e instanceof GemmError) throw e;
    throw new GemmError("GemmRuntime", `onnxruntime failed on the gemm model: ${(e as Error).message}`, e);
  } finally {
    await session.release();
  }
  const h0 = performance.now();
  const leaves = fingerprintLeaves(spec, fingerprints);
  const root = bytesToHex(merkleRootBytes(leaves));
  const hashMs = performance.now() - h0;
  return { spec, root, leaves, fingerprints, provider, B, timings: { setupMs, generateMs, computeMs, hashMs, totalMs: performance.now() - t0 } };
}

/** Opened row i with its fingerprint group and the group's Merkle proof. */
export interface GemmOpening {
  index: number;
  /** Row i of C (n values). */
  row: Float32Array;
  /** The fingerprint rows of the leaf holding row i (groupRows·m values; fewer in a last partial group). */
  group: Float32Array;
  proof: Hex[];
}

/** The node answers openings from its run (recomputing each opened row in O(n²)). */
export function openGemm(run: GemmRun, indices: readonly number[]): GemmOpening[] {
  const { spec } = run;
  if (indices.length > GEMM_MAX_OPENINGS) throw new GemmError("GemmBadOpening", `${indices.length} openings > ${GEMM_MAX_OPENINGS}`);
  const m = spec.projCols;
  const g = spec.groupRows;
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= gemmRows(spec)) throw new GemmError("GemmBadOpening", `row ${index} out of range`);
  }
  // The tree is built once for all the proofs.
  const levels = indices.length > 0 ? merkleLevelsBytes(run.leaves) : [];
  return indices.map((index) => {
    const j = Math.floor(index / g);
    const group = run.fingerprints.slice(j * g * m, Math.min(gemmRows(spec), (j + 1) * g) * m);
    return { index, row: computeRow(spec, index, run.B), group, proof: merkleProofFromLevels(levels, j).map((p) => bytesToHex(p)) };
  });
}

/** The rows to open: `k` distinct rows drawn from keccak256(specHash ‖ root). */
export function chooseOpenings(spec: GemmSpec, root: Hex, k = GEMM_DEFAULT_OPENINGS): number[] {
  checkGemmSpec(spec);
  if (!Number.isInteger(k) || k < 1 || k > GEMM_MAX_OPENINGS) throw new GemmError("GemmBadOpening", `k ${k} outside 1..${GEMM_MAX_OPENINGS}`);
  const input = new Uint8Array(64);
  input.set(specHashBytes(spec), 0);
  input.set(seedBytes(root), 32);
  return sampleIndicesFrom(keccak256Bytes(input), "poai.gemm.open", gemmRows(spec), Math.min(k, gemmRows(spec)));
}

// ---------------------------------------------------------------- oracle side

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
  opts: GemmVerifyOptions = {},
): GemmVerdict {
  const t0 = performance.now();
  checkGemmSpec(spec);
  if (key.n !== spec.n || key.sharedSeed !== spec.sharedSeed) throw new GemmError("GemmBadSpec", "verifier key is for another size or epoch");
  const k = opts.k ?? GEMM_DEFAULT_OPENINGS;
  let expected: number[];
  try {
    expected = chooseOpenings(spec, root, k);
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
 * draws them with `chooseOpenings`; the benchmark calls this directly to time a proof depth it
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
  const zero = ("0x" + "00".repeat(32)) as Hex;
  let rowHash = zero;
  let groupHash = zero;
  let recomputed = zero;
  let index = 0;
  if (o && Number.isInteger(o.index) && o.index >= 0 && o.index < gemmRows(spec)) {
    index = o.index;
    rowHash = o.row instanceof Float32Array ? keccak256(f32Bytes(o.row)) : zero;
    groupHash = o.group instanceof Float32Array ? keccak256(f32Bytes(o.group)) : zero;
    recomputed = keccak256(f32Bytes(computeRow(spec, index, bMatrix(spec.sharedSeed, spec.n))));
  }
  const rootWord = /^0x[0-9a-fA-F]{64}$/.test(root) ? root : zero;
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "uint64" }, { type: "bytes32" }, { type: "bytes32" }, { type: "bytes32" }],
      [gemmSpecHash(spec), rootWord, BigInt(index), rowHash, groupHash, recomputed],
    ),
  );
}

// ---------------------------------------------------------------- transport

export interface GemmOpeningWire {
  index: number;
  /** base64 of float32 little-endian. */
  row: string;
  group: string;
  proof: Hex[];
}

export function encodeGemmOpening(o: GemmOpening): GemmOpeningWire {
  return {
    index: o.index,
    row: Buffer.from(f32Bytes(o.row)).toString("base64"),
    group: Buffer.from(f32Bytes(o.group)).toString("base64"),
    proof: [...o.proof],
  };
}

/** Decodes an opening from the wire; a malformed one is a GemmBadOpening error. */
export function decodeGemmOpening(w: GemmOpeningWire, spec: GemmSpec): GemmOpening {
  if (!w || !Number.isInteger(w.index) || typeof w.row !== "string" || typeof w.group !== "string" || !Array.isArray(w.proof)) {
    throw new GemmError("GemmBadOpening", "opening is missing fields");
  }
  const maxGroup = spec.groupRows * spec.projCols * 4;
  if (w.row.length > Math.ceil((spec.n * 4) / 3) * 4 + 4 || w.group.length > Math.ceil(maxGroup / 3) * 4 + 4) {
    throw new GemmError("GemmBadOpening", "opening is larger than the spec allows");
  }
  const row = f32FromBytes(Buffer.from(w.row, "base64"));
  const group = f32FromBytes(Buffer.from(w.group, "base64"));
  if (row.length !== spec.n) throw new GemmError("GemmBadOpening", `row of ${row.length} values, expected ${spec.n}`);
  return { index: w.index, row, group, proof: w.proof.map((p) => p) };
}
