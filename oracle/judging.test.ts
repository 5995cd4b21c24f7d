import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Address, Hex } from "viem";
import { SlashReason } from "../protocol";
import type { ChallengeRow } from "./store/challenges";
import { condemnedStreak, judgeEpoch, MAX_VERDICT_LOOKBACK } from "./judging";
import { dueOnWallClock } from "./challenges";
import { deadlineSpans } from "../protocol/deadline";

const NODE = "0x00000000000000000000000000000000000000aa";
const OP = "0x00000000000000000000000000000000000000bb" as Address;

function row(round: number, over: Partial<ChallengeRow>): ChallengeRow {
  return {
    id: `c${round}`, epoch: 3, node: NODE, round, kind: "gemm", seed: ("0x" + "01".repeat(32)) as Hex,
    spec: JSON.stringify({ round }),
    claim: JSON.stringify({ claim: { gflops: 100 }, operator: OP, units: 100, mflop: 1000, expectedMs: 1000 }),
    issue_at: 0, issued_at: 1_000, deadline: 9_000, root: null, committed_at: null, openings: null, answer: null,
    opened_at: null, verdict: null, reason: null, verify_ms: null, evidence: null,
    ...over,
  };
}
const opts = { fraudSlashBps: 5000, overclaimSlashBps: 1500, nowMs: 10_000 };

describe("judging an epoch", () => {
  it("an honest node: verified work, full capacity, no slash", () => {
    const rows = [0, 1, 2].map((r) => row(r, { verdict: "pass", committed_at: 2_000 }));
    const [n] = judgeEpoch(rows, new Map(), opts);
    assert.equal(n.verdict, "honest");
    assert.equal(n.verifiedWork, "3000");
    assert.equal(n.scoreDeviationPpm, 1_000_000);
    assert.equal(n.answered, 3);
    assert.equal(n.slash, undefined);
  });

  it("one wrong answer makes the node fraudulent with the configured slash and the engine's evidence", () => {
    const rows = [row(0, { verdict: "pass", committed_at: 2_000 }), row(1, { verdict: "fraud", committed_at: 2_000, evidence: ("0x" + "ee".repeat(32)) as Hex })];
    const [n] = judgeEpoch(rows, new Map(), opts);
    assert.equal(n.verdict, "fraudulent");
    assert.equal(n.slash?.bps, 5000);
    assert.equal(n.slash?.reason, SlashReason.Fraud);
    assert.match(n.slash!.evidence, /^0x[0-9a-f]{64}$/);
  });

  it("a node that never answers is unavailable and unpaid", () => {
    const rows = [0, 1, 2].map((r) => row(r, { issued_at: null }));
    const [n] = judgeEpoch(rows, new Map(), opts);
    assert.equal(n.verdict, "unavailable");
    assert.equal(n.verifiedWork, "0");
  });

  it("a node at a third of its claim on every challenge is under-delivering and slashed, capped by the config", () => {
    const rows = Array.from({ length: 12 }, (_, r) => row(r, { verdict: "pass", committed_at: 4_000 }));
    const [n] = judgeEpoch(rows, new Map(), opts);
    assert.equal(n.verdict, "under-delivering");
    assert.equal(n.slash?.reason, SlashReason.Overclaim);
    assert.ok(n.slash!.bps <= 1500);
    assert.ok(Math.abs(n.scoreDeviationPpm - 333_333) < 2);
  });
});

describe("the on-claim test reads the node's earlier epochs of the window", () => {
  // A node claiming 15 % more than it has: every challenge at 0.87 of the claim (1 s expected, 1.15 s taken).
  const epochRows = (epoch: number, claim = 100) =>
    Array.from({ length: 18 }, (_, r) =>
      row(r, {
        id: `e${epoch}c${r}`, epoch, verdict: "pass", committed_at: 2_150,
        claim: JSON.stringify({ claim: { gflops: claim }, operator: OP, units: 100, mflop: 1000, expectedMs: 1000 }),
      }),
    );

  it("one epoch cannot condemn a 15 % overclaim; the same epoch with two earlier ones does", () => {
    const [alone] = judgeEpoch(epochRows(3), new Map(), opts);
    assert.equal(alone.verdict, "honest");
    assert.ok(Math.abs(alone.scoreDeviationPpm - 869_565) < 2, "paid on what it delivered");
    const earlier = [...epochRows(1), ...epochRows(2)];
    const [windowed] = judgeEpoch(epochRows(3), new Map(), { ...opts, earlier: (n) => (n === NODE ? earlier : []) });
    assert.equal(windowed.verdict, "under-delivering");
    assert.equal(windowed.slash?.reason, SlashReason.Overclaim);
    assert.ok(windowed.slash!.bps > 0 && windowed.slash!.bps <= 1500);
  });

  it("changing the claim every epoch does not reset the window: each record counts against its own claim", () => {
    const earlier = [...epochRows(1, 90), ...epochRows(2, 95)];
    const [n] = judgeEpoch(epochRows(3), new Map(), { ...opts, earlier: () => earlier });
    assert.equal(n.verdict, "under-delivering");
    // An honest node that raised its claim after an upgrade: its earlier records reached their claims.
    const honestEarlier = [...epochRows(1, 50), ...epochRows(2, 50)].map((r) => ({ ...r, committed_at: 1_800 }));
    const [h] = judgeEpoch(epochRows(3).map((r) => ({ ...r, committed_at: 1_850 })), new Map(), { ...opts, earlier: () => honestEarlier });
    assert.equal(h.verdict, "honest");
  });
});

