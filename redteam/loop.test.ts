/**
 * A skip node in the agent's loop: the challenge is fetched, nothing is committed or opened,
 * and the log says it was left unanswered by the behaviour (the event the demo shows).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runLoop } from "../agent/loop";
import type { Challenge, OracleClient } from "../agent/client";
import { makeBehaviour } from "./behaviours";
import { makeCheatingSolver } from "./solver";

const challenge: Challenge = { challengeId: "c-1", kind: "gemm", epoch: "1", round: 0, seed: "0x00", spec: {}, deadline: 0 };

test("a skip node fetches the challenge and leaves it unanswered", async () => {
  const calls: string[] = [];
  const client = {
    baseUrl: "http://oracle.test",
    next: async () => (calls.push("next"), { challenge }),
    commit: async () => (calls.push("commit"), { openings: [] }),
    open: async () => (calls.push("open"), { verdict: "pass" }),
  } as unknown as OracleClient;
  const events: { event: string; msg: string }[] = [];
  const stats = await runLoop({
    client,
    solver: makeCheatingSolver(makeBehaviour("skip")),
    maxChallenges: 1,
    log: (_level, event, msg) => events.push({ event, msg }),
  });
  assert.deepEqual(calls, ["next"]);
  assert.equal(stats.unanswered, 1);
  const skipped = events.find((e) => e.event === "challenge.skipped");
  assert.equal(skipped?.msg, "challenge c-1 left unanswered (behaviour skip)");
});
