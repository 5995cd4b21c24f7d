/**
 * The `infer` challenge generator: from a challenge seed, synthesize a batch of prompts by
 * running the model with seeded sampling (synthetic data through LLM inference), and choose the
 * positions whose logits the node must fingerprint.
 *
 * Two ways to make the prompts:
 * - sampled: every prompt is sampled from the model under the challenge seed. Generating B
 *   prompts of n tokens runs n forward passes of a batch of B growing rows, about n/2 times the
 *   node's own inference (no KV cache): ~28x on the embedded model at n = 64.
 * - pooled (cheap): once per epoch the oracle samples a pool of model-generated texts
 *   (`generatePromptPool`, cacheable by its seed and shared by all challenges of the epoch);
 *   each challenge then splices seeded segments of pool texts at seeded offsets into its
 *   prompts, with no model run at all. Every logit of a spliced prompt depends on its whole
 *   prefix and absolute positions, so logits computed for the pool or another challenge are of
 *   no use to a node.
 * A challenge is a pure function of (model, seed, options[, pool]), so the oracle generates it
 * once, caches it by seed and sends it to the node; verification never regenerates it.
 */
import type { Hex } from "viem";
import { LlmError } from "./errors";
import { generateBatch } from "./generate";
import { loadEmbeddedModel, type CausalLm } from "./model";
import { CounterRng, deriveSeed, seedBytes } from "./rng";

export const INFER_VERSION = "poai-infer-v1";
/** Bounds of a challenge (every loop over items, positions and candidates is bounded by these). */
export const MAX_INFER_BATCH = 4096;
export const MAX_INFER_POSITIONS = 64;
export const MAX_INFER_TOP_K = 32;
export const POOL_VERSION = "poai-pool-v1";
export const MAX_POOL_SIZE = 4096;
/** Most segments a pooled prompt is spliced from. */
export const MAX_PIECES = 16;

/** Model-sampled texts shared by the challenges of an epoch (token ids, no BOS). */
export interface PromptPool {
  version: typeof POOL_VERSION;
  seed: Hex;
  modelId: string;
  texts: number[][];
}

export interface InferChallenge {
  version: typeof INFER_VERSION;
  seed: Hex;
  modelId: string;
  /** Token ids per item, all of one length, each starting with BOS when the tokenizer has one. */
  prompts: number[][];
  /** Sorted distinct positions fingerprinted in every item; always includes the last one. */
  positions: number[];
  /** Ids and values kept per position. */
  topK: number;
  /** Seed of the pool the prompts were spliced from (absent for sampled prompts). */
  poolSeed?: Hex;
}

export interface InferChallengeOptions {
  batch: number;
  /** Tokens per prompt including BOS (<= the model's context). */
  promptLen: number;
  /** Fingerprinted positions per item (default 8). */
  positions?: number;
  /** Top-k kept per position (default 8). */
  topK?: number;
  /** Sampling of the prompts (defaults: temperature 1, top-k 40). */
  temperature?: number;
  sampleTopK?: number;
  /** Model (default: the embedded poai-tiny-lm-v1). */
  model?: CausalLm;
  /** Splice the prompts from this pool instead of sampling them (no model run). */
  pool?: PromptPool;
  /** Segments per pooled prompt (default 4). */
  pieces?: number;
}

/** Sorted distinct positions in [1, len-1] from the seed; the last position is always one. */
export function choosePositions(seed: Hex, len: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > Math.min(MAX_INFER_POSITIONS, len - 1)) {
    throw new LlmError("LlmBadOption", `positions must be in 1..${Math.min(MAX_INFER_POSITIONS, len - 1)}, got ${count}`);
  }
  const rng = new CounterRng(deriveSeed(seed, "poai/infer/positions"));
  // Partial Fisher-Yates over 1..len-2, then the last position (len-1), which forces a node to
  // run the whole prompt.
  const pool = Array.from({ length: len - 2 }, (_, i) => i + 1);
  const picked = [len - 1];
  for (let i = 0; i < count - 1; i++) {
    const j = i + rng.below(0, i, pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
    picked.push(pool[i]);
  }
  return picked.sort((a, b) => a - b);
}

