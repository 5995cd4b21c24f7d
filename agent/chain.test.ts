import { test } from "node:test";
import assert from "node:assert/strict";
import { assertChallengeable, regionBytes8, type NodeRecord } from "./chain";
import { AgentError } from "./errors";

const node = "0x1111111111111111111111111111111111111111" as const;
const base: NodeRecord = {
  node,
  operator: "0x2222222222222222222222222222222222222222",
  status: "Active",
  jailedUntil: 0n,
  unbondReleaseTime: 0n,
  stake: 100n,
  unbonding: 0n,
  claim: { gpuModel: 0, gpuCount: 1, gflops: 1, vramMiB: 1024, region: "0x6465766e65740000" },
};

function code(rec: NodeRecord, now: number): string | undefined {
  try {
    assertChallengeable(node, rec, now);
    return undefined;
  } catch (e) {
    assert.ok(e instanceof AgentError);
    return `${e.code} ${e.message}`;
  }
}

test("an active node may be challenged", () => {
  assert.equal(code(base, 1_000), undefined);
});

test("an unregistered node is AG005 and says how to register", () => {
  assert.match(code({ ...base, status: "None" }, 1_000)!, /^AG005 .*not registered.*agent -- register/);
});

test("a jailed node is AG006 with the date and the seconds left", () => {
  const until = 1_795_000_000;
  const msg = code({ ...base, status: "Jailed", jailedUntil: BigInt(until) }, until - 120)!;
  assert.match(msg, /^AG006 /);
  assert.ok(msg.includes(new Date(until * 1000).toISOString()), msg);
  assert.match(msg, /\(120 s from now\)/);
  // The jail ends on time: the same record after jailedUntil is challengeable again.
  assert.equal(code({ ...base, jailedUntil: BigInt(until) }, until), undefined);
});

test("an exiting node is AG013", () => {
  assert.match(code({ ...base, status: "Exiting" }, 1_000)!, /^AG013 /);
});

test("regions are bytes8, longer ones refused", () => {
  assert.equal(regionBytes8("eu-west"), "0x65752d7765737400");
  assert.throws(() => regionBytes8("much-too-long"), AgentError);
});
