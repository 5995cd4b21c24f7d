/**
 * Text generation with seeded sampling. Every draw comes from a counter-based generator keyed on
 * `keccak256(seed ‖ "poai/llm/sample")`, stream = row, counter = step, so a run is a pure
 * function of (model logits, seed, options): the same in every run and every process, and a row
 * does not depend on which other rows share its batch.
 *
 * No KV cache: each step runs the model over the whole prefix (the embedded model takes only
 * input ids), so producing n tokens costs about n/2 forward passes of the final length.
 */
import type { Hex } from "viem";
import { LlmError } from "./errors";
import type { CausalLm } from "./model";
import { CounterRng, deriveSeed } from "./rng";

/** Most tokens one call may generate per row (bounds the step loop). */
export const MAX_NEW_TOKENS = 4096;
export const MAX_TOP_K = 1024;

export interface SamplingOptions {
  /** Softmax temperature; 0 means greedy (argmax, ties to the lowest id). Default 1. */
  temperature?: number;
  /** Sample among the k most likely tokens (ties to the lowest id); 0 = whole vocabulary. Default 40. */
  topK?: number;
  /** Token ids never sampled (e.g. BOS/PAD, or EOS for fixed-length prompts). */
  banned?: readonly number[];
  /** Stop a row at EOS (later positions are padded and not returned). Default true. */
  stopAtEos?: boolean;
  /** First RNG stream: row r draws from stream rowOffset + r (default 0). */
  rowOffset?: number;
}

function checkSampling(o: SamplingOptions): Required<Omit<SamplingOptions, "banned">> & { banned: Set<number> } {
  const temperature = o.temperature ?? 1;
  const topK = o.topK ?? 40;
  if (!(temperature >= 0 && temperature <= 100)) throw new LlmError("LlmBadOption", `temperature must be in [0, 100], got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0 || topK > MAX_TOP_K) throw new LlmError("LlmBadOption", `topK must be an integer in 0..${MAX_TOP_K}, got ${topK}`);
  const rowOffset = o.rowOffset ?? 0;
  if (!Number.isInteger(rowOffset) || rowOffset < 0) throw new LlmError("LlmBadOption", `rowOffset must be a non-negative integer`);
  return { temperature, topK, banned: new Set(o.banned ?? []), stopAtEos: o.stopAtEos ?? true, rowOffset };
}

/**
 * Picks one token from a logit row. `u` in [0,1) is the draw. Arithmetic in float64 with the
 * candidates in a fixed order (descending logit, ascending id), so the choice is reproducible.
 */
export function sampleToken(logits: ArrayLike<number>, offset: number, vocab: number, u: number, temperature: number, topK: number, banned: Set<number>): number {
  const cand: number[] = [];
  for (let i = 0; i < vocab; i++) if (!banned.has(i)) cand.push(i);
  if (cand.length === 0) throw new LlmError("LlmBadOption", "every token is banned");
  cand.sort((a, b) => logits[offset + b] - logits[offset + a] || a - b);
  if (temperature === 0) return cand[0];
  const k = topK === 0 ? cand.length : Math.min(topK, cand.length);
  const max = logits[offset + cand[0]];
  const w = new Float64Array(k);
  let total = 0;
  for (let j = 0; j < k; j++) {
    w[j] = Math.exp((logits[offset + cand[j]] - max) / temperature);
    total += w[j];
  }
  let acc = 0;
  const target = u * total;
  for (let j = 0; j < k; j++) {
    acc += w[j];
    if (target < acc) return cand[j];
  }
  return cand[k - 1]; // u * total rounded up to the total: the last candidate
}

/**
 * Extends every row of `start` (equal lengths) by `newTokens` sampled tokens. Rows are processed
 * together, one forward pass per step over the batch; a row that reaches EOS (when stopAtEos) is
 * padded from there and cut at its EOS in the result.
 */
export async function generateBatch(model: CausalLm, seed: Hex, start: readonly (readonly number[])[], newTokens: number, opts: SamplingOptions = {}): Promise<number[][]> {
  const o = checkSampling(opts);
  if (!Number.isInteger(newTokens) || newTokens < 0 || newTokens > MAX_NEW_TOKENS) {
    throw new LlmError("LlmBadOption", `newTokens must be an integer in 0..${MAX_NEW_TOKENS}, got ${newTokens}`);
  }
  const rng = new CounterRng(deriveSeed(seed, "poai/llm/sample"));
  const rows = start.map((r) => r.slice());
  const startLen = rows[0]?.length ?? 0;
  if (rows.some((r) => r.length !== startLen) || startLen === 0) throw new LlmError("LlmBadInput", "start rows must be non-empty and of equal length");
  const eos = model.tokenizer.eos;
  const pad = model.tokenizer.pad ?? eos ?? 0;
  const done = rows.map(() => false);
  const V = model.vocabSize;
  for (let step = 0; step < newTokens; step++) {
    if (done.every(Boolean)) break;
    // Sliding window: the model sees at most its context.
    const window = rows.map((r) => r.slice(Math.max(0, r.length - model.maxContext)));
    const T = window[0].length;
    const logits = await model.forward(window);
    for (let r = 0; r < rows.length; r++) {
      if (done[r]) {
        rows[r].push(pad);
        continue;
      }
      const u = rng.uniform(o.rowOffset + r, step);
      const tok = sampleToken(logits, (r * T + T - 1) * V, V, u, o.temperature, o.topK, o.banned);
      rows[r].push(tok);
      if (o.stopAtEos && eos !== null && tok === eos) done[r] = true;
    }
  }
  return rows.map((r) => {
    const cut = o.stopAtEos && eos !== null ? r.indexOf(eos, startLen) : -1;
    return cut >= 0 ? r.slice(0, cut + 1) : r;
  });
}

export interface GenerateTextOptions extends SamplingOptions {
  seed: Hex;
  prompt?: string;
  maxNewTokens: number;
}

/** Generates a continuation of `prompt` (after BOS when the tokenizer has one). */
export async function generateText(model: CausalLm, opts: GenerateTextOptions): Promise<{ text: string; ids: number[] }> {
  const tk = model.tokenizer;
  const start = [...(tk.bos !== null ? [tk.bos] : []), ...tk.encode(opts.prompt ?? "")];
  if (start.length === 0) throw new LlmError("LlmBadInput", "empty prompt and the tokenizer has no BOS");
  const banned = opts.banned ?? [tk.bos, tk.pad].filter((x): x is number => x !== null);
  const [row] = await generateBatch(model, opts.seed, [start], opts.maxNewTokens, { ...opts, banned });
  const ids = row.slice(start.length);
  return { text: tk.decode(ids), ids };
}