let embedded: Promise<CausalLm> | undefined;
function defaultModel(): Promise<CausalLm> {
  embedded ??= loadEmbeddedModel();
  return embedded;
}

function specialIds(model: CausalLm): number[] {
  const tk = model.tokenizer;
  return [tk.bos, tk.eos, tk.pad].filter((x): x is number => x !== null);
}

/** First token of every item: BOS, or (without BOS) a seeded non-special token. */
function startRows(model: CausalLm, seed: Hex, batch: number): number[][] {
  const tk = model.tokenizer;
  if (tk.bos !== null) return Array.from({ length: batch }, () => [tk.bos!]);
  const banned = specialIds(model);
  const rng = new CounterRng(deriveSeed(seed, "poai/infer/first-token"));
  return Array.from({ length: batch }, (_, i) => {
    let t = rng.below(0, i, tk.vocabSize);
    for (let n = 1; banned.includes(t) && n < 64; n++) t = rng.below(n, i, tk.vocabSize);
    return [t];
  });
}

/**
 * Samples `size` texts of `length` tokens from the model: the expensive part of prompt
 * synthesis, done once per epoch (deterministic in its seed, so it can be cached by seed).
 */
export async function generatePromptPool(
  seed: Hex,
  opts: { size: number; length: number; model?: CausalLm; temperature?: number; sampleTopK?: number },
): Promise<PromptPool> {
  seedBytes(seed);
  const model = opts.model ?? (await defaultModel());
  if (!Number.isInteger(opts.size) || opts.size < 1 || opts.size > MAX_POOL_SIZE) throw new LlmError("LlmBadOption", `pool size must be in 1..${MAX_POOL_SIZE}`);
  if (!Number.isInteger(opts.length) || opts.length < 2 || opts.length >= model.maxContext) {
    throw new LlmError("LlmBadOption", `pool text length must be in 2..${model.maxContext - 1}`);
  }
  const rows = await generateBatch(model, deriveSeed(seed, "poai/infer/pool"), startRows(model, seed, opts.size), opts.length, {
    temperature: opts.temperature ?? 1,
    topK: opts.sampleTopK ?? 40,
    banned: specialIds(model),
    stopAtEos: false,
  });
  return { version: POOL_VERSION, seed, modelId: model.id, texts: rows.map((r) => r.slice(1)) };
}

/** Prompts spliced from pool segments at seeded entries and offsets. */
function splicePrompts(model: CausalLm, seed: Hex, pool: PromptPool, batch: number, promptLen: number, pieces: number): number[][] {
  if (pool.version !== POOL_VERSION || pool.modelId !== model.id) throw new LlmError("LlmBadOption", `pool is for model ${pool.modelId}, not ${model.id}`);
  if (!Array.isArray(pool.texts) || pool.texts.length < 1 || pool.texts.length > MAX_POOL_SIZE) throw new LlmError("LlmBadOption", "pool has no texts");
  if (!Number.isInteger(pieces) || pieces < 1 || pieces > MAX_PIECES) throw new LlmError("LlmBadOption", `pieces must be in 1..${MAX_PIECES}`);
  const need = promptLen - 1;
  const segLen = Math.ceil(need / pieces);
  const poolLen = Math.min(...pool.texts.map((t) => t.length));
  if (poolLen < segLen) throw new LlmError("LlmBadOption", `pool texts of ${poolLen} tokens are shorter than a segment of ${segLen}`);
  const rng = new CounterRng(deriveSeed(seed, "poai/infer/splice"));
  return startRows(model, seed, batch).map((row, i) => {
    for (let j = 0; j < pieces && row.length < promptLen; j++) {
      const c = i * MAX_PIECES + j;
      const text = pool.texts[rng.below(0, c, pool.texts.length)];
      const offset = rng.below(1, c, text.length - segLen + 1);
      row.push(...text.slice(offset, offset + Math.min(segLen, promptLen - row.length)));
    }
    return row;
  });
}

