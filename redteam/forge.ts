/**
 * The forge-rows cheat as result hooks for the agent's solver (agent/solver-types.ts
 * `ResultHooks`): after the honest computation and before the commitment, the rows (gemm) or
 * items (infer) the behaviour forges get made-up values, and the Merkle root is rebuilt over the
 * forged result. The openings then match the root, but an opened forged row does not match the
 * oracle's recomputation.
 */
import { bytesToHex } from "viem";
import { fingerprintLeaves } from "../engine/gemm/data";
import type { GemmRun } from "../engine/gemm/kernel";
import { itemLeaf, type InferAnswer, type InferChallenge } from "../engine/llm";
import { merkleRoot, merkleRootBytes } from "../engine/merkle";
import type { ResultHooks } from "../agent/solver-types";
import type { Behaviour } from "./behaviours";
import { grindGemm, grindInfer, type GrindResult } from "./grind";

/** Made-up values become integer logits at this scale (any value off the honest logits is caught). */
const MADE_UP_LOGIT_SCALE = 4096;

/** Replaces the fingerprints of forged rows with made-up values and re-commits (cheaters only). */
export function forgeGemm(run: GemmRun, behaviour: Behaviour): GemmRun {
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

/** Made-up logits for forged items, re-committed. */
export function forgeInfer(answer: InferAnswer, challenge: InferChallenge, behaviour: Behaviour): InferAnswer {
  if (!answer.items.some((_, i) => behaviour.forges(i))) return answer;
  const items = answer.items.map((fp, i) =>
    behaviour.forges(i) ? { ids: fp.ids, q: fp.q.map((row) => Array.from(behaviour.madeUpValues(row.length), (v) => Math.round(v * MADE_UP_LOGIT_SCALE))) } : fp,
  );
  const leaves = items.map((fp, i) => itemLeaf(challenge.seed, i, fp));
  return { ...answer, items, leaves, root: merkleRoot(leaves) };
}

/** One JSON log line per ground challenge, in the agent's `--log json` shape. */
function logGround(kind: string, seed: string, g: GrindResult, write: (line: string) => void) {
  write(JSON.stringify({ t: new Date().toISOString(), level: "info", event: "redteam.ground", msg: `${kind} ${seed}: ${g.tries} tries, predicted openings [${g.predicted.join(", ")}]${g.found ? "" : " (gave up)"}`, kind, seed, ...g }));
}

/**
 * The hooks that apply `behaviour`'s forging to both challenge kinds; `grind-forge` grinds each
 * forged result against the public draw after forging it.
 */
export function forgingHooks(behaviour: Behaviour, write: (line: string) => void = (l) => process.stdout.write(l + "\n")): ResultHooks {
  const k = behaviour.grindOpenings;
  return {
    gemm: (run) => {
      const forged = forgeGemm(run, behaviour);
      if (k === undefined || forged === run) return forged;
      const g = grindGemm(forged, (row) => behaviour.forges(row), k);
      logGround("gemm", run.spec.seed, g.grind, write);
      return g.run;
    },
    infer: (answer, challenge) => {
      const forged = forgeInfer(answer, challenge, behaviour);
      if (k === undefined || forged === answer) return forged;
      const g = grindInfer(forged, challenge, (i) => behaviour.forges(i), k);
      logGround("infer", challenge.seed, g.grind, write);
      return g.answer;
    },
  };
}
