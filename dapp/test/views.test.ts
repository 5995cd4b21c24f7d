/**
 * The pure parts of the operator's and the network view: what is unknown stays unknown, the
 * judged figures read in words, earnings per epoch against the chain's root, fleet figures.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { barGeometry, MAX_BARS } from "../src/lib/chart";
import { claimableOf, earningsByEpoch, pendingOf } from "../src/lib/earnings";
import { explainCorrectness, explainOnTime, explainThroughput, explainVerdict, inProgressLine, slashReasonWords } from "../src/lib/explain";
import { NO_ORACLE, oracleReason, rpcReason } from "../src/lib/known";
import { summarizeFleet } from "../src/lib/network";
import { normalizeDraws, normalizeNetworkNodes, normalizeStats, OracleError, type EpochStat } from "../src/lib/oracleApi";
import { viewOf } from "../src/lib/settings";
import { gib, gflopsToTflops, mibToGib, tflops } from "../../protocol/units";
import { gib as agentGib, tflops as agentTflops } from "../../agent/units";

const E18 = 10n ** 18n;
const NODE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

const stat = (epoch: number, over: Partial<EpochStat> = {}): EpochStat => ({
  epoch,
  challenges: 10,
  passed: 10,
  answered: 10,
  onTime: 10,
  claimGflops: 1000,
  latencyMs: 100,
  scoreDeviation: 1.1,
  correctness: 1,
  reward: E18,
  verdict: "honest",
  slash: null,
  ...over,
});

describe("figures the oracle did not return stay unknown", () => {
  it("keeps missing counts, rewards and unmeasured latency as null, not zero", () => {
    const [s] = normalizeStats({ epochs: [{ epoch: 5, verdict: "unavailable", answered: 0, passed: 0, latencyMs: 0, correctness: 0 }] });
    assert.equal(s.challenges, null);
    assert.equal(s.reward, null);
    assert.equal(s.latencyMs, null, "nothing answered: no latency measured");
    assert.equal(s.correctness, null, "nothing answered: nothing verified");
    const [t] = normalizeStats({ epochs: [{ epoch: 6, answered: 4, passed: 3, onTime: 2, reward: "5000", claimGflops: 1 }] });
    assert.equal(t.correctness, 0.75);
    assert.equal(t.onTime, 2);
    assert.equal(t.reward, 5000n);
  });
  it("says why: no oracle, an oracle that did not answer, a dead RPC", () => {
    assert.match(NO_ORACLE, /no oracle configured/);
    assert.match(oracleReason(new OracleError("the oracle at http://x did not answer (network error)")), /^oracle unreachable: /);
    assert.match(oracleReason(new OracleError("the oracle answered: boom", 500)), /^oracle error: /);
    assert.match(rpcReason({ name: "HttpRequestError", shortMessage: "HTTP request failed." }), /^RPC unreachable: HTTP request failed/);
  });
});

describe("scores in words", () => {
  it("explains throughput against the claim, and warns below it", () => {
    assert.equal(explainThroughput(stat(1)).tone, "good");
    const low = explainThroughput(stat(1, { scoreDeviation: 0.8 }));
    assert.equal(low.tone, "warn");
    assert.match(low.words, /Lower the claim/);
    assert.equal(explainThroughput(stat(1, { scoreDeviation: 0.4 })).tone, "bad");
    assert.equal(explainThroughput(stat(1, { scoreDeviation: null })).value, "unknown");
    assert.match(explainThroughput(stat(1)).words, /1 TFLOPS claim/);
  });
  it("explains the on-time share and correctness from their counts", () => {
    const e = explainOnTime(stat(1, { onTime: 7 }));
    assert.equal(e.value, "70%");
    assert.match(e.words, /7 of 10 challenges/);
    assert.equal(explainOnTime(stat(1, { onTime: null })).value, "unknown");
    assert.equal(explainCorrectness(stat(1, { correctness: 0.9, passed: 9 })).tone, "bad");
    assert.match(explainCorrectness(stat(1, { correctness: 0.9, passed: 9 })).words, /fraud/);
    assert.equal(explainCorrectness(stat(1, { correctness: null, answered: 0 })).value, "not measured");
  });
  it("makes an honest verdict at 0.40 of the claim consistent with its number", () => {
    const v = explainVerdict(stat(1, { scoreDeviation: 0.4 }));
    assert.equal(v.tone, "warn");
    assert.match(v.words, /only 0\.40× its claim/);
    assert.equal(explainVerdict(stat(1)).tone, "good");
    assert.match(explainVerdict(stat(1, { verdict: "fraudulent" })).words, /50% of the stake/);
    assert.equal(explainVerdict(stat(1, { verdict: null })).value, "unknown");
    assert.match(slashReasonWords("fraud"), /did not match/);
  });
  it("names the chain's epoch when the node was last challenged earlier", () => {
    const live = { epoch: 23, issued: 4, passed: 4, failed: 0 };
    assert.match(inProgressLine(live, 23n)!, /^Epoch 23 in progress/);
    assert.match(inProgressLine(live, 27n)!, /No challenge yet in epoch 27.*last challenged in epoch 23/);
    assert.equal(inProgressLine(null, 27n), null);
  });
});

describe("earnings", () => {
  it("sums nodes per epoch, runs a total and marks what the chain's root covers", () => {
    const a = [stat(1, { reward: 2n * E18 }), stat(2, { reward: 3n * E18 }), stat(3, { reward: E18 })];
    const b = [stat(2, { reward: 5n * E18 })];
    const e = earningsByEpoch([a, b], 2);
    assert.deepEqual(
      e.map((x) => [x.epoch, x.amount, x.cumulative, x.finalized]),
      [
        [1, 2n * E18, 2n * E18, true],
        [2, 8n * E18, 10n * E18, true],
        [3, E18, 11n * E18, false],
      ],
    );
    assert.equal(pendingOf(e), E18);
    assert.equal(earningsByEpoch([a], null)[0].finalized, false, "no root: nothing finalized");
    assert.equal(earningsByEpoch([[stat(4, { reward: null })], [stat(4)]], 9)[0].amount, null, "one unknown makes the epoch unknown");
  });
  it("never claims below zero", () => {
    assert.equal(claimableOf(10n, 4n), 6n);
    assert.equal(claimableOf(4n, 10n), 0n);
  });
  it("draws bars from the bottom, the largest to the top, at most MAX_BARS", () => {
    const box = { width: 200, height: 100, left: 10, right: 10, top: 10, bottom: 10 };
    const g = barGeometry([1, 2, 0], box);
    assert.equal(g.bars.length, 3);
    assert.equal(g.bars[1].y, 10, "the largest reaches the top");
    assert.equal(g.bars[2].height, 0);
    assert.equal(barGeometry(new Array(MAX_BARS + 5).fill(1), box).bars.length, MAX_BARS);
  });
});

describe("network figures", () => {
  it("groups the oracle's nodes by class and region and sums stake and compute", () => {
    const nodes = normalizeNetworkNodes({
      nodes: [
        { node: NODE, operator: OTHER, status: "Active", stake: (100n * E18).toString(), claim: { gpuModel: 0, gpuCount: 1, gflops: 2000, vramMiB: 2048, region: "0x65752d7765737400" }, latest: { epoch: 3, verdict: "honest", reward: "1" } },
        { node: OTHER, status: "Active", claim: { gpuModel: 0, gpuCount: 1, gflops: 1000, vramMiB: 1024, region: "0x0000000000000000" }, latest: null },
        { node: "not an address" },
      ],
    });
    assert.equal(nodes.length, 2);
    assert.equal(nodes[1].stake, null, "a stake the oracle did not list is unknown");
    const f = summarizeFleet(nodes);
    assert.equal(f.nodes, 2);
    assert.equal(f.tflops, 3);
    assert.equal(f.vramGib, 3);
    assert.equal(f.stake, 100n * E18);
    assert.equal(f.stakeUnknown, 1);
    assert.equal(f.byClass.length, 1);
    assert.deepEqual(f.byRegion.map((g) => g.label).sort(), ["eu-west", "no region"]);
    assert.deepEqual(f.byVerdict.map((v) => `${v.nodes} ${v.label}`).sort(), ["1 honest", "1 not judged yet"]);
    assert.throws(() => normalizeNetworkNodes({}), OracleError);
  });
  it("filters the oracle's challenge record to one node", () => {
    const r = normalizeDraws(
      { challenges: [{ id: "a", node: NODE.toLowerCase(), kind: "gemm", round: 0, verdict: "fraud" }, { id: "b", node: OTHER, kind: "gemm", verdict: "pass" }], total: 2, next: null },
      NODE,
    );
    assert.deepEqual(r.challenges.map((c) => [c.id, c.verdict]), [["a", "fraud"]]);
    assert.equal(r.partial, false);
    assert.throws(() => normalizeDraws({}, NODE), OracleError);
  });
  it("opens the network view from its hash and from a report anchor", () => {
    assert.equal(viewOf("#network"), "network");
    assert.equal(viewOf("#report-12"), "network");
    assert.equal(viewOf(""), "operator");
    assert.equal(viewOf("#report-x"), "operator");
  });
});

describe("units shared by the agent and the dApp", () => {
  it("converts GFLOP/s and MiB the same way in both", () => {
    assert.equal(gflopsToTflops(115_000), 115);
    assert.equal(mibToGib(24_576), 24);
    assert.equal(tflops(115_000), "115.000 TFLOPS");
    assert.equal(gib(24_576), "24.0 GiB");
    assert.equal(agentTflops, tflops, "the agent re-exports the protocol's converter");
    assert.equal(agentGib, gib);
  });
});
