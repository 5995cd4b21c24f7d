/**
 * The infer challenge on the agent: one forward pass of the causal LM over the challenge's
 * prompts, per-item logit fingerprints, their Merkle root (engine/llm `runInfer`), and the
 * opened items with proofs in the infer wire format (protocol/wire/infer.ts).
 * The model is the repository's embedded model (the one the oracle verifies with), loaded once
 * per agent process.
 */
import { merkleRoot } from "../engine/merkle";
import { checkInferChallenge, loadEmbeddedModel, openInfer, runInfer, itemLeaf, type CausalLm, type InferChallenge } from "../engine/llm";
import { encodeInferOpening } from "../protocol/wire/infer";
import { AgentError } from "./errors";
import type { Behaviour } from "./behaviours";
import type { Challenge } from "./client";
import type { Solved, SolverOptions } from "./solver";

let model: Promise<CausalLm> | undefined;

function getModel(opts: SolverOptions): Promise<CausalLm> {
  model ??= loadEmbeddedModel({
    executionProviders: (opts.executionProviders ?? ["cpu"]) as ("cuda" | "cpu")[],
    intraOpNumThreads: opts.threads ?? 0,
  });
  return model;
}

export async function solveInfer(ch: Challenge, behaviour: Behaviour, opts: SolverOptions): Promise<Solved> {
  const m = await getModel(opts);
  const challenge = ch.spec as unknown as InferChallenge;
  try {
    checkInferChallenge(challenge, m);
  } catch (err) {
    throw new AgentError("AG010_BAD_CHALLENGE", `malformed infer challenge ${ch.challengeId}: ${(err as Error).message}`, { cause: err });
  }
  const t0 = performance.now();
  let answer = await runInfer(m, challenge);
  // Cheaters only: made-up logits for forged items, re-committed (see behaviours.ts).
  if (answer.items.some((_, i) => behaviour.forges(i))) {
    const items = answer.items.map((fp, i) =>
      behaviour.forges(i) ? { ids: fp.ids, q: fp.q.map((row) => Array.from(behaviour.madeUpValues(row.length), (v) => Math.round(v * 4096))) } : fp,
    );
    const leaves = items.map((fp, i) => itemLeaf(challenge.seed, i, fp));
    answer = { ...answer, items, leaves, root: merkleRoot(leaves) };
  }
  const ms = performance.now() - t0;
  const final = answer;
  return {
    root: final.root,
    ms,
    provider: "onnxruntime",
    open: (indices) => {
      try {
        return openInfer(final, indices).map(encodeInferOpening);
      } catch (err) {
        throw new AgentError("AG010_BAD_CHALLENGE", `cannot open items [${indices.join(", ")}]: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}

/** Frees the model (tests and shutdown). */
export async function releaseInferModel(): Promise<void> {
  if (model) await (await model).release();
  model = undefined;
}
