/**
 * Number formats of the gemm challenge: the rated output formats' rounding (what the node's C is
 * stored in) and float32 little-endian bytes (what leaves hash and openings carry). Pure.
 */
import type { Precision } from "../hardware";
import { GemmError } from "./errors";

/** Unit roundoff of the format C is stored in after the product. */
export const U_OUT: Record<Precision, number> = { fp32: 2 ** -24, tf32: 2 ** -24, fp16: 2 ** -11, bf16: 2 ** -8 };

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

export const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

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
