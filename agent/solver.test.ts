/**
 * The agent's gemm answers against the oracle's own verifier (oracle/work-gemm.ts on the engine):
 * an honest answer passes, a forge-rows answer is caught as fraud, and forge-rows forges about
 * the share it is asked to.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes, type Hex } from "viem";
import { GemmWork } from "../oracle/work-gemm";
import { makeBehaviour } from "./behaviours";
import { makeSolver } from "./solver";
import type { Challenge } from "./client";
import { AgentError } from "./errors";

const epochSeed = keccak256(stringToBytes("poai.agent.test.epoch"));
const claim = { gpuModel: 0, gpuCount: 1, gflops: 2, vramMiB: 1024, region: "0x0000000000000000" as Hex };
const work = new GemmWork({ maxN: 256 });
const solve = makeSolver({ executionProviders: ["cpu"], threads: 1 });

function challenge(tag: string): Challenge {
  const seed = keccak256(stringToBytes(tag));
  const plan = work.plan(epochSeed, seed, claim, 200);
  return { challengeId: tag, kind: "gemm", epoch: "1", round: 0, seed, spec: plan.spec, deadline: 0 };
}

async function answer(ch: Challenge, behaviour: ReturnType<typeof makeBehaviour>) {
  const solved = await solve(ch, behaviour);
  const openings = work.chooseOpenings(ch.spec, solved.root, 4);
  return work.verify(epochSeed, ch.spec, solved.root, solved.open(openings) as unknown as Record<string, unknown>[], 4);
}

test("an honest gemm answer passes the oracle's verification", async () => {
  const v = await answer(challenge("honest-1"), makeBehaviour("honest"));
  assert.equal(v.ok, true, v.reason);
  assert.equal(v.fraud, false);
});

test("a forge-rows answer is rejected as fraud by the oracle", async () => {
  const v = await answer(challenge("forger-1"), makeBehaviour("forge-rows", 1));
  assert.equal(v.ok, false);
  assert.equal(v.fraud, true);
  assert.match(v.reason, /Fingerprint|Row/);
});

test("forge-rows forges every k-th row; honest and overclaim forge none", () => {
  const half = makeBehaviour("forge-rows", 0.5);
  const forged = Array.from({ length: 1000 }, (_, i) => half.forges(i)).filter(Boolean).length;
  assert.equal(forged, 500);
  for (const name of ["honest", "overclaim"] as const) {
    const b = makeBehaviour(name);
    assert.equal(Array.from({ length: 1000 }, (_, i) => b.forges(i)).some(Boolean), false);
    assert.equal(b.answers, true);
  }
  assert.equal(makeBehaviour("skip").answers, false);
  assert.throws(() => makeBehaviour("forge-rows", 0), AgentError);
  assert.throws(() => makeBehaviour("forge-rows", 1.5), AgentError);
});

test("an unknown challenge kind or a malformed spec is AG010", async () => {
  const ch = challenge("odd");
  await assert.rejects(solve({ ...ch, kind: "teleport" }, makeBehaviour("honest")), (e: unknown) => e instanceof AgentError && e.code === "AG010_BAD_CHALLENGE");
  await assert.rejects(solve({ ...ch, spec: { ...ch.spec, n: 100 } }, makeBehaviour("honest")), (e: unknown) => e instanceof AgentError && e.code === "AG010_BAD_CHALLENGE");
});

test("infer: an honest answer passes the oracle's verification, a forged one is fraud", { timeout: 120_000 }, async () => {
  const { InferWork } = await import("../oracle/work-infer");
  const { releaseInferModel } = await import("./solver-infer");
  const infer = new InferWork({ promptLen: 16, poolSize: 8, maxBatch: 16, minBatch: 8 });
  try {
    const seed = keccak256(stringToBytes("infer-1"));
    const plan = await infer.plan(epochSeed, seed, claim, 200);
    const ch: Challenge = { challengeId: "infer-1", kind: "infer", epoch: "1", round: 0, seed, spec: plan.spec, deadline: 0 };
    for (const [behaviour, ok] of [[makeBehaviour("honest"), true], [makeBehaviour("forge-rows", 1), false]] as const) {
      const solved = await solve(ch, behaviour);
      const openings = infer.chooseOpenings(ch.spec, solved.root, 4);
      const v = await infer.verify(epochSeed, ch.spec, solved.root, solved.open(openings) as unknown as Record<string, unknown>[], 4);
      assert.equal(v.ok, ok, `${behaviour.name}: ${v.reason}`);
      if (!ok) assert.equal(v.fraud, true);
    }
  } finally {
    await infer.close();
    await releaseInferModel();
  }
});
