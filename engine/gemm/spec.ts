/**
 * The gemm challenge's spec: `batch` products C_t = A_t · B of n x n matrices, what the oracle
 * sends, what a signature or evidence names (`gemmSpecHash`), and the rows opened after the
 * commitment (`chooseOpenings`). Pure; shared by the node kernel (kernel.ts), the oracle's
 * verifier (verify.ts) and the wire codec (protocol/wire/gemm.ts). Derivations and bounds:
 * docs/challenges.md, "gemm".
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
 * keccak256(specHash ‖ draw) (`chooseOpenings`), where the draw is secret to the node when it
 * commits: protocol/openings.ts mixes the issuing member's opening key, the challenge id and the
 * root (a draw from the root alone could be ground by re-committing until it misses made-up rows). For each, the node sends the row C_i as the
 * exact product A_i·B in fp32 whatever the rated precision (`computeRow`: O(n²), exact by
 * construction), the fingerprint group holding D_i, and its proof.
 */
import { bytesToHex, encodeAbiParameters, hexToBytes, type Hex } from "viem";
import type { Precision } from "../hardware";
import { keccak256Bytes } from "../keccak";
import { deriveSeed, sampleIndicesFrom, seedBytes } from "../prng";
import { GEMM_GROUP_ROWS, GEMM_MAX_BATCH, GEMM_MAX_N, GEMM_MIN_N, GEMM_PROJ_COLS, type GemmSizing } from "../sizing";
import { GemmError } from "./errors";
import { U_OUT } from "./formats";

export const GEMM_SPEC_VERSION = 1;
/** Most openings per challenge. */
export const GEMM_MAX_OPENINGS = 256;
/** Default openings per challenge (see docs/challenges.md for the detection bound). */
export const GEMM_DEFAULT_OPENINGS = 8;

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

/** True for 1, 2, 4, ...: matrix sizes are powers of two. */
export function isPow2(x: number): boolean {
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

/** Opened row i with its fingerprint group and the group's Merkle proof. */
export interface GemmOpening {
  index: number;
  /** Row i of C (n values). */
  row: Float32Array;
  /** The fingerprint rows of the leaf holding row i (groupRows·m values; fewer in a last partial group). */
  group: Float32Array;
  proof: Hex[];
}


/**
 * The rows to open: `k` distinct rows drawn from keccak256(specHash ‖ draw). `draw` is the
 * challenge's opening draw (protocol/openings.ts `openingDraw`: secret until the node has
 * committed); any 32 bytes are accepted, so tests without a member key pass a root or a label.
 */
export function chooseOpenings(spec: GemmSpec, draw: Hex, k = GEMM_DEFAULT_OPENINGS): number[] {
  checkGemmSpec(spec);
  if (!Number.isInteger(k) || k < 1 || k > GEMM_MAX_OPENINGS) throw new GemmError("GemmBadOpening", `k ${k} outside 1..${GEMM_MAX_OPENINGS}`);
  const input = new Uint8Array(64);
  input.set(specHashBytes(spec), 0);
  input.set(seedBytes(draw), 32);
  return sampleIndicesFrom(keccak256Bytes(input), "poai.gemm.open", gemmRows(spec), Math.min(k, gemmRows(spec)));
}
