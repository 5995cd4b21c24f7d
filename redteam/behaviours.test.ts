/** The behaviours' rules: which rows forge-rows forges, which behaviours answer, bad fractions. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AgentError } from "../agent/errors";
import { makeBehaviour, parseBehaviour } from "./behaviours";

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

test("an unknown behaviour is AG011 naming the known ones; none given is honest", () => {
  assert.equal(parseBehaviour(undefined), "honest");
  assert.throws(() => parseBehaviour("sneaky"), (e: unknown) => e instanceof AgentError && /--behaviour must be one of honest, overclaim, forge-rows, grind-forge, skip, lazy-commit, intermittent, replay/.test(e.message));
});
