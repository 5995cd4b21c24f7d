/**
 * The infer challenge on the agent: one forward pass of the causal LM over the challenge's
 * prompts, per-item logit fingerprints, their Merkle root (engine/llm `runInfer`), and the
 * opened items with proofs in the infer wire format (protocol/wire/infer.ts).
 * The model is the repository's embedded model (the one the oracle verifies with), loaded once
 * per agent process.
 */
import { checkInferChallenge, loadEmbeddedModel, openInfer, runInfer, type CausalLm, type InferChallenge } from "../engine/llm";
import { decodeInferChallenge, encodeInferOpening } from "../protocol/wire/infer";
import { AgentError } from "./errors";
import type { Challenge } from "./client";
import type { ResultHooks, Solved, SolverOptions } from "./solver-types";

let model: Promise<CausalLm> | undefined;

function getModel(opts: SolverOptions): Promise<CausalLm> {
  model ??= loadEmbeddedModel({
    executionProviders: (opts.executionProviders ?? ["cpu"]) as ("cuda" | "cpu")[],
    intraOpNumThreads: opts.threads ?? 0,
  });
  return model;
}

export async function solveInfer(ch: Challenge, opts: SolverOptions, hooks: ResultHooks = {}): Promise<Solved> {
  const m = await getModel(opts);
  let challenge: InferChallenge;
  try {
    challenge = decodeInferChallenge(ch.spec);
    checkInferChallenge(challenge, m);
  } catch (err) {
    throw new AgentError("BadChallenge", `malformed infer challenge ${ch.challengeId}: ${(err as Error).message}`, { cause: err });
  }
  const t0 = performance.now();
  let answer = await runInfer(m, challenge);
  if (hooks.infer) answer = hooks.infer(answer, challenge);
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
        throw new AgentError("BadChallenge", `cannot open items [${indices.join(", ")}]: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}

/** Frees the model (tests and shutdown). */
export async function releaseInferModel(): Promise<void> {
  if (model) await (await model).release();
  model = undefined;
}
