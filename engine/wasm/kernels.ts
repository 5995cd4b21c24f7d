/**
 * The engine's hot kernels in WebAssembly, assembled at load time by wasm/asm.ts (no binary in
 * git) and instantiated synchronously (Node; the dApp never imports this file):
 *
 * - keccak-f[1600] on native 64-bit lanes and keccak256 over it (the oracle hashes a leaf of
 *   every opened group and a proof of ~20 siblings per opening; the JS version in keccak.ts
 *   works on 32-bit halves and costs ~2.7 µs per permutation here, this one ~0.5 µs);
 * - the gemm verifier's two passes per opened row (gemm/verify.ts): the opened row against the key's
 *   row table, and A's row regenerated from the counter-based generator (prng.ts) against B·s,
 *   both two or four lanes at a time with 128-bit SIMD.
 *
 * Every function is checked against its JavaScript twin in wasm/kernels.test.ts (keccak256
 * against viem's, the sums against straight loops, A's entries against prng.ts fillMatrix).
 *
 * The functions live by job in keccak-kernel.ts and gemm-kernel.ts, the memory map they share in
 * layout.ts; this module assembles them into one module and wraps the keccak ones for JS.
 */
import { assemble } from "./asm";
import { KECCAK_FUNCS, RATE, RC } from "./keccak-kernel";
import { aDot, aRowOut, aSumsBounds, rowSums } from "./gemm-kernel";
import { DIGEST, HEX_TABLE, IO, IO_BYTES, PAGES, PAIR_IN, RC_ADDR } from "./layout";

export * from "./layout";

/** WebAssembly is part of every Node release the engine supports; the JS paths cover the rest. */
export const HAS_WASM = typeof WebAssembly === "object";

export interface Kernels {
  memory: WebAssembly.Memory;
  keccak_init(): void;
  keccak_absorb(input: number, len: number): void;
  keccak_final(input: number, rem: number, out: number): void;
  keccak(input: number, len: number, out: number): void;
  leaf_hash(input: number, len: number, out: number): void;
  hash_pair(a: number, b: number, out: number): void;
  hex_decode(src: number, dst: number, count: number): number;
  fold(nodes: number, sibs: number, from: number, to: number): void;
  eq32(a: number, b: number): number;
  row_sums(row: number, tab: number, n: number, out: number): void;
  a_dot(k0: number, k1: number, k2: number, k3: number, r: number, bs: number, n: number, out: number): void;
  a_sums_bounds(k0: number, k1: number, k2: number, k3: number, r: number, bs: number, bt: number, n: number, out: number): void;
  a_row(k0: number, k1: number, k2: number, k3: number, r: number, n: number, out: number): void;
}

/** The module's bytes (deterministic). */
export function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const rc = new Uint8Array(24 * 8);
  const dv = new DataView(rc.buffer);
  RC.forEach((c, i) => dv.setBigUint64(8 * i, c, true));
  const funcs = [...KECCAK_FUNCS, rowSums(), aDot(), aSumsBounds(), aRowOut()];
  const hex = new Uint8Array(256).fill(255);
  for (let c = 0; c < 10; c++) hex[48 + c] = c;
  for (let c = 0; c < 6; c++) hex[65 + c] = hex[97 + c] = 10 + c;
  return assemble({ funcs, memoryPages: PAGES, maxMemoryPages: PAGES, data: [{ offset: RC_ADDR, bytes: rc }, { offset: HEX_TABLE, bytes: hex }] });
}

let instance: Kernels | null = null;
let bytes: Uint8Array | null = null;

/** The kernels, instantiated once per process. */
export function kernels(): Kernels {
  if (instance) return instance;
  const mod = new WebAssembly.Module(kernelModuleBytes());
  const inst = new WebAssembly.Instance(mod, {});
  instance = inst.exports as unknown as Kernels;
  // The memory never grows, so this view stays valid.
  bytes = new Uint8Array(instance.memory.buffer);
  return instance;
}

/** The kernels' memory as bytes (the memory never grows: the view stays valid). */
export function kernelBytes(): Uint8Array {
  kernels();
  return bytes!;
}

/** Bytes absorbed per kernel call for long inputs (whole blocks that fit the IO area). */
const CHUNK = IO_BYTES - (IO_BYTES % RATE);

/** keccak256(data) through the kernel (inputs longer than the IO area are absorbed in chunks). */
export function keccak256Wasm(data: Uint8Array): Uint8Array {
  const k = kernels();
  const mem = bytes!;
  if (data.length <= IO_BYTES) {
    mem.set(data, IO);
    k.keccak(IO, data.length, DIGEST);
    return mem.slice(DIGEST, DIGEST + 32);
  }
  k.keccak_init();
  let off = 0;
  // Loop bound: data.length / CHUNK iterations.
  while (data.length - off >= RATE) {
    const left = data.length - off;
    const len = Math.min(CHUNK, left - (left % RATE));
    mem.set(data.subarray(off, off + len), IO);
    k.keccak_absorb(IO, len);
    off += len;
  }
  mem.set(data.subarray(off), IO);
  k.keccak_final(IO, data.length - off, DIGEST);
  return mem.slice(DIGEST, DIGEST + 32);
}

/** keccak256(keccak256(data)) through the kernel. */
export function leafHashWasm(data: Uint8Array): Uint8Array {
  if (data.length > IO_BYTES) return keccak256Wasm(keccak256Wasm(data));
  const k = kernels();
  const mem = bytes!;
  mem.set(data, IO);
  k.leaf_hash(IO, data.length, DIGEST);
  return mem.slice(DIGEST, DIGEST + 32);
}

/** keccak256(min(a, b) ‖ max(a, b)) of two 32-byte words through the kernel. */
export function hashPairWasm(a: Uint8Array, b: Uint8Array): Uint8Array {
  const k = kernels();
  const mem = bytes!;
  mem.set(a, PAIR_IN);
  mem.set(b, PAIR_IN + 32);
  k.hash_pair(PAIR_IN, PAIR_IN + 32, DIGEST);
  return mem.slice(DIGEST, DIGEST + 32);
}
