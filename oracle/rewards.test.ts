import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256, encodeAbiParameters, type Address, type Hex } from "viem";
import { slashListHash, SlashReason } from "../protocol";
import { verifyMerkleProof } from "../engine/merkle";
import { buildRewardsTree, computeEpochRewards, rewardsProof, type NodeOutcome, type Verdict } from "./rewards";
import { buildReport, orderedSignatures, type NodeEpochInput, type ReportInputs } from "./report";
import { TokenBuckets } from "./ratelimit";

const addr = (i: number) => ("0x" + i.toString(16).padStart(40, "0")) as Address;
const E18 = 10n ** 18n;

describe("epoch rewards", () => {
  it("weighs work by the paid ratio up to the 1.3 cap: above it, no more pay", () => {
    const o = (i: number, capacityPpm: bigint): NodeOutcome => ({ node: addr(i), operator: addr(100 + i), verdict: "honest", verifiedWork: 1000n, capacityPpm, uptimePpm: 0n });
    const r = computeEpochRewards(36_000n * E18, 0, [o(1, 1_000_000n), o(2, 1_300_000n), o(3, 2_000_000n)]);
    const pay = (i: number) => r.perNode.get(addr(i).toLowerCase())!;
    assert.equal(pay(2), pay(3), "capped at 1.3");
    assert.equal(pay(2) * 10n, pay(1) * 13n, "1.3x the pay of a node at its claim");
  });

  it("never pays more than the budget, rounds down, and pays nobody unavailable or fraudulent", () => {
    const verdicts: Verdict[] = ["honest", "unavailable", "under-delivering", "fraudulent"];
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.record({ v: fc.integer({ min: 0, max: 3 }), work: fc.bigInt({ min: 0n, max: 10n ** 12n }), cap: fc.integer({ min: 0, max: 1_500_000 }), up: fc.integer({ min: 0, max: 1_000_000 }) }), { maxLength: 20 }),
        (budget, bps, nodes) => {
          const outcomes: NodeOutcome[] = nodes.map((n, i) => ({ node: addr(i + 1), operator: addr(1000 + (i % 3)), verdict: verdicts[n.v], verifiedWork: n.work, capacityPpm: BigInt(n.cap), uptimePpm: BigInt(n.up) }));
          const r = computeEpochRewards(budget, bps, outcomes);
          assert.ok(r.total <= budget);
          let sum = 0n;
          for (const o of outcomes) {
            const x = r.perNode.get(o.node.toLowerCase())!;
            if (o.verdict === "unavailable" || o.verdict === "fraudulent") assert.equal(x, 0n);
            sum += x;
          }
          assert.equal(sum, r.total);
          assert.equal([...r.perAccount.values()].reduce((a, b) => a + b, 0n), r.total);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("pays an under-delivering node on measured capacity", () => {
    const base = { operator: addr(99), verifiedWork: 1000n, uptimePpm: 1_000_000n };
    const r = computeEpochRewards(1000n * E18, 0, [
      { ...base, node: addr(1), verdict: "honest", capacityPpm: 1_000_000n },
      { ...base, node: addr(2), verdict: "under-delivering", capacityPpm: 500_000n },
    ]);
    // Work weights 1000 * 1e6 and 1000 * 0.5e6: two thirds and one third of the budget.
    assert.equal(r.perNode.get(addr(1))!, (1000n * E18 * 2n) / 3n);
    assert.equal(r.perNode.get(addr(2))!, (1000n * E18 * 1n) / 3n);
  });
});

describe("cumulative rewards tree", () => {
  it("matches OpenZeppelin's StandardMerkleTree leaves and proofs", () => {
    const cum = new Map([[addr(5).toLowerCase(), 7n], [addr(3).toLowerCase(), 11n], [addr(9).toLowerCase(), 0n]]);
    const t = buildRewardsTree(cum);
    const oz = StandardMerkleTree.of([[addr(3), "11"], [addr(5), "7"]], ["address", "uint256"]);
    assert.equal(t.root, oz.root);
    const p = rewardsProof(t, addr(5))!;
    assert.equal(p.cumulativeAmount, 7n);
    const leaf = keccak256(keccak256(encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [addr(5), 7n])));
    assert.ok(verifyMerkleProof(t.root, leaf, p.proof as Hex[]));
    assert.equal(rewardsProof(t, addr(9)), undefined, "zero amounts have no leaf");
    assert.equal(buildRewardsTree(new Map()).root, "0x" + "00".repeat(32));
  });
});

describe("report building", () => {
  const node = (i: number, verdict: Verdict, slash?: NodeEpochInput["slash"]): NodeEpochInput => ({
    node: addr(i),
    operator: addr(100 + i),
    verdict,
    challenges: 3,
    passed: verdict === "honest" ? 3 : 0,
    answered: verdict === "unavailable" ? 0 : 3,
    meanLatencyMs: 120,
    scoreDeviationPpm: 1_000_000,
    verifiedWork: verdict === "honest" ? "3000" : "0",
    ...(slash ? { slash } : {}),
  });
  const inputs = (over: Partial<ReportInputs> = {}): ReportInputs => ({
    epoch: "7",
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

  it("orders signatures by signer address", () => {
    const sigs = { "0xbb00000000000000000000000000000000000000": "0x02", "0x0a00000000000000000000000000000000000000": "0x01" } as Record<string, Hex>;
    assert.deepEqual(orderedSignatures(sigs), ["0x01", "0x02"]);
  });
});

describe("token buckets", () => {
  it("allows the burst, then one request per refill interval", () => {
    const b = new TokenBuckets(2, 3);
    assert.equal(b.take("a", 0), 0);
    assert.equal(b.take("a", 0), 0);
    assert.equal(b.take("a", 0), 0);
    assert.equal(b.take("a", 0), 500, "next token in 500 ms at 2/s");
    assert.equal(b.take("b", 0), 0, "buckets are per key");
    assert.equal(b.take("a", 500), 0);
    assert.ok(b.take("a", 500) > 0);
  });
});
