/**
 * Runs a challenge with the engine: the same kernels, generators and Merkle trees the oracle
 * verifies with (engine/gemm.ts, engine/llm). Returns the root to commit and a function that
 * answers the openings in the API's wire format `{index, data, proof}`.
 *
 * Wire formats, as the oracle's verifiers decode them:
 * - gemm (oracle/work-gemm.ts): `{index, data, proof}`, `data` = 0x-hex of the opened row of C
 *   then its fingerprint group, float32 little-endian (`n` values, then `groupRows·projCols`
 *   values, fewer in a last partial group);
 * - infer (oracle/work-infer.ts, solver-infer.ts): `{index, fingerprint: {ids, q}, proof}`.
 */
import { bytesToHex as toHex, concat } from "viem";
import {
  checkGemmSpec,
  f32Bytes,
  openGemm,
  runGemm,
  type GemmSpec,
} from "../engine/gemm";
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
          throw new AgentError("AG010_BAD_CHALLENGE", `challenge kind "${ch.kind}" is not supported by this agent`);
      }
    },
  };
}

async function solveGemm(ch: Challenge, opts: SolverOptions, hooks: ResultHooks): Promise<Solved> {
  const spec = ch.spec as unknown as GemmSpec;
  try {
    checkGemmSpec(spec);
  } catch (err) {
    throw new AgentError("AG010_BAD_CHALLENGE", `malformed gemm challenge ${ch.challengeId}: ${(err as Error).message}`, { cause: err });
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
        return openGemm(run, indices).map((o) => ({ index: o.index, data: toHex(concat([f32Bytes(o.row), f32Bytes(o.group)])), proof: o.proof }));
      } catch (err) {
        throw new AgentError("AG010_BAD_CHALLENGE", `cannot open rows [${indices.join(", ")}]: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
