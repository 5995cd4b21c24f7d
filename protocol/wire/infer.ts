/**
 * The infer challenge's openings on the wire (POST /v1/challenges/:id/open), the one codec both
 * sides use: the agent encodes each opened item with `encodeInferOpening`, the oracle decodes it
 * with `decodeInferOpening` into engine/llm's `InferOpening` for the verifier.
 *
 * An opening is `{index, fingerprint: {ids, q}, proof}`: the item's logit fingerprint (top-k
 * token ids and quantized logits per sampled position) and its Merkle proof. The schema checks
 * the shape of the JSON; the verifier checks it against the challenge and the model (positions,
 * top-k, vocabulary, ranges: engine/llm `checkFingerprintShape`).
 *
 * The challenge itself travels as its `InferChallenge` (POST /v1/challenges/next, field `spec`):
 * `decodeInferChallenge` checks its shape; what needs the model (vocabulary, context, model id)
 * is checked against the loaded model by engine/llm `checkInferChallenge`.
 */
import { z } from "zod";
import type { InferOpening } from "../../engine/llm/infer";
import { INFER_VERSION, type InferChallenge } from "../../engine/llm/prompts";
import { WireError } from "../errors";
import { hex32, issues } from "./hex";

const tokenIds = z.array(z.number().int().min(0));

export const inferChallengeWire = z
  .object({
    version: z.literal(INFER_VERSION),
    seed: hex32,
    modelId: z.string().min(1),
    prompts: z.array(tokenIds).min(1),
    positions: tokenIds.min(1),
    topK: z.number().int().min(1),
    poolSeed: hex32.optional(),
  })
  .strict();

/** The challenge as the API sends it (a plain JSON object). */
export function encodeInferChallenge(c: InferChallenge): Record<string, unknown> {
  return { ...c };
}

/** Decodes an infer challenge from the wire; a malformed one is a WireError (PR004). */
export function decodeInferChallenge(input: unknown): InferChallenge {
  const parsed = inferChallengeWire.safeParse(input);
  if (!parsed.success) throw new WireError("WireBadInferChallenge", issues(parsed.error, "challenge"));
  return parsed.data;
}

export const inferOpeningWire = z.object({
  index: z.number().int().min(0),
  fingerprint: z.object({ ids: z.array(z.array(z.number())), q: z.array(z.array(z.number())) }),
  proof: z.array(hex32),
});

export type InferOpeningWire = z.infer<typeof inferOpeningWire>;

export function encodeInferOpening(o: InferOpening): InferOpeningWire {
  return { index: o.index, fingerprint: { ids: o.fingerprint.ids, q: o.fingerprint.q }, proof: [...o.proof] };
}

/** Decodes an opening from the wire; a malformed one is a WireError (PR002) naming the bad fields. */
export function decodeInferOpening(input: unknown): InferOpening {
  const parsed = inferOpeningWire.safeParse(input);
  if (!parsed.success) throw new WireError("WireBadInferOpening", issues(parsed.error));
  return parsed.data;
}

