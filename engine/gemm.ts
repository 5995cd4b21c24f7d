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
import { bytesToHex, concat, encodeAbiParameters, hexToBytes, keccak256, type Hex } from "viem";
import { keccak256Bytes } from "./keccak";
import type { Precision } from "./hardware";
import { MERKLE_MAX_PROOF_LENGTH, hashPairBytes, hex32ToBytes, leafHashBytes, merkleProofBytes, merkleRootBytes } from "./merkle";
import { deriveSeed, fillMatrix, sampleIndices, seedBytes, streamKey } from "./prng";
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
  return indices.map((index) => {
    if (!Number.isInteger(index) || index < 0 || index >= gemmRows(spec)) throw new GemmError("GemmBadOpening", `row ${index} out of range`);
    const j = Math.floor(index / g);
    const group = run.fingerprints.slice(j * g * m, Math.min(gemmRows(spec), (j + 1) * g) * m);
    return { index, row: computeRow(spec, index, run.B), group, proof: merkleProofBytes(run.leaves, j).map((p) => bytesToHex(p)) };
  });
}

/** The rows to open: `k` distinct rows drawn from keccak256(specHash ‖ root). */
export function chooseOpenings(spec: GemmSpec, root: Hex, k = GEMM_DEFAULT_OPENINGS): number[] {
  checkGemmSpec(spec);
  if (!Number.isInteger(k) || k < 1 || k > GEMM_MAX_OPENINGS) throw new GemmError("GemmBadOpening", `k ${k} outside 1..${GEMM_MAX_OPENINGS}`);
  const seed = bytesToHex(keccak256Bytes(hexToBytes(concat([gemmSpecHash(spec), seedBytesOf(root)]))));
  return sampleIndices(seed, "poai.gemm.open", gemmRows(spec), Math.min(k, gemmRows(spec)));
}

