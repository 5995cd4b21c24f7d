import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChallengeOutcome } from "../../oracle/store/challenges";
import type { ChallengeTrace } from "./load-messages";
import { blame, capacityFormula, fitIdle, nodesPerCore, nodesPerCoreFitted } from "./report";

const outcome = (id: string, verdict: string | null, o: Partial<ChallengeOutcome> = {}): ChallengeOutcome => ({
  id, epoch: 3, node: "0xaa", round: 0, issue_at: 1_000, issued_at: 1_000, deadline: 11_000, committed_at: 2_000, opened_at: 3_000, verdict: verdict as never, reason: null, ...o,
});
const trace = (id: string, openSent: number | undefined): ChallengeTrace => ({ id, epoch: 3, deadline: 11_000, received: 1_000, computeMs: 5, commitSent: 1_500, openSent });

test("a challenge that did not pass is the oracle's fault unless the node answered after its deadline", () => {
  const b = blame(
    [
      outcome("pass", "pass"),
      outcome("void", "void", { reason: "oracle delivered it 3000 ms after its due instant" }),
      outcome("late-oracle", "late"),
      outcome("late-node", "late"),
      outcome("never-pushed", "missed", { issued_at: null }),
      outcome("missed-node", "missed"),
      outcome("fraud", "fraud"),
    ],
    [trace("pass", 2_500), trace("late-oracle", 10_000), trace("late-node", 12_000), trace("missed-node", undefined)],
    0,
  );
  assert.deepEqual(b.verdicts, { pass: 1, void: 1, late: 2, missed: 2, fraud: 1 });
  assert.equal(b.missedByOracle, 3);
  assert.equal(b.missedByLoad, 2);
  assert.equal(b.wrong, 1);
  assert.match(b.examples.join("\n"), /late-oracle.*1000 ms before the deadline/);
  // The same answer judged against a chain clock 1.5 s ahead was sent too late.
  assert.equal(blame([outcome("late-oracle", "late")], [trace("late-oracle", 10_000)], 1_500).missedByLoad, 1);
});

test("nodes per core: the core's hour over one node's idle hour and its challenges", () => {
  const c = { idleCpuSecondsPerNodeHour: 0.0036, cpuSecondsPerChallenge: 0.001, challengesPerNodeEpoch: 18 };
  assert.equal(Math.round(nodesPerCore(c)), 166_667);
  assert.match(capacityFormula(c), /3600 s \/ \(idle 0.00360 s per node-hour \+ 18 challenges per node-epoch x 1.00 ms per challenge\) = 3600 \/ 0.0216 = 166,667 \(extrapolation\)/);
  const fit = fitIdle([{ nodes: 500, cpuPerSecond: 0.03 + 500e-6 }, { nodes: 2000, cpuPerSecond: 0.03 + 2000e-6 }])!;
  assert.ok(Math.abs(fit.fixedCpuPerSecond - 0.03) < 1e-12);
  assert.ok(Math.abs(fit.perNodeHourSeconds - 0.0036) < 1e-9);
  assert.equal(Math.round(nodesPerCoreFitted(fit, 0.001, 18)), Math.round((3600 * 0.97) / (0.0036 + 0.018)));
  assert.equal(fitIdle([{ nodes: 500, cpuPerSecond: 0.1 }]), undefined);
});