/** Synthesizes the prompts of one infer challenge from its seed. */
export async function generateInferChallenge(seed: Hex, opts: InferChallengeOptions): Promise<InferChallenge> {
  seedBytes(seed);
  const model = opts.model ?? (await defaultModel());
  const { batch, promptLen } = opts;
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_INFER_BATCH) throw new LlmError("LlmBadOption", `batch must be in 1..${MAX_INFER_BATCH}, got ${batch}`);
  if (!Number.isInteger(promptLen) || promptLen < 3 || promptLen > model.maxContext) {
    throw new LlmError("LlmBadOption", `promptLen must be in 3..${model.maxContext}, got ${promptLen}`);
  }
  const topK = opts.topK ?? 8;
  if (!Number.isInteger(topK) || topK < 1 || topK > Math.min(MAX_INFER_TOP_K, model.vocabSize)) {
    throw new LlmError("LlmBadOption", `topK must be in 1..${Math.min(MAX_INFER_TOP_K, model.vocabSize)}, got ${topK}`);
  }
  const prompts = opts.pool
    ? splicePrompts(model, seed, opts.pool, batch, promptLen, opts.pieces ?? 4)
    : await generateBatch(model, deriveSeed(seed, "poai/infer/prompts"), startRows(model, seed, batch), promptLen - 1, {
        temperature: opts.temperature ?? 1,
        topK: opts.sampleTopK ?? 40,
        banned: specialIds(model),
        stopAtEos: false,
      });
  return {
    version: INFER_VERSION,
    seed,
    modelId: model.id,
    prompts,
    positions: choosePositions(seed, promptLen, opts.positions ?? 8),
    topK,
    ...(opts.pool ? { poolSeed: opts.pool.seed } : {}),
  };
}

/** Checks the shape of a challenge received from elsewhere (never trusts its fields). */
export function checkInferChallenge(c: InferChallenge, model: CausalLm): void {
  const bad = (m: string) => new LlmError("LlmBadChallenge", m);
  if (c === null || typeof c !== "object" || c.version !== INFER_VERSION) throw bad(`version must be ${INFER_VERSION}`);
  seedBytes(c.seed);
  if (c.poolSeed !== undefined) seedBytes(c.poolSeed);
  if (c.modelId !== model.id) throw bad(`challenge is for model ${c.modelId}, loaded model is ${model.id}`);
  if (!Array.isArray(c.prompts) || c.prompts.length < 1 || c.prompts.length > MAX_INFER_BATCH) throw bad("prompts must be 1..4096 items");
  const T = c.prompts[0]?.length;
  if (!Number.isInteger(T) || T < 3 || T > model.maxContext) throw bad(`prompt length ${T} outside 3..${model.maxContext}`);
  for (const p of c.prompts) {
    if (!Array.isArray(p) || p.length !== T) throw bad("prompts must all have the same length");
    for (const t of p) if (!Number.isInteger(t) || t < 0 || t >= model.vocabSize) throw bad(`token ${t} outside the vocabulary`);
  }
  if (!Number.isInteger(c.topK) || c.topK < 1 || c.topK > Math.min(MAX_INFER_TOP_K, model.vocabSize)) throw bad(`topK ${c.topK} out of range`);
  if (!Array.isArray(c.positions) || c.positions.length < 1 || c.positions.length > MAX_INFER_POSITIONS) throw bad("positions out of range");
  for (let i = 0; i < c.positions.length; i++) {
    const p = c.positions[i];
    if (!Number.isInteger(p) || p < 0 || p >= T || (i > 0 && p <= c.positions[i - 1])) throw bad("positions must be sorted, distinct and inside the prompt");
  }
  if (c.positions[c.positions.length - 1] !== T - 1) throw bad("the last position must be fingerprinted");
}
