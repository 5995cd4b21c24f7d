/**
 * What an infer challenge costs: an analytic FLOP count for transformer dimensions (used by the
 * sizing of challenges), and a measurement of inference against verification on this machine.
 */
import { keccak256, stringToBytes, type Hex } from "viem";
import { TINY_LM_DIMS, type TinyLmDims } from "./build-model";
import { chooseInferOpenings, DEFAULT_INFER_OPENINGS, openInfer, runInfer, verifyInferOpenings } from "./infer";
import { loadEmbeddedModel, type CausalLm } from "./model";
import { generateInferChallenge, generatePromptPool, type PromptPool } from "./prompts";

/**
 * FLOPs of one forward pass over `batch` rows of `seq` tokens (multiply-add = 2 FLOPs):
 * per token and layer 2(4 D^2 + 2 D F) for the projections and MLP, 4 T D for attention scores
 * and the weighted sum (the causal mask is applied to a full T x T product, as the graph runs);
 * plus 2 D V for the output layer. Embedding lookups, LayerNorm and softmax are left out (<1%).
 */
export function inferFlops(batch: number, seq: number, dims: TinyLmDims = TINY_LM_DIMS): number {
  const { dModel: D, dFF: F, nLayers: L, vocab: V } = dims;
  const perToken = L * (2 * (4 * D * D + 2 * D * F) + 4 * seq * D) + 2 * D * V;
  return batch * seq * perToken;
}

export interface InferCosts {
  batch: number;
  promptLen: number;
  k: number;
  /** Oracle: synthesizing the prompts (once per challenge, cacheable by seed). */
  generateMs: number;
  /** Oracle, pooled mode: sampling the epoch's pool (shared by all challenges), else 0. */
  poolMs: number;
  /** Node: forward pass over the batch, fingerprints and Merkle root. */
  inferMs: number;
  /** Oracle: opening choice, proofs and recomputation of k items. */
  verifyMs: number;
  /** verifyMs / inferMs. */
  ratio: number;
  flops: number;
}

/** Times generation, inference and verification of one challenge (median of `repeats` runs). */
export async function measureInferCosts(opts: {
  batch: number;
  k?: number;
  promptLen?: number;
  repeats?: number;
  model?: CausalLm;
  seed?: Hex;
  /** Splice prompts from a pool of this many texts (sampled first, timed as poolMs). */
  poolSize?: number;
}): Promise<InferCosts> {
  const model = opts.model ?? (await loadEmbeddedModel());
  const k = opts.k ?? DEFAULT_INFER_OPENINGS;
  const promptLen = opts.promptLen ?? 64;
  const repeats = Math.max(1, Math.min(opts.repeats ?? 3, 20));
  const seed = opts.seed ?? keccak256(stringToBytes("poai/llm/cost-probe"));
  let pool: PromptPool | undefined;
  let poolMs = 0;
  if (opts.poolSize) {
    const p0 = performance.now();
    pool = await generatePromptPool(keccak256(seed), { size: opts.poolSize, length: Math.min(2 * promptLen, model.maxContext - 1), model });
    poolMs = performance.now() - p0;
  }
  const g0 = performance.now();
  const challenge = await generateInferChallenge(seed, { batch: opts.batch, promptLen, model, pool });
  const generateMs = performance.now() - g0;
  const inferTimes: number[] = [];
  const verifyTimes: number[] = [];
  // The first round is a warm-up (it also creates the verifier's positions session, once per process).
  for (let r = -1; r < repeats; r++) {
    const answer = await runInfer(model, challenge);
    const c0 = performance.now();
    const indices = chooseInferOpenings(challenge, answer.root, k);
    const chooseMs = performance.now() - c0;
    const openings = openInfer(answer, indices); // the node's reply: not the oracle's cost
    const v0 = performance.now();
    const v = await verifyInferOpenings(model, challenge, answer.root, openings, answer.root, k);
    if (r >= 0) {
      inferTimes.push(answer.ms);
      verifyTimes.push(chooseMs + performance.now() - v0);
    }
    if (!v.ok) throw new Error(`honest answer did not verify: ${v.reason}`);
  }
  const median = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
  const inferMs = median(inferTimes);
  const verifyMs = median(verifyTimes);
  return { batch: opts.batch, promptLen, k, generateMs, poolMs, inferMs, verifyMs, ratio: verifyMs / inferMs, flops: inferFlops(opts.batch, promptLen) };
}
