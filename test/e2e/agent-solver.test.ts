/**
 * The agent's gemm answers against the oracle's own verifier (oracle/work-gemm.ts on the engine):
 * an honest answer passes, and the red team's forge-rows answer is caught as fraud.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes, type Hex } from "viem";
import { GemmWork } from "../../oracle/work-gemm";
import { makeSolver } from "../../agent/solver";
import type { Solver, SolverOptions } from "../../agent/solver-types";
import type { Challenge } from "../../agent/client";
import { AgentError } from "../../agent/errors";
import { makeBehaviour } from "../../redteam/behaviours";
import { makeCheatingSolver } from "../../redteam/solver";

const epochSeed = keccak256(stringToBytes("poai.agent.test.epoch"));
const claim = { gpuModel: 0, gpuCount: 1, gflops: 2, vramMiB: 1024, region: "0x0000000000000000" as Hex };
const work = new GemmWork({ maxN: 256 });
const SOLVER_OPTIONS: SolverOptions = { executionProviders: ["cpu"], threads: 1 };
const honest = makeSolver(SOLVER_OPTIONS);
/** The red team's forger, every row or item forged. */
const forger = makeCheatingSolver(makeBehaviour("forge-rows", 1), SOLVER_OPTIONS);

/** Solves with a solver that answers (the honest one or a forger). */
async function solveWith(solver: Solver, ch: Challenge) {
  const solved = await solver.solve(ch);
  assert.ok(solved, `${solver.name} left the challenge unanswered`);
  return solved;
}

function challenge(tag: string): Challenge {
  const seed = keccak256(stringToBytes(tag));
  const plan = work.plan(epochSeed, seed, claim, 200);
  return { challengeId: tag, kind: "gemm", epoch: "1", round: 0, seed, spec: plan.spec, deadline: 0 };
}

async function answer(ch: Challenge, solver: Solver) {
  const solved = await solveWith(solver, ch);
  const openings = work.chooseOpenings(ch.spec, solved.root, 4);
  return work.verify(epochSeed, ch.spec, solved.root, solved.open(openings) as unknown as Record<string, unknown>[], openings);
}

test("an honest gemm answer passes the oracle's verification", async () => {
  const v = await answer(challenge("honest-1"), honest);
  assert.equal(v.ok, true, v.reason);
  assert.equal(v.fraud, false);
});

test("a forge-rows answer is rejected as fraud by the oracle", async () => {
  const v = await answer(challenge("forger-1"), forger);
  assert.equal(v.ok, false);
  assert.equal(v.fraud, true);
  assert.match(v.reason, /Fingerprint|Row/);
});

test("an unknown challenge kind or a malformed spec is AG010", async () => {
  const ch = challenge("odd");
  await assert.rejects(honest.solve({ ...ch, kind: "teleport" }), (e: unknown) => e instanceof AgentError && e.reason === "BadChallenge");
  await assert.rejects(honest.solve({ ...ch, spec: { ...ch.spec, n: 100 } }), (e: unknown) => e instanceof AgentError && e.reason === "BadChallenge");
});

test("infer: an honest answer passes the oracle's verification, a forged one is fraud", { timeout: 120_000 }, async () => {
  const { InferWork } = await import("../../oracle/work-infer");
  const { releaseInferModel } = await import("../../agent/solver-infer");
  const infer = new InferWork({ promptLen: 16, poolSize: 8, maxBatch: 16, minBatch: 8 });
  try {
    const seed = keccak256(stringToBytes("infer-1"));
    const plan = await infer.plan(epochSeed, seed, claim, 200);
    const ch: Challenge = { challengeId: "infer-1", kind: "infer", epoch: "1", round: 0, seed, spec: plan.spec, deadline: 0 };
    for (const [solver, ok] of [[honest, true], [forger, false]] as const) {
      const solved = await solveWith(solver, ch);
      const openings = infer.chooseOpenings(ch.spec, solved.root, 4);
      const v = await infer.verify(epochSeed, ch.spec, solved.root, solved.open(openings) as unknown as Record<string, unknown>[], openings);
      assert.equal(v.ok, ok, `${solver.name}: ${v.reason}`);
      if (!ok) assert.equal(v.fraud, true);
    }
  } finally {
    await infer.close();
    await releaseInferModel();
  }
});
