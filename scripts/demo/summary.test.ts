import { test } from "node:test";
import assert from "node:assert/strict";
import { judgeDemo, resultJson, summaryTable, type NodeOutcome } from "./summary";

const base: NodeOutcome = {
  name: "a", node: "0x1111111111111111111111111111111111111111", operator: "0x2222222222222222222222222222222222222222",
  behaviour: "honest", honest: true, claimGflops: 10, verdicts: { ok: 3 },
  stakeBefore: 100n, stakeAfter: 100n, slashed: 0n, rewardsClaimed: 5n,
};

test("the demo passes only with paid, unslashed honest nodes and slashed cheaters", () => {
  const cheater = { ...base, name: "c", behaviour: "forge-rows", honest: false, stakeAfter: 50n, slashed: 50n, rewardsClaimed: 0n, counterfactual: "a" };
  assert.deepEqual(judgeDemo({ epochs: [1, 2, 3], nodes: [base, cheater] }), { ok: true, problems: [] });
  // A cheater slashed a little but paid more than its net loss: it came out ahead of honesty.
  const ahead = { ...cheater, stakeAfter: 99n, slashed: 1n, rewardsClaimed: 7n };
  const v = judgeDemo({ epochs: [1], nodes: [base, ahead] });
  assert.equal(v.ok, false);
  assert.match(v.problems.join("\n"), /not less than .* its honest counterfactual a was paid/);
  // Exactly the counterfactual's pay is not less: it fails too.
  assert.equal(judgeDemo({ epochs: [1], nodes: [base, { ...ahead, rewardsClaimed: 6n }] }).ok, false);
  assert.equal(judgeDemo({ epochs: [1], nodes: [base, { ...ahead, rewardsClaimed: 5n }] }).ok, true);
  assert.equal(judgeDemo({ epochs: [1], nodes: [base, { ...cheater, counterfactual: undefined }] }).ok, false);
  // Against an honest claim of its measured throughput: an overclaimer paid 7 must lose stake.
  const over = { ...cheater, name: "o", behaviour: "overclaim", counterfactual: "measured", rewardsClaimed: 7n };
  assert.equal(judgeDemo({ epochs: [1], nodes: [base, { ...over, slashed: 1n, stakeAfter: 99n }] }).ok, true);
  assert.equal(judgeDemo({ epochs: [1], nodes: [base, { ...over, slashed: 0n, stakeAfter: 100n }] }).ok, false);
  assert.equal(judgeDemo({ epochs: [1], nodes: [{ ...base, rewardsClaimed: 0n }] }).ok, false);
  assert.equal(judgeDemo({ epochs: [1], nodes: [{ ...base, slashed: 1n, stakeAfter: 99n }] }).ok, false);
  assert.equal(judgeDemo({ epochs: [1], nodes: [{ ...cheater, slashed: 0n, stakeAfter: 100n }] }).ok, false);
  assert.equal(judgeDemo({ epochs: [], nodes: [base] }).ok, false);
});

test("the last line is one JSON object with every node's figures as decimal strings", () => {
  const j = JSON.parse(resultJson({ epochs: [4, 5, 6], nodes: [base] }, true));
  assert.equal(j.epochsRun, 3);
  assert.equal(j.nodes[0].stakeBefore, "100");
  assert.deepEqual(j.nodes[0].verdicts, { ok: 3 });
  assert.match(summaryTable({ epochs: [1], nodes: [base] }), /honest/);
});
