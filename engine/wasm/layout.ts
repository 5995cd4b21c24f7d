/**
 * The kernels' memory map (one instance per process, fixed size, never grown):
 *   [0, 4096)             keccak state, round constants, padding block, pair buffer, outputs;
 *   [IO, IO + IO_BYTES)    input of keccak256 (longer inputs are absorbed in chunks of it);
 *   [ROW, ROW + 16 KiB)   the opened row (float32, n <= 4096);
 *   [PATHS, ...)          Merkle paths of a challenge's openings, then the hex text of one proof;
 *   [KEYS, ...)           KEY_SLOTS slots of a verifier key's tables (KEY_SLOT_BYTES each).
 */

export const STATE = 64;
export const RC_ADDR = 320;
export const PAD = 512;
export const PAIR = 768;
export const TMP = 896;
/** 16 float64 results of a kernel. */
export const OUT = 1024;
/** A keccak256 digest written by the JS wrappers below. */
export const DIGEST = 1152;
/** The two words of a pair hashed by hashPairWasm. */
export const PAIR_IN = 1216;
/** 6 float64 results of the A pass (apart from OUT, so both passes' results can be read together). */
export const OUT_A = 1280;
/** Hex digit values of the 256 byte values (255: not a hex digit). */
export const HEX_TABLE = 1536;
export const IO = 4096;
export const IO_BYTES = 65536;
export const ROW = IO + IO_BYTES;
/** Largest n of a gemm row or key table (GEMM_MAX_N). */
export const KERNEL_MAX_N = 4096;
/**
 * Merkle paths of the openings of one challenge: PATH_SLOTS kept slots and one scratch slot,
 * each the siblings (24 words) and the nodes from leaf to root (25 words) of one opening; then
 * the root word.
 */
export const PATHS = ROW + 4 * KERNEL_MAX_N;
export const PATH_SLOTS = 32;
export const PATH_MAX = 24;
export const PATH_SIBS = 0;
export const PATH_NODES = 32 * PATH_MAX;
export const PATH_SLOT_BYTES = PATH_NODES + 32 * (PATH_MAX + 1);
export const PATH_ROOT = PATHS + (PATH_SLOTS + 1) * PATH_SLOT_BYTES;
/** Staging area of the hex text of one proof (PATH_MAX records of 66 ASCII bytes). */
export const HEX_IN = PATH_ROOT + 32;
export const KEYS = HEX_IN + 66 * PATH_MAX + 64;
/** Bytes of one key slot: row table 80 n, B·s 8 n, bounds table 40 n. */
export const KEY_SLOT_BYTES = 128 * KERNEL_MAX_N;
export const KEY_SLOTS = 4;
export const PAGES = Math.ceil((KEYS + KEY_SLOTS * KEY_SLOT_BYTES) / 65536);

/**
 * The layout above as one object: importers destructure it into module constants once (an
 * imported binding compiled to CommonJS is a getter call on every read, which shows in hot loops).
 */
export const LAYOUT = Object.freeze({
  OUT, OUT_A, DIGEST, IO, IO_BYTES, ROW, KERNEL_MAX_N, PATHS, PATH_SLOTS, PATH_MAX, PATH_SIBS, PATH_NODES,
  PATH_SLOT_BYTES, PATH_ROOT, HEX_IN, KEYS, KEY_SLOT_BYTES, KEY_SLOTS,
});
