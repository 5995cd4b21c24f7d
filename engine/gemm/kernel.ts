/**
 * The gemm challenge on the node: every product through onnxruntime (CUDA, else CPU), its row
 * fingerprints relu(C)·R and their Merkle root (`runGemm`); the opened rows with proofs are
 * open.ts (`openGemm`, re-exported here). The only gemm module that loads native code: the oracle
 * and the simulator verify with verify.ts and never load it.
 */
import { onnx } from "onnx-proto";
import * as ort from "onnxruntime-node";
import { bytesToHex, type Hex } from "viem";
import { merkleRootBytes } from "../merkle";
import { fillMatrix } from "../prng";
import { aKey, bMatrix, fingerprintLeaves, rMatrix } from "./data";
import { GemmError } from "./errors";
import type { GemmRun } from "./open";
import { checkGemmSpec, type GemmSpec } from "./spec";

export { openGemm, type GemmRun } from "./open";

/** Largest A chunk the node runner feeds to one session run, bytes. */
export const GEMM_CHUNK_BYTES = 64 * 1024 * 1024;

export interface GemmRunOptions {
  /** onnxruntime execution providers in order of preference; default ['cuda', 'cpu']. */
  executionProviders?: string[];
  /** onnxruntime intra-op threads (0 = its default). */
  intraOpNumThreads?: number;
  /** Called after each chunk with the matrices done so far. */
  onProgress?: (done: number, total: number) => void;
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
  throw new GemmError("GemmRuntime", `no execution provider of [${providers.join(", ")}] could run the gemm model`, { cause: lastError });
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
    throw new GemmError("GemmRuntime", `onnxruntime failed on the gemm model: ${(e as Error).message}`, { cause: e });
  } finally {
    await session.release();
  }
  const h0 = performance.now();
  const leaves = fingerprintLeaves(spec, fingerprints);
  const root = bytesToHex(merkleRootBytes(leaves));
  const hashMs = performance.now() - h0;
  return { spec, root, leaves, fingerprints, provider, B, timings: { setupMs, generateMs, computeMs, hashMs, totalMs: performance.now() - t0 } };
}
