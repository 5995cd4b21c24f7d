/**
 * Counter-based seeded generator for challenge data.
 *
 * A stream is named by (32-byte seed, stream tag, stream index); its key is
 * `keccak256(seed ‖ keccak256(tag) ‖ uint64be(index))`, cut into eight 32-bit words. A value
 * of the stream at a 64-bit counter (hi, lo) is a keyed integer hash of the counter: three
 * rounds of "xor a key word, then the triple32 finalizer" (Chris Wellons' low-bias 32-bit
 * permutation), so value (hi, lo) depends on nothing else: any row of a matrix or item of a
 * batch is regenerated on its own, by either side, in any order, on any thread.
 *
 * It is not a cryptographic generator: it only has to make challenge data look random to a
 * kernel. Everything secret or adversarial (the choice of openings, probe positions) is derived
 * with keccak256 directly.
 *
 * Matrix entries are `k / 256` with k an integer in [-256, 255]: values in [-1, 1) that are
 * exact in fp32, tf32, fp16 and bf16 (every |k| <= 256 has at most 8 significant bits), but not
 * in int8 or fp8 (k needs 9 bits), so a node cannot swap in a cheaper number format and keep
 * the exact answer. A product of two entries is a multiple of 2^-16 of magnitude <= 1, so an
 * fp32 sum of such products is exact while every partial sum stays below 2^8 in magnitude:
 * honest kernels of any of these precisions, summing in any order, return the same bits
 * (see docs/challenges.md for when that holds and the tolerance used otherwise).
 */
import { ENGINE_ERRORS, type EngineReasons } from "./error-codes";
import { PoaiError, type PoaiErrorOptions } from "./errors";
import { bytesToHex, keccak256, stringToBytes, type Hex } from "viem";
import { keccak256Bytes } from "./keccak";
import { hex32ToBytes } from "./merkle";

/** Scale of matrix entries: value = k / MATRIX_SCALE, k in [-MATRIX_SCALE, MATRIX_SCALE). */
export const MATRIX_SCALE = 256;
/** Longest row or column generated in one call (bounds every fill loop). */
export const PRNG_MAX_DIM = 1 << 16;
/** Largest number of values generated in one call: 2^28 (1 GiB of float32). */
export const PRNG_MAX_VALUES = 1 << 28;

/** A seed, shape or stream index the generator does not accept (EN00x). */
export class PrngError extends PoaiError {
  override name = "PrngError";

  constructor(
    readonly reason: EngineReasons<"Prng">,
    shortMessage: string,
    opts?: PoaiErrorOptions,
  ) {
    super(ENGINE_ERRORS[reason], shortMessage, opts);
  }
}

/** Eight 32-bit key words of one stream. */
export type StreamKey = Uint32Array;

const tagCache = new Map<string, Uint8Array>();

function tagHash(tag: string): Uint8Array {
  let h = tagCache.get(tag);
  if (!h) {
    h = keccak256(stringToBytes(tag), "bytes");
    tagCache.set(tag, h);
  }
  return h;
}

/** 32-byte seed given as hex, checked. */
export function seedBytes(seed: Hex): Uint8Array {
  const b = hex32ToBytes(seed);
  if (!b) throw new PrngError("PrngBadSeed", `seed must be 32 bytes of hex, got ${String(seed).slice(0, 80)}`);
  return b;
}

/** `keccak256(seed ‖ keccak256(tag) ‖ uint64be(index))` as hex: a sub-seed. */
export function deriveSeed(seed: Hex, tag: string, index: number | bigint = 0): Hex {
  return bytesToHex(keccak256Bytes(deriveInput(seed, tag, index)));
}

