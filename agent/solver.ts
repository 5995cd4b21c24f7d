/**
 * Runs a challenge with the engine: the same kernels, generators and Merkle trees the oracle
 * verifies with (engine/gemm, engine/llm). Returns the root to commit and a function that
 * answers the openings in the kind's wire format, encoded by the codec the oracle decodes with
 * (protocol/wire/gemm.ts, protocol/wire/infer.ts).
 */
import { bytesToHex, type Hex } from "viem";
import { merkleRootBytes } from "../engine/merkle";
import { checkGemmSpec, type GemmSpec } from "../engine/gemm/spec";
import { fingerprintLeaves } from "../engine/gemm/data";
import { openGemm, runGemm, type GemmRun } from "../engine/gemm/kernel";
import { encodeGemmOpening } from "../protocol/wire/gemm";
import { AgentError } from "./errors";
import type { Behaviour } from "./behaviours";
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

export type Solver = (challenge: Challenge, behaviour: Behaviour) => Promise<Solved>;

export function makeSolver(opts: SolverOptions = {}): Solver {
  return async (ch, behaviour) => {
    switch (ch.kind) {
      case "gemm":
        return solveGemm(ch, behaviour, opts);
      case "infer":
        return (await import("./solver-infer")).solveInfer(ch, behaviour, opts);
      default:
        throw new AgentError("AG010_BAD_CHALLENGE", `challenge kind "${ch.kind}" is not supported by this agent`);
    }
  };
}

async function solveGemm(ch: Challenge, behaviour: Behaviour, opts: SolverOptions): Promise<Solved> {
  const spec = ch.spec as unknown as GemmSpec;
  try {
    checkGemmSpec(spec);
  } catch (err) {
    throw new AgentError("AG010_BAD_CHALLENGE", `malformed gemm challenge ${ch.challengeId}: ${(err as Error).message}`, { cause: err });
  }
  const t0 = performance.now();
  let run = await runGemm(spec, { executionProviders: opts.executionProviders ?? ["cpu"], intraOpNumThreads: opts.threads ?? 0 });
  run = forgeGemm(run, behaviour);
  const ms = performance.now() - t0;
  return {
    root: run.root,
    ms,
    provider: run.provider,
    open: (indices) => {
      try {
        return openGemm(run, indices).map(encodeGemmOpening);
      } catch (err) {
        throw new AgentError("AG010_BAD_CHALLENGE", `cannot open rows [${indices.join(", ")}]: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}

/** Replaces the fingerprints of forged rows with made-up values and re-commits (cheaters only). */
function forgeGemm(run: GemmRun, behaviour: Behaviour): GemmRun {
  const { spec } = run;
  const rows = spec.batch * spec.n;
  const m = spec.projCols;
  let forged = 0;
  const fp = run.fingerprints.slice();
  for (let i = 0; i < rows; i++) {
    if (!behaviour.forges(i)) continue;
    fp.set(behaviour.madeUpValues(m), i * m);
    forged++;
  }
  if (forged === 0) return run;
  const leaves = fingerprintLeaves(spec, fp);
  return { ...run, fingerprints: fp, leaves, root: bytesToHex(merkleRootBytes(leaves)) };
}
