/**
 * The embedded model, "poai-tiny-lm-v1": a small decoder-only transformer written as an ONNX
 * graph from TypeScript. Every weight is drawn from a counter-based generator keyed on a fixed
 * seed, so the model is rebuilt byte for byte anywhere (its sha256 is pinned below and checked
 * by the tests) and never needs to be committed or downloaded.
 *
 * Architecture (GPT-2 style, pre-LayerNorm):
 *   x = wte[input_ids] + wpe[0..T)
 *   repeat N_LAYERS: x += Attn(LN(x)) (causal, multi-head); x += MLP(LN(x)) (GELU, erf form)
 *   logits = LN(x) · unembed + vocabBias
 * Input `input_ids` int64 [batch, seq] (seq <= context); output `logits` float32 [batch, seq, vocab].
 * Vocabulary: 256 bytes + BOS, EOS, PAD (the "poai-bytes-v1" tokenizer).
 *
 * Structure: the output bias is the log of an English byte distribution (space and lowercase
 * letters likely, control bytes almost never), so sampled text looks like letters and words of
 * varying length rather than uniform bytes; everything else is a random-weight transformer whose
 * logits depend on the whole causal context.
 */
import { createHash } from "node:crypto";
import { keccak256, stringToBytes, type Hex } from "viem";
import { onnx } from "onnx-proto";
import { CounterRng } from "./rng";
import { GraphBuilder, OnnxDataType, valueInfo } from "./onnx-graph";
import { roundWeights, type WeightPrecision } from "./precision";
import { BOS_ID, BYTE_VOCAB_SIZE, EOS_ID, PAD_ID } from "./tokenizer";

export const TINY_LM_NAME = "poai-tiny-lm";
export const TINY_LM_VERSION = "1";
export const TINY_LM_ID = `${TINY_LM_NAME}-v${TINY_LM_VERSION}`;
/** The weights seed: keccak256("poai-tiny-lm-v1"). */
export const TINY_LM_SEED: Hex = keccak256(stringToBytes(TINY_LM_ID));

export interface TinyLmDims {
  vocab: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  dFF: number;
  context: number;
}

export const TINY_LM_DIMS: TinyLmDims = Object.freeze({
  vocab: BYTE_VOCAB_SIZE,
  dModel: 128,
  nLayers: 2,
  nHeads: 4,
  dFF: 512,
  context: 128,
});

/**
 * sha256 of the encoded poai-tiny-lm-v1 ONNX file. A change of any weight, of the graph or of
 * the encoder changes it; the model test rebuilds the model and compares.
 */
export const TINY_LM_SHA256 = "8e855547d288e862a356aea323395d03e918bd8f4b1be0633491df430a080f52";

export interface BuildOptions {
  /** Weights seed (default TINY_LM_SEED). Another seed gives a model of the same shape. */
  seed?: Hex;
  dims?: TinyLmDims;
  /** Round every weight through a lower precision (a cheating variant for tests and benches). */
  precision?: WeightPrecision;
  /**
   * The verifier's graph of the same model: an extra input `positions` (int64 [P]) and logits
   * [batch, P, vocab] at those positions only. Same weights and operations; the last block
   * computes its keys and values at every position and everything else only at the P rows
   * asked for (the rest of the sequence cannot change them: the output of a position depends on
   * the keys and values of the positions before it, which are all computed).
   */
  atPositions?: boolean;
}

export interface BuiltModel {
  bytes: Uint8Array;
  sha256: string;
  parameters: number;
  dims: TinyLmDims;
  id: string;
}

/** English-like log-probabilities per byte: the unigram prior of the output layer. */
export function byteLogPrior(): Float32Array {
  const freq: Record<string, number> = {
    e: 12.7, t: 9.1, a: 8.2, o: 7.5, i: 7.0, n: 6.7, s: 6.3, h: 6.1, r: 6.0, d: 4.3, l: 4.0, c: 2.8,
    u: 2.8, m: 2.4, w: 2.4, f: 2.2, g: 2.0, y: 2.0, p: 1.9, b: 1.5, v: 1.0, k: 0.8, j: 0.15, x: 0.15,
    q: 0.1, z: 0.07,
  };
  const p = new Float64Array(BYTE_VOCAB_SIZE).fill(1e-5); // control bytes and high bytes
  for (let b = 0x21; b < 0x7f; b++) p[b] = 2e-4; // printable punctuation, digits, uppercase
  for (const [ch, f] of Object.entries(freq)) {
    p[ch.charCodeAt(0)] = (f / 100) * 0.78;
    p[ch.toUpperCase().charCodeAt(0)] = (f / 100) * 0.015;
  }
  p[0x20] = 0.17; // space
  p[".".charCodeAt(0)] = 0.01;
  p[",".charCodeAt(0)] = 0.008;
  p[0x0a] = 0.002; // newline
  p[BOS_ID] = 1e-6;
  p[PAD_ID] = 1e-6;
  p[EOS_ID] = 1e-3;
  const out = new Float32Array(BYTE_VOCAB_SIZE);
  for (let i = 0; i < out.length; i++) out[i] = Math.log(p[i]);
  return out;
}