/** `seed ‖ keccak256(tag) ‖ uint64be(index)`, the input of `deriveSeed`. */
function deriveInput(seed: Hex | Uint8Array, tag: string, index: number | bigint): Uint8Array {
  const buf = new Uint8Array(72);
  buf.set(typeof seed === "string" ? seedBytes(seed) : seed, 0);
  buf.set(tagHash(tag), 32);
  const dv = new DataView(buf.buffer);
  if (typeof index === "number" && Number.isSafeInteger(index) && index >= 0) {
    // The same eight bytes as setBigUint64 (big-endian), without a BigInt.
    dv.setUint32(64, Math.floor(index / 4294967296), false);
    dv.setUint32(68, index >>> 0, false);
    return buf;
  }
  const idx = BigInt(index);
  if (idx < 0n || idx >= 1n << 64n) throw new PrngError("PrngBadIndex", `stream index ${idx} outside uint64`);
  dv.setBigUint64(64, idx, false);
  return buf;
}

/** Key of stream (seed, tag, index); the seed as hex or as its 32 bytes. */
export function streamKey(seed: Hex | Uint8Array, tag: string, index: number | bigint = 0): StreamKey {
  if (typeof seed !== "string" && seed.length !== 32) throw new PrngError("PrngBadSeed", `seed of ${seed.length} bytes, expected 32`);
  const h = keccak256Bytes(deriveInput(seed, tag, index));
  const dv = new DataView(h.buffer, h.byteOffset, 32);
  const k = new Uint32Array(8);
  for (let i = 0; i < 8; i++) k[i] = dv.getUint32(i * 4, true);
  return k;
}

/** Wellons' lowbias32 finalizer: a bijection on 32-bit integers with full avalanche. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** triple32 finalizer: a bijection on 32-bit integers with very low avalanche bias. */
export function triple32(x: number): number {
  x ^= x >>> 17;
  x = Math.imul(x, 0xed5ad4bb);
  x ^= x >>> 11;
  x = Math.imul(x, 0xac4c1b51);
  x ^= x >>> 15;
  x = Math.imul(x, 0x31848bab);
  x ^= x >>> 14;
  return x >>> 0;
}

/** The stream's 32-bit value at counter (hi, lo); both counters are uint32. */
export function randomU32(key: StreamKey, hi: number, lo: number): number {
  let x = triple32((lo ^ key[0]) >>> 0);
  x = triple32((x ^ hi ^ key[1]) >>> 0);
  x = triple32((x + key[2]) >>> 0);
  return (x ^ key[3]) >>> 0;
}

/** Matrix entry from a 32-bit value: k / 256 with k = top 9 bits - 256, in [-1, 1). */
export function gridValue(u: number): number {
  return ((u >>> 23) - MATRIX_SCALE) / MATRIX_SCALE;
}

function checkShape(rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1 || cols > PRNG_MAX_DIM) {
    throw new PrngError("PrngBadShape", `bad shape ${rows}x${cols}`);
  }
  if (rows * cols > PRNG_MAX_VALUES) throw new PrngError("PrngBadShape", `${rows}x${cols} exceeds ${PRNG_MAX_VALUES} values`);
}

/**
 * Rows [rowStart, rowStart + rows) of the stream's matrix with `cols` columns, row-major, as
 * float32 (exact: every entry is k/256). Entry (r, c) is `gridValue(randomU32(key, r, c))`.
 */
