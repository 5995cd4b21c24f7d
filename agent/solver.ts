/**
 * Runs a challenge with the engine: the same kernels, generators and Merkle trees the oracle
 * verifies with (engine/gemm, engine/llm). Returns the root to commit and a function that
 * answers the openings in the kind's wire format, encoded by the codec the oracle decodes with
 * (protocol/wire/gemm.ts, protocol/wire/infer.ts).
 */
import type { GemmSpec } from "../engine/gemm/spec";
import { openGemm, runGemm } from "../engine/gemm/kernel";
import { decodeGemmSpec, encodeGemmOpening } from "../protocol/wire/gemm";
import { AgentError } from "./errors";
import type { Challenge } from "./client";
import type { ResultHooks, Solved, Solver, SolverOptions } from "./solver-types";

/** The honest solver: `hooks` is for the red team's wrappers only (see solver-types.ts). */
export function makeSolver(opts: SolverOptions = {}, hooks: ResultHooks = {}): Solver {
  return {
    name: "honest",
    solve: async (ch) => {
      switch (ch.kind) {
        case "gemm":
          return solveGemm(ch, opts, hooks);
        case "infer":
          return (await import("./solver-infer")).solveInfer(ch, opts, hooks);
        default:
          throw new AgentError("BadChallenge", `challenge kind "${ch.kind}" is not supported by this agent`);
      }
    },
  };
}

async function solveGemm(ch: Challenge, opts: SolverOptions, hooks: ResultHooks): Promise<Solved> {
  let spec: GemmSpec;
  try {
    spec = decodeGemmSpec(ch.spec);
  } catch (err) {
    throw new AgentError("BadChallenge", `malformed gemm challenge ${ch.challengeId}: ${(err as Error).message}`, { cause: err });
  }
  const t0 = performance.now();
  let run = await runGemm(spec, { executionProviders: opts.executionProviders ?? ["cpu"], intraOpNumThreads: opts.threads ?? 0 });
  if (hooks.gemm) run = hooks.gemm(run);
  const ms = performance.now() - t0;
  return {
    root: run.root,
    ms,
    provider: run.provider,
    open: (indices) => {
      try {
        return openGemm(run, indices).map(encodeGemmOpening);
      } catch (err) {
        throw new AgentError("BadChallenge", `cannot open rows [${indices.join(", ")}]: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
