/**
 * Lower-precision copies of float32 weights, as a cheating node would run them: fp16 (or bf16)
 * storage, or int8 per-tensor symmetric quantization. Values stay float32 so the graph is
 * unchanged; only the information in the weights is reduced. Used to build the "cheaper model"
 * variants the infer verifier must reject, and by the benchmark to measure how far they land.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Rounds a float32 to the nearest float16 value (round half to even), returned as a number. */
export function roundToFp16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  // Spacing of float16 values around |x|: 2^(e-10) for normal numbers, 2^-24 for subnormals.
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const ulp = Math.pow(2, e - 10);
  const q = a / ulp;
  let r = Math.round(q);
  if (Math.abs(q - Math.trunc(q) - 0.5) === 0 && r % 2 === 1) r -= 1; // round half to even
  return Math.sign(x) * r * ulp;
}

/** Rounds a float32 to bfloat16 (round half to even on the top 16 bits). */
export function roundToBf16(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const lsb = (bits >>> 16) & 1;
  u32[0] = ((bits + 0x7fff + lsb) >>> 16) << 16;
  return f32[0];
}

export type WeightPrecision = "fp32" | "fp16" | "bf16" | "int8";

/** A copy of `w` after a round trip through `precision`. */
export function roundWeights(w: Float32Array, precision: WeightPrecision): Float32Array {
  const out = new Float32Array(w.length);
  if (precision === "fp32") {
    out.set(w);
  } else if (precision === "fp16") {
    for (let i = 0; i < w.length; i++) out[i] = roundToFp16(w[i]);
  } else if (precision === "bf16") {
    for (let i = 0; i < w.length; i++) out[i] = roundToBf16(w[i]);
  } else {
    // Symmetric per-tensor int8: scale = max|w| / 127, q = round(w / scale) in [-127, 127]
    // (Math.round: halves toward +infinity).
    let m = 0;
    for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(w[i]));
    const scale = m / 127;
    for (let i = 0; i < w.length; i++) out[i] = scale === 0 ? 0 : Math.round(w[i] / scale) * scale;
  }
  return out;
}