export function fillMatrix(key: StreamKey, rows: number, cols: number, rowStart = 0, out?: Float32Array): Float32Array {
  checkShape(rows, cols);
  if (!Number.isInteger(rowStart) || rowStart < 0 || rowStart + rows > 2 ** 32) {
    throw new PrngError("PrngBadIndex", `row start ${rowStart} outside uint32`);
  }
  const m = out ?? new Float32Array(rows * cols);
  if (m.length < rows * cols) throw new PrngError("PrngBadShape", `output of ${m.length} < ${rows * cols}`);
  const k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3];
  let p = 0;
  for (let r = 0; r < rows; r++) {
    const hi = rowStart + r;
    for (let c = 0; c < cols; c++) {
      // Inlined randomU32 + gridValue (hot loop); kept identical to them by a test.
      let x = (c ^ k0) >>> 0;
      x ^= x >>> 17; x = Math.imul(x, 0xed5ad4bb); x ^= x >>> 11; x = Math.imul(x, 0xac4c1b51); x ^= x >>> 15; x = Math.imul(x, 0x31848bab); x ^= x >>> 14;
      x = (x ^ hi ^ k1) >>> 0;
      x ^= x >>> 17; x = Math.imul(x, 0xed5ad4bb); x ^= x >>> 11; x = Math.imul(x, 0xac4c1b51); x ^= x >>> 15; x = Math.imul(x, 0x31848bab); x ^= x >>> 14;
      x = ((x >>> 0) + k2) >>> 0;
      x ^= x >>> 17; x = Math.imul(x, 0xed5ad4bb); x ^= x >>> 11; x = Math.imul(x, 0xac4c1b51); x ^= x >>> 15; x = Math.imul(x, 0x31848bab); x ^= x >>> 14;
      x = ((x >>> 0) ^ k3) >>> 0;
      m[p++] = ((x >>> 23) - MATRIX_SCALE) / MATRIX_SCALE;
    }
  }
  return m;
}

/** One row of the stream's matrix (float64 copy of the exact float32 entries). */
export function matrixRow(key: StreamKey, row: number, cols: number): Float64Array {
  return Float64Array.from(fillMatrix(key, 1, cols, row));
}

/**
 * `count` distinct indices in [0, bound), uniform, derived with keccak256 from `seed` (used for
 * openings and probes, where the choice must be unpredictable before `seed` is known). Draws
 * 64 bits per candidate and reduces modulo `bound` (bias < bound / 2^64). Bounded: at most
 * `count * 64 + 64` draws (a duplicate is redrawn; with count << bound that is rare).
 */
export function sampleIndices(seed: Hex, tag: string, bound: number, count: number): number[] {
  return sampleIndicesFrom(seedBytes(seed), tag, bound, count);
}

/**
 * (draw value) mod bound for the big-endian 64-bit value in h[0..8): BigInt-free while
 * bound <= 2^37 (every intermediate below 2^53, so exact), BigInt above.
 */
export function mod64(h: Uint8Array, bound: number): number {
  const dv = new DataView(h.buffer, h.byteOffset, 8);
  if (bound <= 2 ** 37) {
    const hi = dv.getUint32(0, false);
    const lo = dv.getUint32(4, false);
    let r = hi % bound;
    r = (r * 65536 + (lo >>> 16)) % bound;
    return (r * 65536 + (lo & 0xffff)) % bound;
  }
  return Number(dv.getBigUint64(0, false) % BigInt(bound));
}

/** `sampleIndices` with the seed given as its 32 bytes. */
export function sampleIndicesFrom(seed: Uint8Array, tag: string, bound: number, count: number): number[] {
  if (!Number.isSafeInteger(bound) || bound < 1) throw new PrngError("PrngBadShape", `bound ${bound}`);
  if (!Number.isInteger(count) || count < 0 || count > bound) {
    throw new PrngError("PrngBadShape", `cannot draw ${count} distinct indices below ${bound}`);
  }
  if (seed.length !== 32) throw new PrngError("PrngBadSeed", `seed of ${seed.length} bytes, expected 32`);
  const out: number[] = [];
  const seen = new Set<number>();
  const maxDraws = count * 64 + 64;
  // deriveInput(seed, tag, d): the first 64 bytes once, then the draw index (uint64, big-endian).
  const input = deriveInput(seed, tag, 0);
  const dv = new DataView(input.buffer);
  for (let d = 0; out.length < count; d++) {
    if (d >= maxDraws) throw new PrngError("PrngBadShape", `no ${count} distinct indices below ${bound} in ${maxDraws} draws`);
    dv.setUint32(64, Math.floor(d / 4294967296), false);
    dv.setUint32(68, d >>> 0, false);
    const i = mod64(keccak256Bytes(input), bound);
    if (!seen.has(i)) {
      seen.add(i);
      out.push(i);
    }
  }
  return out;
}
