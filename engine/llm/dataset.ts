/**
 * The useful by-product of infer challenges: verified outputs as synthetic data-set records.
 * Each record is a model-generated prompt and, at the fingerprinted positions, the model's
 * top-k next-token predictions with their logits, as committed by a node and confirmed by the
 * oracle's recomputation. Plain objects; the oracle stores them.
 */
import type { Hex } from "viem";
import { LlmError } from "./errors";
import { QUANT_SCALE } from "./fingerprint";
import type { InferOpening, InferVerification } from "./infer";
import type { InferChallenge } from "./prompts";
import type { Tokenizer } from "./tokenizer";

export const SYNTHETIC_DATASET_VERSION = "poai-synthetic-v1";

export interface SyntheticRecord {
  dataset: typeof SYNTHETIC_DATASET_VERSION;
  modelId: string;
  challengeSeed: Hex;
  /** Merkle root the node committed; the record's fingerprint is a leaf under it. */
  root: Hex;
  item: number;
  promptIds: number[];
  prompt: string;
  predictions: { position: number; context: string; next: { id: number; token: string; logit: number }[] }[];
}

/** Records of the opened items of a verified answer; refuses an answer that did not verify. */
export function exportSyntheticRecords(
  tokenizer: Tokenizer,
  challenge: InferChallenge,
  root: Hex,
  openings: readonly InferOpening[],
  verification: Pick<InferVerification, "ok">,
): SyntheticRecord[] {
  if (!verification.ok) throw new LlmError("LlmBadAnswer", "only verified answers become data-set records");
  return openings.map((o) => {
    const promptIds = challenge.prompts[o.index];
    return {
      dataset: SYNTHETIC_DATASET_VERSION,
      modelId: challenge.modelId,
      challengeSeed: challenge.seed,
      root,
      item: o.index,
      promptIds: promptIds.slice(),
      prompt: tokenizer.decode(promptIds),
      predictions: challenge.positions.map((position, p) => ({
        position,
        context: tokenizer.decode(promptIds.slice(0, position + 1)),
        next: o.fingerprint.ids[p].map((id, j) => ({ id, token: tokenizer.decode([id]), logit: o.fingerprint.q[p][j] / QUANT_SCALE })),
      })),
    };
  });
}
