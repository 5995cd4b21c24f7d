import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Address, type Hex } from "viem";
import { slashListHash, SlashReason } from "../protocol";
import type { Verdict } from "../engine/rewards";
import { buildReport, orderedSignatures, type NodeEpochInput, type ReportInputs } from "./report";

const addr = (i: number) => ("0x" + i.toString(16).padStart(40, "0")) as Address;
const E18 = 10n ** 18n;

describe("report building", () => {
  const node = (i: number, verdict: Verdict, slash?: NodeEpochInput["slash"]): NodeEpochInput => ({
    node: addr(i),
    operator: addr(100 + i),
    verdict,
    challenges: 3,
    passed: verdict === "honest" ? 3 : 0,
    answered: verdict === "unavailable" ? 0 : 3,
    onTime: verdict === "honest" ? 3 : 0,
    claimGflops: 100,
    meanLatencyMs: 120,
    scoreDeviationPpm: 1_000_000,
    verifiedWork: verdict === "honest" ? "3000" : "0",
    ...(slash ? { slash } : {}),
  });
  const inputs = (over: Partial<ReportInputs> = {}): ReportInputs => ({
    epoch: "7",
    parent: ("0x" + "cd".repeat(32)) as Hex,
    seed: ("0x" + "ab".repeat(32)) as Hex,
    configVersion: "1",
    budget: (100n * E18).toString(),
    uptimeShareBps: 2000,
    maxSlashes: 2,
    nodes: [
      node(1, "honest"),
      node(2, "fraudulent", { node: addr(2), bps: 5000, reason: SlashReason.Fraud, evidence: ("0x" + "01".repeat(32)) as Hex }),
      node(3, "fraudulent", { node: addr(3), bps: 5000, reason: SlashReason.Fraud, evidence: ("0x" + "02".repeat(32)) as Hex }),
      node(4, "under-delivering", { node: addr(4), bps: 1000, reason: SlashReason.Overclaim, evidence: ("0x" + "03".repeat(32)) as Hex }),
    ],
    previousCumulative: { [addr(101).toLowerCase()]: "5" },
    ...over,
  });

  it("is deterministic, independent of input order, and adds to the previous cumulative amounts", () => {
    const a = buildReport(inputs());
    const b = buildReport(inputs({ nodes: [...inputs().nodes].reverse() }));
    assert.deepEqual(a.report, b.report);
    assert.equal(a.cumulative.get(addr(101).toLowerCase()), 5n + a.rewardsPerNode.get(addr(1).toLowerCase())!);
    assert.equal(a.report.rewardsTotal, [...a.rewardsPerNode.values()].reduce((x, y) => x + y, 0n));
  });

  it("bounds the slash list by the contract's limit, fraud first, and hashes what it keeps", () => {
    const r = buildReport(inputs());
    assert.equal(r.slashes.length, 2);
    assert.equal(r.truncated, 1);
    assert.ok(r.slashes.every((s) => s.reason === SlashReason.Fraud));
    assert.equal(r.report.slashListHash, slashListHash(r.slashes));
  });

  it("changes its roots when any input changes", () => {
    const a = buildReport(inputs());
    assert.notEqual(buildReport(inputs({ budget: (99n * E18).toString() })).report.rewardsRoot, a.report.rewardsRoot);
    const n = inputs().nodes;
    n[0] = { ...n[0], meanLatencyMs: 121 };
    assert.notEqual(buildReport(inputs({ nodes: n })).report.statsRoot, a.report.statsRoot);
  });

  it("names its parent and round-trips every signed field through JSON", async () => {
    const { reportFromJson, reportToJson, reportDigest } = await import("./report");
    const a = buildReport(inputs());
    assert.equal(a.report.parent, inputs().parent);
    assert.deepEqual(reportFromJson(reportToJson(a.report)), a.report);
    // The parent is signed: the same tree on another parent is another report.
    const other = buildReport(inputs({ parent: ("0x" + "ce".repeat(32)) as Hex }));
    const s = addr(9);
    assert.notEqual(reportDigest(other.report, 31337, s), reportDigest(a.report, 31337, s));
  });

  it("orders signatures by signer address", () => {
    const sigs = { "0xbb00000000000000000000000000000000000000": "0x02", "0x0a00000000000000000000000000000000000000": "0x01" } as Record<string, Hex>;
    assert.deepEqual(orderedSignatures(sigs), ["0x01", "0x02"]);
  });
});