function seedBytesOf(root: Hex): Hex {
  seedBytes(root);
  return root;
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

/** Threshold of |C_ij| from which fp32 may round C_ij (a multiple of 2^-16 needs 24 bits). */
const FP32_EXACT_BELOW = 2 ** 8;

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

/** Doubles per row of the verifier's interleaved tables (`verifierTables`). */
const ROW_TABLE_STRIDE = 10;
const A_TABLE_STRIDE = 6;

interface VerifierTables {
  /** Per column j: R_j0..R_j3, |R_j0|..|R_j3|, s_j, |s_j| (one cache line and a bit per j). */
  row: Float64Array;
  /** Per column l: |B||R|_l0..l3, (B·s)_l, (|B||s|)_l. */
  a: Float64Array;
}

/** Tables derived from a key, built once per key (O(n·m)) and kept as long as the key. */
const tablesOf = new WeakMap<GemmVerifierKey, VerifierTables>();

/**
 * The key's vectors interleaved in the order the verifier's loops read them, so each loop reads
 * one array sequentially. Pure rearrangement: the same values as key.R, key.s, key.absBR,
 * key.Bs and key.absBs (|x| taken once here instead of once per opening).
 */
function verifierTables(key: GemmVerifierKey): VerifierTables {
  const hit = tablesOf.get(key);
  if (hit) return hit;
  const { n, R, s, absBR, Bs, absBs } = key;
  const row = new Float64Array(n * ROW_TABLE_STRIDE);
  const a = new Float64Array(n * A_TABLE_STRIDE);
  for (let j = 0; j < n; j++) {
    const p = j * ROW_TABLE_STRIDE;
    for (let c = 0; c < 4; c++) {
      row[p + c] = R[j * 4 + c];
      row[p + 4 + c] = Math.abs(R[j * 4 + c]);
      a[j * A_TABLE_STRIDE + c] = absBR[j * 4 + c];
    }
    row[p + 8] = s[j];
    row[p + 9] = Math.abs(s[j]);
    a[j * A_TABLE_STRIDE + 4] = Bs[j];
    a[j * A_TABLE_STRIDE + 5] = absBs[j];
  }
  const t = { row, a };
  tablesOf.set(key, t);
  return t;
}

/**
 * One pass over an opened row: relu(row)·R, relu(row)·|R|, |row|·|R| (4 columns each),
 * row·s, at [13] 0 (|row|·|s|, which only the worst-case tolerance needs, is `rowAbsDotS`), at [14] a flag set when a value is not finite, and at [15]
 * Σ_{|row_j| >= 2^8} |row_j|·|s_j| (the entries fp32 may have rounded). Kept small and
 * monomorphic so the engine optimises it (it is the oracle's inner loop). T is the key's
 * interleaved row table (`verifierTables`).
 */
function rowSums(row: Float32Array, T: Float64Array, n: number, out: Float64Array): void {
  let dot0 = 0, dot1 = 0, dot2 = 0, dot3 = 0;
  let mag0 = 0, mag1 = 0, mag2 = 0, mag3 = 0;
  let all0 = 0, all1 = 0, all2 = 0, all3 = 0;
  let lhs = 0, bigMag = 0;
  let nonFinite = 0;
  for (let j = 0, p = 0; j < n; j++, p += ROW_TABLE_STRIDE) {
    const v = row[j];
    nonFinite += v * 0; // ±0 for a finite v; NaN from the first NaN or ±Infinity on
    const av = Math.abs(v);
    // relu(v) without a branch, exactly: v + |v| is 2v (exact) or +0, and halving is exact. For
    // v <= 0 the terms below are ±0, which leave every sum (started at +0) bit for bit unchanged.
    const vp = (v + av) * 0.5;
    const a0 = T[p + 4], a1 = T[p + 5], a2 = T[p + 6], a3 = T[p + 7];
    dot0 += vp * T[p]; dot1 += vp * T[p + 1]; dot2 += vp * T[p + 2]; dot3 += vp * T[p + 3];
    mag0 += vp * a0; mag1 += vp * a1; mag2 += vp * a2; mag3 += vp * a3;
    all0 += av * a0; all1 += av * a1; all2 += av * a2; all3 += av * a3;
    lhs += v * T[p + 8];
    if (av >= FP32_EXACT_BELOW) bigMag += av * T[p + 9];
  }
  out[0] = dot0; out[1] = dot1; out[2] = dot2; out[3] = dot3;
  out[4] = mag0; out[5] = mag1; out[6] = mag2; out[7] = mag3;
  out[8] = all0; out[9] = all1; out[10] = all2; out[11] = all3;
  out[12] = lhs; out[13] = 0; out[14] = nonFinite === 0 ? 0 : 1; out[15] = bigMag;
}

/** Σ |row_j|·|s_j| in the order rowSums would sum it: only the worst-case tolerance reads it. */
function rowAbsDotS(row: Float32Array, T: Float64Array, n: number): number {
  let acc = 0;
  for (let j = 0, p = 0; j < n; j++, p += ROW_TABLE_STRIDE) acc += Math.abs(row[j]) * T[p + 9];
  return acc;
}

/**
 * One pass over A_t's row r, generated on the fly from the stream key (no row buffer):
 * |a|·(|B||R|) (4 columns), a·(B·s), |a|·(|B||s|). The entries are the ones `fillMatrix`
 * (prng.ts) generates for (hi = r, lo = l), computed in int32 arithmetic: the same 32-bit
 * values, since xor, shifts and Math.imul only see the low 32 bits and (x + k2) is exact before
 * its wrap (a test pins a = aRow). T is the key's interleaved A table (`verifierTables`). Without
 * `withBounds` only a·(B·s) is summed and the bound sums stay 0: the probabilistic tolerance
 * never reads them (it weighs |a|·(|B||R|) by 0 and uses no Freivalds bound).
 */
function aSums(spec: GemmSpec, t: number, r: number, T: Float64Array, n: number, out: Float64Array, withBounds: boolean): void {
  const key = aKey(spec, t);
  const k0 = key[0] | 0, k1 = key[1] | 0, k2 = key[2] | 0, k3 = key[3] | 0;
  const hk1 = r ^ k1;
  let abr0 = 0, abr1 = 0, abr2 = 0, abr3 = 0, rhs = 0, bound = 0;
  for (let l = 0, p = 0; l < n; l++, p += A_TABLE_STRIDE) {
    let x = l ^ k0;
    x ^= x >>> 17; x = Math.imul(x, 0xed5ad4bb); x ^= x >>> 11; x = Math.imul(x, 0xac4c1b51); x ^= x >>> 15; x = Math.imul(x, 0x31848bab); x ^= x >>> 14;
    x ^= hk1;
    x ^= x >>> 17; x = Math.imul(x, 0xed5ad4bb); x ^= x >>> 11; x = Math.imul(x, 0xac4c1b51); x ^= x >>> 15; x = Math.imul(x, 0x31848bab); x ^= x >>> 14;
    x = (x + k2) | 0;
    x ^= x >>> 17; x = Math.imul(x, 0xed5ad4bb); x ^= x >>> 11; x = Math.imul(x, 0xac4c1b51); x ^= x >>> 15; x = Math.imul(x, 0x31848bab); x ^= x >>> 14;
    const al = (((x ^ k3) >>> 23) - 256) / 256; // k/256 (prng.ts MATRIX_SCALE = 256), exact
    rhs += al * T[p + 4];
    if (withBounds) {
      const aa = Math.abs(al);
      abr0 += aa * T[p]; abr1 += aa * T[p + 1]; abr2 += aa * T[p + 2]; abr3 += aa * T[p + 3];
      bound += aa * T[p + 5];
    }
  }
  out[0] = abr0; out[1] = abr1; out[2] = abr2; out[3] = abr3; out[4] = rhs; out[5] = bound;
}

/** A_t's row r as the verifier generates it (`aSums`), for the test that pins it to `aRow`. */
export function verifierARowDot(spec: GemmSpec, t: number, r: number, v: Float64Array): number {
  const T = new Float64Array(spec.n * A_TABLE_STRIDE);
  for (let l = 0; l < spec.n; l++) T[l * A_TABLE_STRIDE + 4] = v[l];
  const out = new Float64Array(6);
  aSums(spec, t, r, T, spec.n, out, false);
  return out[4];
}

/** A proof of this challenge already folded to the root: its nodes (leaf first) and siblings. */
interface VerifiedPath {
  nodes: Uint8Array[];
  proof: readonly Uint8Array[];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `verifyMerkleProofBytes` (merkle.ts) with the same answer for every input, sharing work between
 * the openings of one challenge: while folding, once the running node equals the node at the same
 * depth of a proof already verified under this root, and the remaining siblings are byte for byte
 * that proof's remaining siblings, the rest of the fold is that proof's, which reached the root,
 * so it stops there. Openings in the same leaf, or whose paths meet near the root, skip those
 * hashes. Bounded: proofs of at most MERKLE_MAX_PROOF_LENGTH siblings, one path kept per opening.
 */
function verifyProofShared(root: Uint8Array, leaf: Uint8Array, proof: readonly Uint8Array[], verified: VerifiedPath[]): boolean {
  if (root.length !== 32 || leaf.length !== 32 || proof.length > MERKLE_MAX_PROOF_LENGTH) return false;
  for (const p of proof) if (p.length !== 32) return false;
  const nodes: Uint8Array[] = [leaf];
  let h = leaf;
  for (let d = 0; d <= proof.length; d++) {
    for (const v of verified) {
      if (v.proof.length !== proof.length || !sameBytes(v.nodes[d], h)) continue;
      let tail = true;
      for (let e = d; e < proof.length && tail; e++) tail = v.proof[e] === proof[e] || sameBytes(v.proof[e], proof[e]);
      if (tail) return true;
    }
    if (d === proof.length) break;
    h = hashPairBytes(h, proof[d]);
    nodes.push(h);
  }
  if (!sameBytes(h, root)) return false;
  verified.push({ nodes, proof });
  return true;
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
  const tables = verifierTables(key);
  const rs = new Float64Array(16);
  const as = new Float64Array(6);
  const verifiedPaths: VerifiedPath[] = [];
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
    const leaf = leafHashBytes(f32Bytes(o.group));
    const proof: (Uint8Array | null)[] = Array.isArray(o.proof) && o.proof.length <= MERKLE_MAX_PROOF_LENGTH ? o.proof.map(hex32ToBytes) : [null];
    if (!rootBytes || proof.some((x) => x === null) || !verifyProofShared(rootBytes, leaf, proof as Uint8Array[], verifiedPaths)) {
      checks.push({ index, ok: false, reason: "GemmProofInvalid", fingerprintRatio: NaN, freivaldsRatio: NaN });
      return done("GemmProofInvalid", `row ${index}: group ${j} does not open under the root`, o);
    }
    // One pass over the sent row (j) and one over A's row (l) gather every sum both checks
    // need; m = GEMM_PROJ_COLS = 4 columns are unrolled.
    rowSums(o.row, tables.row, n, rs);
    if (mode === "worst-case" && rs[14] === 0) rs[13] = rowAbsDotS(o.row, tables.row, n);
    if (rs[14] !== 0) return done("GemmMalformedOpening", `row ${index}: non-finite values`, o);
    const [dot0, dot1, dot2, dot3, mag0, mag1, mag2, mag3, all0, all1, all2, all3, lhs, lhsMag, , bigMag] = rs;
    const t = Math.floor(index / n);
    aSums(spec, t, index % n, tables.a, n, as, mode === "worst-case");
    const [abr0, abr1, abr2, abr3, rhs, bound] = as;
    // 2. relu(row)·R matches the committed fingerprint. Tolerance (see the file header): the
    //    fp32 accumulation of the fingerprint product (θ·Σ relu(C)|R| + u·|D|), plus the rated
    //    format's rounding of the kernel's C against the exact row (u_out·Σ|C||R|), plus 2^-40 of
    //    the magnitude for the oracle's own float64 sums. Worst-case mode adds the kernel's
    //    accumulation error of C (γ_n·|A_i|·|B||R|), which exact-by-construction sums never have.
    const local = (index - j * g) * m;
    const dots = [dot0, dot1, dot2, dot3];
    const mags = [mag0, mag1, mag2, mag3];
    const alls = [all0, all1, all2, all3];
    const abrs = [abr0, abr1, abr2, abr3];
    const cTheta = mode === "worst-case" ? th : 0;
    let fpRatio = 0;
    for (let c = 0; c < m; c++) {
      const committed = o.group[local + c];
      const tol = th * mags[c] + U_FP32 * Math.abs(committed) + cTheta * abrs[c] + uOut * alls[c] + 2 ** -40 * (mags[c] + 1);
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
