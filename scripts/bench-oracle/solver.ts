/**
 * The load generator's solver: the agent's `Solver` interface over the engine's exact reference
 * gemm (engine/gemm/reference.ts), with openings encoded by the codec the oracle decodes with.
 * Honest answers the verifier accepts, computed in plain TypeScript: thousands of simulated
 * nodes share one core, and each challenge is a tiny gemm, too small to be worth an onnxruntime
 * session.
 */
import { openGemm } from "../../engine/gemm/open";
import { referenceGemm } from "../../engine/gemm/reference";
import { decodeGemmSpec, encodeGemmOpening } from "../../protocol/wire/gemm";
import type { Solver } from "../../agent/solver-types";

export function referenceSolver(): Solver {
  return {
    name: "honest",
    solve: async (ch) => {
      if (ch.kind !== "gemm") throw new Error(`the load generator answers gemm challenges only, got ${ch.kind}`);
      const run = referenceGemm(decodeGemmSpec(ch.spec));
      return { root: run.root, ms: run.timings.totalMs, provider: run.provider, open: (indices) => openGemm(run, indices).map(encodeGemmOpening) };
    },
  };
}