class WeightSource {
  private stream = 0;
  constructor(
    private readonly rng: CounterRng,
    private readonly precision: WeightPrecision,
  ) {}
  /** Normal(0, std) weights, one generator stream per tensor (in declaration order). */
  normal(n: number, std: number): Float32Array {
    const s = this.stream++;
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = this.rng.normal(s, i) * std;
    return this.finish(w);
  }
  constant(n: number, v: number): Float32Array {
    this.stream++;
    return this.finish(new Float32Array(n).fill(v));
  }
  given(w: Float32Array): Float32Array {
    this.stream++;
    return this.finish(w);
  }
  private finish(w: Float32Array): Float32Array {
    return this.precision === "fp32" ? w : roundWeights(w, this.precision);
  }
}

/** Builds the model; the default options give poai-tiny-lm-v1. */
export function buildTinyLm(options: BuildOptions = {}): BuiltModel {
  const dims = options.dims ?? TINY_LM_DIMS;
  const { vocab: V, dModel: D, nLayers: L, nHeads: H, dFF: F, context: C } = dims;
  if (D % H !== 0) throw new Error(`dModel ${D} is not a multiple of nHeads ${H}`);
  const dh = D / H;
  const w = new WeightSource(new CounterRng(options.seed ?? TINY_LM_SEED), options.precision ?? "fp32");
  const g = new GraphBuilder();
  let parameters = 0;
  const param = (name: string, shape: number[], data: Float32Array) => {
    parameters += data.length;
    return g.float(name, shape, data);
  };

  const wte = param("wte", [V, D], w.normal(V * D, 0.2));
  const wpe = param("wpe", [C, D], w.normal(C * D, 0.1));
  // Causal mask: 0 on and below the diagonal, -1e9 above (exp underflows to exactly 0).
  const maskData = new Float32Array(C * C);
  for (let i = 0; i < C; i++) for (let j = i + 1; j < C; j++) maskData[i * C + j] = -1e9;
  const maskFull = g.float("causal_mask", [C, C], maskData);
  const zero1 = g.int64("c_zero1", [1], [0]);
  const one1 = g.int64("c_one1", [1], [1]);
  const two1 = g.int64("c_two1", [1], [2]);
  const zero2 = g.int64("c_zero2", [2], [0, 0]);
  const axes01 = g.int64("c_axes01", [2], [0, 1]);
  const headShape = g.int64("c_head_shape", [4], [0, 0, H, dh]);
  const mergeShape = g.int64("c_merge_shape", [3], [0, 0, D]);
  const scale = g.float("c_attn_scale", [], new Float32Array([1 / Math.sqrt(dh)]));
  const half = g.float("c_half", [], new Float32Array([0.5]));
  const one = g.float("c_one", [], new Float32Array([1]));
  const invSqrt2 = g.float("c_inv_sqrt2", [], new Float32Array([Math.SQRT1_2]));

  const shape = g.node("Shape", ["input_ids"]);
  const T1 = g.node("Slice", [shape, one1, two1, zero1]); // [T]
  const TT = g.node("Concat", [T1, T1], { axis: 0 });
  const pos = g.node("Slice", [wpe, zero1, T1, zero1]); // [T, D]
  const mask = g.node("Slice", [maskFull, zero2, TT, axes01]); // [T, T]
  let x = g.node("Add", [g.node("Gather", [wte, "input_ids"], { axis: 0 }), pos]);

  const layerNorm = (input: string, prefix: string) => {
    const gamma = param(`${prefix}.g`, [D], w.constant(D, 1));
    const beta = param(`${prefix}.b`, [D], w.constant(D, 0));
    return g.node("LayerNormalization", [input, gamma, beta], { axis: -1, epsilon: { float: 1e-5 } });
  };
  const linear = (input: string, prefix: string, dIn: number, dOut: number, std: number, biasStd: number) => {
    const W = param(`${prefix}.w`, [dIn, dOut], w.normal(dIn * dOut, std));
    const b = param(`${prefix}.b`, [dOut], w.normal(dOut, biasStd));
    return g.node("Add", [g.node("MatMul", [input, W]), b]);
  };

  for (let l = 0; l < L; l++) {
    const p = `h${l}`;
    const h = layerNorm(x, `${p}.ln1`);
    // The verifier's graph: from the last block's queries on, only the rows at `positions`.
    const gather = options.atPositions === true && l === L - 1;
    const hq = gather ? g.node("Gather", [h, "positions"], { axis: 1 }) : h;
    // q is scaled up (std 2/sqrt(D)) so attention is peaked enough to depend on the context.
    const q = g.node("Transpose", [g.node("Reshape", [linear(hq, `${p}.q`, D, D, 2 / Math.sqrt(D), 0.02), headShape])], { perm: [0, 2, 1, 3] });
    const k = g.node("Transpose", [g.node("Reshape", [linear(h, `${p}.k`, D, D, 1 / Math.sqrt(D), 0.02), headShape])], { perm: [0, 2, 3, 1] });
    const v = g.node("Transpose", [g.node("Reshape", [linear(h, `${p}.v`, D, D, 1 / Math.sqrt(D), 0.02), headShape])], { perm: [0, 2, 1, 3] });
    const rowMask = gather ? g.node("Gather", [mask, "positions"], { axis: 0 }) : mask;
    const scores = g.node("Add", [g.node("Mul", [g.node("MatMul", [q, k]), scale]), rowMask]); // [B,H,T,T] ([B,H,P,T])
    const probs = g.node("Softmax", [scores], { axis: -1 });
    const ctx = g.node("Reshape", [g.node("Transpose", [g.node("MatMul", [probs, v])], { perm: [0, 2, 1, 3] }), mergeShape]);
    if (gather) x = g.node("Gather", [x, "positions"], { axis: 1 });
    x = g.node("Add", [x, linear(ctx, `${p}.o`, D, D, 1 / Math.sqrt(D) / Math.sqrt(2 * L), 0.02)]);
    const h2 = layerNorm(x, `${p}.ln2`);
    const up = linear(h2, `${p}.fc`, D, F, 1 / Math.sqrt(D), 0.1);
    // GELU(u) = 0.5 u (1 + erf(u / sqrt 2))
    const gelu = g.node("Mul", [g.node("Mul", [up, half]), g.node("Add", [one, g.node("Erf", [g.node("Mul", [up, invSqrt2])])])]);
    x = g.node("Add", [x, linear(gelu, `${p}.proj`, F, D, 1 / Math.sqrt(F) / Math.sqrt(2 * L), 0.02)]);
  }
  const hf = layerNorm(x, "ln_f");
  const U = param("unembed", [D, V], w.normal(D * V, 1.2 / Math.sqrt(D)));
  const prior = param("vocab_bias", [V], w.given(byteLogPrior()));
  g.node("Add", [g.node("MatMul", [hf, U]), prior], {}, "logits");

  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: "poai",
    producerVersion: TINY_LM_VERSION,
    domain: "poai",
    modelVersion: Number(TINY_LM_VERSION),
    docString: `${TINY_LM_ID}: byte-level decoder-only transformer built from a fixed seed`,
    opsetImport: [{ domain: "", version: 17 }],
    metadataProps: [
      { key: "name", value: TINY_LM_NAME },
      { key: "version", value: TINY_LM_VERSION },
      { key: "tokenizer", value: "poai-bytes-v1" },
      { key: "seed", value: options.seed ?? TINY_LM_SEED },
      { key: "precision", value: options.precision ?? "fp32" },
    ],
    graph: {
      name: TINY_LM_ID,
      node: g.nodes,
      initializer: g.initializers,
      input: [
        valueInfo("input_ids", OnnxDataType.INT64, ["batch", "seq"]),
        ...(options.atPositions === true ? [valueInfo("positions", OnnxDataType.INT64, ["positions"])] : []),
      ],
      output: [valueInfo("logits", OnnxDataType.FLOAT, ["batch", options.atPositions === true ? "positions" : "seq", V])],
    },
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  return {
    bytes,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    parameters,
    dims,
    id: options.precision && options.precision !== "fp32" ? `${TINY_LM_ID}-${options.precision}` : TINY_LM_ID,
  };
}

let cached: BuiltModel | undefined;
/** poai-tiny-lm-v1, built once per process (about 0.2 s) and kept. */
export function embeddedModelBytes(): BuiltModel {
  cached ??= buildTinyLm();
  return cached;
}

let cachedAt: BuiltModel | undefined;
/** poai-tiny-lm-v1's positions graph (the verifier's, `atPositions`), built once per process. */
export function embeddedAtPositionsBytes(): BuiltModel {
  cachedAt ??= buildTinyLm({ atPositions: true });
  return cachedAt;
}
