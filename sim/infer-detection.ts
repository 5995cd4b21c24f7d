/**
 * The per-item chance that the engine's infer verifier flags a substituted model, measured with
 * the engine itself: the embedded model and its cheaper variants (weights rounded to fp16, bf16,
 * int8; a model of the same shape from another seed) run the same seeded prompts, and every item
 * of a variant is compared with the reference through the engine's fingerprint comparison. The
 * simulator uses the lowest rate (the substitution hardest to see) per opened item.
 * Impure (onnxruntime): used by the benchmark and its test, not by the runner.
 */
import { keccak256, stringToBytes } from "viem";
import { buildTinyLm, TINY_LM_ID } from "../engine/llm/build-model";
import { compareFingerprint, fingerprintItem } from "../engine/llm/fingerprint";
import { loadEmbeddedModel, loadModelFromBytes } from "../engine/llm/model";
import type { WeightPrecision } from "../engine/llm/precision";
import { generateInferChallenge } from "../engine/llm/prompts";
import { ByteTokenizer } from "../engine/llm/tokenizer";
import { SimError } from "./errors";

export const MAX_DETECTION_BATCH = 256;

export interface SubstituteDetection {
  batch: number;
  /** Per variant: items flagged / items compared. */
  perVariant: Record<string, { flagged: number; items: number; rate: number }>;
  /** Honest rerun (same model, two threads): must flag nothing. */
  honestFlagged: number;
  /** Lowest rate over the variants. */
  minRate: number;
  minVariant: string;
}

export async function measureSubstituteDetection(batch = 32, promptLen = 32): Promise<SubstituteDetection> {
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_DETECTION_BATCH) throw new SimError("SimDetectionBadBatch", `batch must be in 1..${MAX_DETECTION_BATCH}`);
  const model = await loadEmbeddedModel({ intraOpNumThreads: 1 });
  const challenge = await generateInferChallenge(keccak256(stringToBytes("poai.sim.substitute")), { batch, promptLen, model });
  const T = promptLen;
  const V = model.vocabSize;
  const ref = await model.forward(challenge.prompts);
  const flagged = (alt: Float32Array) => {
    let bad = 0;
    for (let b = 0; b < batch; b++) {
      const fp = fingerprintItem(alt, b * T * V, V, challenge.positions, challenge.topK);
      if (!compareFingerprint(fp, ref, b * T * V, V, challenge.positions, challenge.topK).ok) bad++;
    }
    return bad;
  };
  const twin = await loadEmbeddedModel({ intraOpNumThreads: 2 });
  const honestFlagged = flagged(await twin.forward(challenge.prompts));
  await twin.release();
  const perVariant: SubstituteDetection["perVariant"] = {};
  const variants: [string, Uint8Array][] = (["fp16", "bf16", "int8"] as WeightPrecision[]).map((precision) => [`weights ${precision}`, buildTinyLm({ precision }).bytes]);
  variants.push(["other model", buildTinyLm({ seed: keccak256(stringToBytes("substitute")) }).bytes]);
  for (const [name, bytes] of variants) {
    const m = await loadModelFromBytes(bytes, new ByteTokenizer(), { id: TINY_LM_ID, maxContext: 128, intraOpNumThreads: 1 });
    const f = flagged(await m.forward(challenge.prompts));
    await m.release();
    perVariant[name] = { flagged: f, items: batch, rate: f / batch };
  }
  await model.release();
  let minVariant = "";
  let minRate = Infinity;
  for (const [k, v] of Object.entries(perVariant)) {
    if (v.rate < minRate) {
      minRate = v.rate;
      minVariant = k;
    }
  }
  return { batch, perVariant, honestFlagged, minRate, minVariant };
}
