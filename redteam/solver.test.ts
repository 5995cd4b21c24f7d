/**
 * The red team's solver drives the honest one: honest and overclaim commit the honest root,
 * forge-rows commits another root over forged fingerprints (row data untouched), skip answers
 * nothing. That the oracle catches the forger is test/e2e/solver.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes } from "viem";
import { generateGemmChallenge, GEMM_SPEC_VERSION } from "../engine/gemm/spec";
import { makeSolver } from "../agent/solver";
import type { Challenge } from "../agent/client";
import type { Solved } from "../agent/solver-types";
import { makeBehaviour } from "./behaviours";
import { makeCheatingSolver } from "./solver";

const OPTS = { executionProviders: ["cpu"], threads: 1 };
const seed = keccak256(stringToBytes("poai.redteam.test"));
const spec = generateGemmChallenge(seed, { n: 64, batch: 2, precision: "fp32" });
const ch: Challenge = { challengeId: "rt-1", kind: "gemm", epoch: "1", round: 0, seed, spec: spec as unknown as Challenge["spec"], deadline: 0 };
const ROWS = [0, 1, 2, 3];

function opened(s: Solved | undefined) {
  assert.ok(s);
  return s.open(ROWS) as { index: number; data: string }[];
}

test("honest and overclaim commit what the honest agent commits", async () => {
  assert.equal(spec.version, GEMM_SPEC_VERSION);
  const honest = await makeSolver(OPTS).solve(ch);
  for (const name of ["honest", "overclaim"] as const) {
    const s = await makeCheatingSolver(makeBehaviour(name), OPTS).solve(ch);
    assert.equal(s?.root, honest?.root, name);
    assert.deepEqual(opened(s), opened(honest), name);
  }
});

test("forge-rows commits another root; every forged row's opening differs from the honest one", async () => {
  const honest = opened(await makeSolver(OPTS).solve(ch));
  const forger = makeCheatingSolver(makeBehaviour("forge-rows", 1), OPTS);
  assert.equal(forger.name, "forge-rows");
  const solved = await forger.solve(ch);
  assert.notEqual(solved?.root, (await makeSolver(OPTS).solve(ch))?.root);
  opened(solved).forEach((o, i) => assert.notEqual(o.data, honest[i].data, `row ${o.index}`));
});

test("skip leaves every challenge unanswered", async () => {
  const skipper = makeCheatingSolver(makeBehaviour("skip"), OPTS);
  assert.equal(skipper.name, "skip");
  assert.equal(await skipper.solve(ch), undefined);
});
