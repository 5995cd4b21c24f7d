import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak256, encodeAbiParameters, zeroHash, type Address, type Hex } from "viem";
import { verifyMerkleProof } from "./merkle";
import { buildRewardsTree, computeEpochRewards, RewardsError, rewardsProof, uptimeWeight, type NodeOutcome, type Verdict } from "./rewards";

const addr = (i: number) => ("0x" + i.toString(16).padStart(40, "0")) as Address;
const E18 = 10n ** 18n;

describe("epoch rewards", () => {
  it("weighs work by the paid ratio up to the 1.3 cap: above it, no more pay", () => {
    const o = (i: number, capacityPpm: bigint): NodeOutcome => ({ node: addr(i), operator: addr(100 + i), verdict: "honest", verifiedWork: 1000n, capacityPpm, uptimePpm: 0n, claimGflops: 100n });
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
        fc.array(fc.record({ v: fc.integer({ min: 0, max: 3 }), work: fc.bigInt({ min: 0n, max: 10n ** 12n }), cap: fc.integer({ min: 0, max: 1_500_000 }), up: fc.integer({ min: 0, max: 1_000_000 }), claim: fc.integer({ min: 0, max: 10_000_000 }) }), { maxLength: 20 }),
        (budget, bps, nodes) => {
          const outcomes: NodeOutcome[] = nodes.map((n, i) => ({ node: addr(i + 1), operator: addr(1000 + (i % 3)), verdict: verdicts[n.v], verifiedWork: n.work, capacityPpm: BigInt(n.cap), uptimePpm: BigInt(n.up), claimGflops: BigInt(n.claim) }));
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
    const base = { operator: addr(99), verifiedWork: 1000n, uptimePpm: 1_000_000n, claimGflops: 100n };
    const r = computeEpochRewards(1000n * E18, 0, [
      { ...base, node: addr(1), verdict: "honest", capacityPpm: 1_000_000n },
      { ...base, node: addr(2), verdict: "under-delivering", capacityPpm: 500_000n },
    ]);
    // Work weights 1000 * 1e6 and 1000 * 0.5e6: two thirds and one third of the budget.
    assert.equal(r.perNode.get(addr(1))!, (1000n * E18 * 2n) / 3n);
    assert.equal(r.perNode.get(addr(2))!, (1000n * E18 * 1n) / 3n);
  });

  it("weighs uptime by delivered capacity: one machine split over identities earns one machine's uptime", () => {
    // One honest node of claim 100 beside a machine of the same size registered as 2 and as 3
    // identities of a third and a half of the claim each (a concurrent sybil: each measured at
    // its own claim), every challenge passed on time. The uptime pool alone (10_000 bps).
    const node = (i: number, claim: bigint): NodeOutcome => ({
      node: addr(i), operator: addr(i < 10 ? 50 : i < 20 ? 60 : 70), verdict: "honest", verifiedWork: 0n,
      capacityPpm: 1_180_000n, uptimePpm: 1_000_000n, claimGflops: claim,
    });
    const r = computeEpochRewards(600n * E18, 10_000, [node(1, 90n), node(11, 45n), node(12, 45n), node(21, 30n), node(22, 30n), node(23, 30n)]);
    const account = (a: number) => r.perAccount.get(addr(a).toLowerCase())!;
    // Each identity's share rounds down: a set of k identities may lose up to k - 1 wei more.
    for (const [a, k] of [[60, 2n], [70, 3n]] as const) {
      assert.ok(account(a) <= account(50) && account(50) - account(a) < k, `a machine as ${k} identities: ${account(a)} against ${account(50)}`);
    }
    // A flat share per identity (the defence off) would pay the 3-identity set 3x the honest node.
    const flat = computeEpochRewards(600n * E18, 10_000, [node(1, 1n), node(11, 1n), node(12, 1n), node(21, 1n), node(22, 1n), node(23, 1n)]);
    assert.equal(flat.perAccount.get(addr(70).toLowerCase())!, 3n * flat.perAccount.get(addr(50).toLowerCase())!);
  });

  it("caps uptime capacity at the claim and at the measured throughput below it", () => {
    const base = { node: addr(1), operator: addr(2), verdict: "honest" as const, verifiedWork: 0n, uptimePpm: 500_000n, claimGflops: 10n };
    assert.equal(uptimeWeight({ ...base, capacityPpm: 1_300_000n }), uptimeWeight({ ...base, capacityPpm: 1_000_000n }));
    assert.equal(uptimeWeight({ ...base, capacityPpm: 400_000n }) * 10n, uptimeWeight({ ...base, capacityPpm: 1_000_000n }) * 4n);
    assert.equal(uptimeWeight({ ...base, capacityPpm: -1n }), 0n);
  });

  it("refuses a negative budget with EN341", () => {
    assert.throws(() => computeEpochRewards(-1n, 0, []), (e: unknown) => e instanceof RewardsError && e.code === "EN341");
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
    assert.equal(buildRewardsTree(new Map()).root, zeroHash);
  });
});
