/**
 * What a solver is to the challenge loop: it runs one challenge and returns the root to commit
 * and a function that answers the openings. Its own module so that the per-kind solvers
 * (solver.ts, solver-infer.ts) share these types without importing each other.
 */
import type { Hex } from "viem";
import type { GemmRun } from "../engine/gemm/kernel";
import type { InferAnswer, InferChallenge } from "../engine/llm";
import type { Challenge, Opening } from "./client";

export interface Solved {
  root: Hex;
  open(indices: readonly number[]): Opening[];
  /** Extra fields sent with the openings (none for gemm). */
  extra?: Record<string, unknown>;
  /** Wall time of the work, ms. */
  ms: number;
  /** What ran it (onnxruntime execution provider). */
  provider: string;
}

export interface SolverOptions {
  /** onnxruntime execution providers, in order; default cuda then cpu when a GPU is seen, else cpu. */
  executionProviders?: string[];
  /** onnxruntime intra-op threads (0 = all cores). */
  threads?: number;
}

export interface Solver {
  /** How the node behaves, as its log says (`honest` for the agent's own solver). */
  readonly name: string;
  /** Runs a challenge; undefined leaves it unanswered (the oracle then counts it as missed). */
  solve(challenge: Challenge): Promise<Solved | undefined>;
}

/**
 * Steps between computing a result and committing to it. The honest agent commits what it
 * computed and passes none; the red team's forgers (redteam/forge.ts) rewrite the result here,
 * so a forged answer goes through the same commit and opening code as an honest one.
 */
export interface ResultHooks {
  gemm?(run: GemmRun): GemmRun;
  infer?(answer: InferAnswer, challenge: InferChallenge): InferAnswer;
}
