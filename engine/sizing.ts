/**
 * Sizing: from a node's claim and a target time to the shape of its challenges.
 *
 * gemm: `batch` products of n x n matrices, 2·batch·n³ FLOPs, so that the claimed throughput
 * finishes in the target time. n is the largest power of two that
 *   - is at most GEMM_MAX_N (the sums stay exact in fp32, see prng.ts),
 *   - keeps the device working set (B, a chunk of A, its C, all at 4 bytes) within a quarter
 *     of one device's claimed memory,
 *   - leaves at least GEMM_MIN_BATCH matrices in the target time (timing granularity),
 * and at least GEMM_MIN_N. The oracle's cost does not grow with `batch`; it grows with n only
 * through its once-per-epoch cache (B·s) and O(n) work per opening, so a large n is cheap to
 * verify. GPUs get a target of at least GPU_MIN_TARGET_SECONDS: a challenge must run far longer
 * than network jitter (~50 ms) for its timing to mean anything.
 *
 * vram: `items` 64-byte items filling VRAM_FILL_FRACTION of the claimed memory.
 */
import { ENGINE_ERRORS, type EngineReasons } from "./error-codes";
import { PoaiError, type PoaiErrorOptions } from "./errors";
import { checkClaim, type NodeClaim, type Precision } from "./hardware";

/** Largest matrix dimension (see prng.ts: partial sums stay exact in fp32 up to here). */
export const GEMM_MAX_N = 4096;
export const GEMM_MIN_N = 64;
/** Fewest matrices in a challenge when n can still shrink. */
export const GEMM_MIN_BATCH = 4;
/** Most matrices in one challenge (bounds the node's loop and the Merkle tree). */
export const GEMM_MAX_BATCH = 1 << 20;
/** Columns of the public projection R (the node commits relu(C)·R per row). */
export const GEMM_PROJ_COLS = 4;
/** Rows of relu(C)·R per Merkle leaf. */
export const GEMM_GROUP_ROWS = 32;
/** Shortest target for a GPU class (timing well above ~50 ms network jitter). */
export const GPU_MIN_TARGET_SECONDS = 2;
/**
 * Default target for a GPU class. Node work per opening is the budget that buys the
 * verification ratio: the oracle spends ~0.3-0.45 ms of CPU per opening (bench:verify), so
 * T / k = 5 s / 8 openings = 0.625 s of GPU work per opening keeps verification > 1000x
 * cheaper; 17 challenges per epoch then use 85 s of an hour (2.4 %) of a GPU's time.
 */
export const GPU_DEFAULT_TARGET_SECONDS = 5;
/** Share of claimed memory the vram challenge fills. */
export const VRAM_FILL_FRACTION = 0.9;
/** Bytes per vram item. */
export const VRAM_ITEM_BYTES = 64;

/** A sizing target or bound out of range, or claimed memory too small for a challenge (EN30x). */
export class SizingError extends PoaiError {
  override name = "SizingError";

  constructor(
    readonly reason: EngineReasons<"Sizing">,
    shortMessage: string,
    opts?: PoaiErrorOptions,
  ) {
    super(ENGINE_ERRORS[reason], shortMessage, opts);
  }
}

export interface GemmSizing {
  n: number;
  batch: number;
  precision: Precision;
  /** Columns of the projection R. */
  projCols: number;
  /** Rows per Merkle leaf. */
  groupRows: number;
  /** 2·batch·n³. */
  flops: number;
  /** flops at the claimed throughput, seconds. */
  expectedSeconds: number;
}

export interface SizingOptions {
  /** Target seconds at the claimed throughput; GPU classes are raised to GPU_MIN_TARGET_SECONDS. */
  targetSeconds?: number;
  /** Upper bound on n (tests use small matrices). */
  maxN?: number;
}

function isPow2(x: number): boolean {
  return Number.isInteger(x) && x > 0 && (x & (x - 1)) === 0;
}

export function sizeGemm(claim: NodeClaim, opts: SizingOptions = {}): GemmSizing {
  const cls = checkClaim(claim);
  let target = opts.targetSeconds ?? (cls.kind === "gpu" ? GPU_DEFAULT_TARGET_SECONDS : 1);
  if (!Number.isFinite(target) || target <= 0 || target > 3600) {
    throw new SizingError("SizingBadTarget", `target ${target} s outside (0, 3600]`);
  }
  if (cls.kind === "gpu") target = Math.max(target, GPU_MIN_TARGET_SECONDS);
  const maxN = opts.maxN ?? GEMM_MAX_N;
  if (!isPow2(maxN) || maxN < GEMM_MIN_N || maxN > GEMM_MAX_N) {
    throw new SizingError("SizingBadTarget", `maxN ${maxN} must be a power of two in ${GEMM_MIN_N}..${GEMM_MAX_N}`);
  }
  const rate = claim.gflops * 1e9;
  const budget = rate * target;
  const deviceBytes = (claim.vramMiB / claim.gpuCount) * 1024 * 1024;
  let n = maxN;
  // Loop bound: log2(GEMM_MAX_N / GEMM_MIN_N) = 6 halvings.
  while (n > GEMM_MIN_N) {
    const fitsMemory = 3 * n * n * 4 <= deviceBytes / 4;
    const enoughMatrices = budget / (2 * n ** 3) >= GEMM_MIN_BATCH;
    if (fitsMemory && enoughMatrices) break;
    n /= 2;
  }
  if (3 * n * n * 4 > deviceBytes / 4) throw new SizingError("SizingTooSmall", `claimed memory too small for n=${n}`);
  // Rounded up: an honest node is never given less work than the target.
  const batch = Math.min(GEMM_MAX_BATCH, Math.max(1, Math.ceil(budget / (2 * n ** 3))));
  const flops = 2 * batch * n ** 3;
  return {
    n,
    batch,
    precision: cls.ratedPrecision,
    projCols: GEMM_PROJ_COLS,
    groupRows: GEMM_GROUP_ROWS,
    flops,
    expectedSeconds: flops / rate,
  };
}

export interface VramSizing {
  /** 64-byte items in the buffer. */
  items: number;
  bytes: number;
}

/**
 * Items for a buffer filling VRAM_FILL_FRACTION of the claimed memory, rounded down to a power
 * of two (the probe walk indexes with a mask). `scaleBytes` overrides the size (tests and CPU
 * hosts use a scaled-down buffer).
 */
export function sizeVram(claim: NodeClaim, scaleBytes?: number): VramSizing {
  checkClaim(claim);
  const bytes = scaleBytes ?? claim.vramMiB * 1024 * 1024 * VRAM_FILL_FRACTION;
  if (!Number.isFinite(bytes) || bytes < VRAM_ITEM_BYTES * 1024) {
    throw new SizingError("SizingTooSmall", `vram buffer of ${bytes} bytes is below 1024 items`);
  }
  const items = 2 ** Math.floor(Math.log2(bytes / VRAM_ITEM_BYTES));
  return { items, bytes: items * VRAM_ITEM_BYTES };
}