describe("overclaim slashed only after condemned epochs in a row", () => {
  const slow = () => Array.from({ length: 12 }, (_, r) => row(r, { verdict: "pass", committed_at: 4_000 }));

  it("a first condemnation (throttling, a lossy link) lowers pay but is not slashed", () => {
    const [n] = judgeEpoch(slow(), new Map(), { ...opts, overclaimSlashAfterEpochs: 3, priorCondemned: new Map() });
    assert.equal(n.verdict, "under-delivering");
    assert.equal(n.slash, undefined);
    assert.ok(Math.abs(n.scoreDeviationPpm - 333_333) < 2);
    const [second] = judgeEpoch(slow(), new Map(), { ...opts, overclaimSlashAfterEpochs: 3, priorCondemned: new Map([[NODE, 1]]) });
    assert.equal(second.slash, undefined);
  });

  it("the third condemned epoch in a row is slashed", () => {
    const [n] = judgeEpoch(slow(), new Map(), { ...opts, overclaimSlashAfterEpochs: 3, priorCondemned: new Map([[NODE, 2]]) });
    assert.equal(n.slash?.reason, SlashReason.Overclaim);
    assert.ok(n.slash!.bps > 0 && n.slash!.bps <= 1500);
  });

  it("fraud is slashed at once whatever the history", () => {
    const rows = [row(0, { verdict: "pass", committed_at: 2_000 }), row(1, { verdict: "fraud", committed_at: 2_000, evidence: ("0x" + "ee".repeat(32)) as Hex })];
    const [n] = judgeEpoch(rows, new Map(), { ...opts, overclaimSlashAfterEpochs: 10, priorCondemned: new Map() });
    assert.equal(n.slash?.reason, SlashReason.Fraud);
    assert.equal(n.slash?.bps, 5000);
  });

  it("counts condemnations in a row: honest or an earlier overclaim slash ends the run, unavailable epochs are skipped", () => {
    const U = (slashReason = 0) => ({ verdict: "under-delivering", slashReason });
    assert.equal(condemnedStreak([]), 0);
    assert.equal(condemnedStreak([U(), U(), U()]), 3);
    assert.equal(condemnedStreak([U(), { verdict: "honest", slashReason: 0 }, U()]), 1);
    assert.equal(condemnedStreak([U(), { verdict: "unavailable", slashReason: 0 }, U()]), 2);
    assert.equal(condemnedStreak([U(), U(Number(SlashReason.Overclaim)), U()]), 1);
    assert.equal(condemnedStreak(Array.from({ length: 1000 }, () => U())), MAX_VERDICT_LOOKBACK);
  });
});

describe("paid when on time, timed from the due instant", () => {
  // Expected 1 s at the claim, a network floor of 100 ms: on time within 1,264 ms, cut-off 2,100 ms.
  const spans = deadlineSpans(1_000, 100);
  const claim = JSON.stringify({ claim: { gflops: 100 }, operator: OP, units: 100, mflop: 1000, expectedMs: 1000, onTimeMs: spans.onTimeMs });
  const at = (r: number, latencyMs: number) => row(r, { claim, verdict: "pass", issued_at: 1_000, committed_at: 1_000 + latencyMs, deadline: spans.cutoffMs });

  it("derives both spans from the judge's noise model", () => {
    assert.equal(spans.onTimeMs, 1_164 + 100);
    assert.equal(spans.cutoffMs, 2_000 + 100);
  });

  it("a verified answer past its on-time span is judged on its ratio but earns neither work nor uptime", () => {
    // Six rounds at 0.85 x expected (on time), six at 1.7 x (the second identity of a machine
    // that serialises two: late, still before the cut-off).
    const rows = [...Array.from({ length: 6 }, (_, r) => at(r, 850)), ...Array.from({ length: 6 }, (_, r) => at(6 + r, 1_700))];
    const [n] = judgeEpoch(rows, new Map(), opts);
    assert.equal(n.answered, 12);
    assert.equal(n.onTime, 6);
    assert.equal(n.verifiedWork, "6000", "only the on-time answers' work");
    // Measured capacity: the mean ratio of every verified answer, (1 / 0.85 + 1 / 1.7) / 2.
    assert.ok(Math.abs(n.scoreDeviationPpm - Math.round((1_000_000 / 0.85 + 1_000_000 / 1.7) / 2)) < 2, `${n.scoreDeviationPpm}`);
    assert.equal(n.claimGflops, 100);
  });

  it("a node absent at the due instant is timed from it: waiting for its turn counts", () => {
    // A node whose session opened 850 ms after the due instant (a machine's first identity was
    // computing) and that then computed 850 ms: delivery starts its latency at the due instant.
    const dueAt = 50_000;
    const wallLead = 7_000; // the chain-aligned clock runs 7 s ahead of the wall clock
    const start = dueOnWallClock({ issue_at: dueAt }, dueAt + 850, dueAt + 850 - wallLead);
    assert.equal(start, dueAt - wallLead, "the due instant on the wall clock");
    const [n] = judgeEpoch([row(0, { claim, verdict: "pass", issued_at: start, committed_at: start + 1_700, deadline: spans.cutoffMs })], new Map(), opts);
    assert.equal(n.onTime, 0, "late from the due instant");
    assert.equal(n.verifiedWork, "0");
    // Timed from its own pick-up instead (the former rule), the same answer was on time and paid.
    const [former] = judgeEpoch([row(0, { claim, verdict: "pass", issued_at: start + 850, committed_at: start + 1_700, deadline: spans.cutoffMs })], new Map(), opts);
    assert.equal(former.onTime, 1);
    assert.equal(former.verifiedWork, "1000");
  });

  it("a due instant not yet passed is not moved later than the hand-out", () => {
    assert.equal(dueOnWallClock({ issue_at: 10_000 }, 9_000, 3_000), 3_000);
  });
});
