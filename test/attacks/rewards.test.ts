/**
 * Attacks on rewards claims: an inner node of the tree presented as a leaf, claiming twice, claiming
 * more than the tree says, claiming under a root that is not final, rolling the root back.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  deployProtocol,
  fund,
  passDisputeWindow,
  proofFor,
  rewardsTree,
  submitEpochReport,
  type Protocol,
} from "../../scripts/hardhat-protocol";
import { hashPairBytes, merkleProof, merkleRoot, verifyMerkleProof } from "../../engine/merkle";
import { hexToBytes, bytesToHex, type Hex } from "viem";

const E18 = 10n ** 18n;

async function funded() {
  const p = await deployProtocol();
  await fund(p, 1_000_000n * E18);
  return p;
}

async function settle(p: Protocol, root: string, total: bigint): Promise<bigint> {
  const { epoch } = await submitEpochReport(p, { rewardsRoot: root as Hex, rewardsTotal: total });
  await passDisputeWindow(p, epoch);
  await p.settlement.finalize(epoch);
  return epoch;
}

function standardLeaf(account: string, amount: bigint): Hex {
  const inner = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [account, amount]));
  return ethers.keccak256(inner) as Hex;
}

describe("attacks: rewards claims", function () {
  it("a 64-byte inner node of the rewards tree cannot be claimed as a leaf", async function () {
    // Defence: the leaf is hashed twice, `keccak256(bytes.concat(keccak256(abi.encode(account, amount))))`
    // in RewardsDistributor.claim, while an inner node is keccak256 of 64 bytes: no 64-byte pair of
    // children is ever a valid leaf preimage.
    //
    // To show the attack is real, the tree holds one 32-byte value with 12 leading zero bytes (the
    // attacker's address, padded) next to its sibling, so the inner node over them has a 64-byte
    // preimage that is exactly abi.encode(attacker, amount). With a single-hash leaf
    // (keccak256(abi.encode(account, amount))) the claim below would verify.
    const p = await loadFixture(funded);
    const [honest1, honest2, attacker] = p.operators;
    const l0 = ethers.zeroPadValue(attacker.address, 32) as Hex; // = abi.encode(attacker) word
    const l1 = ethers.toBeHex(BigInt(attacker.address) + 1n, 32) as Hex; // > l0, so it sorts second
    const leaves: Hex[] = [
      l0,
      l1,
      standardLeaf(honest1.address, 100n * E18),
      standardLeaf(honest2.address, 200n * E18),
    ];
    const root = merkleRoot(leaves);
    const inner = bytesToHex(hashPairBytes(hexToBytes(l0), hexToBytes(l1)));
    const amount = BigInt(l1);
    const singleHashLeaf = ethers.keccak256(
      ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [attacker.address, amount]),
    );
    // The premise: under a single-hash scheme the attacker's (account, amount) IS the inner node, and its
    // proof verifies against the root.
    expect(singleHashLeaf).to.equal(inner);
    // The inner node's only sibling is the inner node over the two honest leaves.
    const innerProof = [bytesToHex(hashPairBytes(hexToBytes(leaves[2]), hexToBytes(leaves[3])))];
    expect(verifyMerkleProof(root, inner, innerProof)).to.equal(true);

    // Fund enough that only the proof check stands between the attacker and the money.
    await fund(p, amount);
    await settle(p, root, 300n * E18 + amount);
    await expect(p.distributor.connect(attacker).claim(attacker.address, amount, innerProof))
      .to.be.revertedWithCustomError(p.distributor, "RewardsDistributorInvalidProof")
      .withArgs(attacker.address, amount);
    // Honest leaves of the same tree still claim.
    await p.distributor.claim(honest1.address, 100n * E18, merkleProof(leaves, 2));
    expect(await p.distributor.claimed(honest1.address)).to.equal(100n * E18);
  });

  it("claiming twice pays once; a later cumulative root pays only the difference", async function () {
    // Defence: `cumulativeAmount <= _claimed[account]` → RewardsDistributorNothingToClaim, and the payout
    // is `cumulativeAmount - already` (cumulative tree: one claim covers every past epoch).
    const p = await loadFixture(funded);
    const [a, b] = p.operators;
    const t1 = rewardsTree([
      [a.address, 100n * E18],
      [b.address, 50n * E18],
    ]);
    await settle(p, t1.root, 150n * E18);
    const pa = proofFor(t1, a.address);
    await p.distributor.claim(a.address, pa.amount, pa.proof);
    await expect(p.distributor.claim(a.address, pa.amount, pa.proof))
      .to.be.revertedWithCustomError(p.distributor, "RewardsDistributorNothingToClaim")
      .withArgs(a.address, 100n * E18, 100n * E18);
    const t2 = rewardsTree([
      [a.address, 130n * E18],
      [b.address, 90n * E18],
    ]);
    await settle(p, t2.root, 70n * E18);
    const before = await p.token.balanceOf(a.address);
    const pa2 = proofFor(t2, a.address);
    await p.distributor.claim(a.address, pa2.amount, pa2.proof);
    expect((await p.token.balanceOf(a.address)) - before).to.equal(30n * E18);
    await expect(p.distributor.claim(a.address, pa2.amount, pa2.proof)).to.be.revertedWithCustomError(
      p.distributor,
      "RewardsDistributorNothingToClaim",
    );
    // The old root's proof is dead too.
    await expect(p.distributor.claim(a.address, pa.amount, pa.proof)).to.be.revertedWithCustomError(
      p.distributor,
      "RewardsDistributorInvalidProof",
    );
  });

  it("a claim for more than the tree says, or with another account's proof, is rejected", async function () {
    // Defence: MerkleProof.verifyCalldata over the (account, cumulativeAmount) leaf.
    const p = await loadFixture(funded);
    const [a, b, c] = p.operators;
    const t = rewardsTree([
      [a.address, 100n * E18],
      [b.address, 50n * E18],
    ]);
    await settle(p, t.root, 150n * E18);
    const pa = proofFor(t, a.address);
    await expect(p.distributor.claim(a.address, pa.amount + 1n, pa.proof)).to.be.revertedWithCustomError(
      p.distributor,
      "RewardsDistributorInvalidProof",
    );
    await expect(p.distributor.claim(c.address, pa.amount, pa.proof)).to.be.revertedWithCustomError(
      p.distributor,
      "RewardsDistributorInvalidProof",
    );
    await expect(p.distributor.claim(ethers.ZeroAddress, pa.amount, pa.proof)).to.be.revertedWithCustomError(
      p.distributor,
      "RewardsDistributorZeroAccount",
    );
  });

  it("anyone may send a claim, but the tokens go to the account in the leaf", async function () {
    // Defence: payout to `account`, never to msg.sender.
    const p = await loadFixture(funded);
    const [a, b, relayer] = p.operators;
    const t = rewardsTree([
      [a.address, 100n * E18],
      [b.address, 50n * E18],
    ]);
    await settle(p, t.root, 150n * E18);
    const pa = proofFor(t, a.address);
    const before = [await p.token.balanceOf(a.address), await p.token.balanceOf(relayer.address)];
    await p.distributor.connect(relayer).claim(a.address, pa.amount, pa.proof);
    expect((await p.token.balanceOf(a.address)) - before[0]).to.equal(100n * E18);
    expect(await p.token.balanceOf(relayer.address)).to.equal(before[1]);
  });

  it("a pending or vetoed report's root cannot be claimed", async function () {
    // Defence: the root reaches the distributor only in Settlement.finalize (after the dispute window);
    // vetoReport releases the reserved budget instead.
    const p = await loadFixture(funded);
    const [a, b] = p.operators;
    const t = rewardsTree([
      [a.address, 100n * E18],
      [b.address, 50n * E18],
    ]);
    const { epoch } = await submitEpochReport(p, { rewardsRoot: t.root as Hex, rewardsTotal: 150n * E18 });
    const pa = proofFor(t, a.address);
    await expect(p.distributor.claim(a.address, pa.amount, pa.proof)).to.be.revertedWithCustomError(
      p.distributor,
      "RewardsDistributorInvalidProof",
    );
    expect(await p.distributor.availableBudget()).to.equal(1_000_000n * E18 - 150n * E18);
    await p.settlement.connect(p.admin).vetoReport(epoch);
    expect(await p.distributor.availableBudget()).to.equal(1_000_000n * E18);
    await passDisputeWindow(p, epoch);
    await expect(p.settlement.finalize(epoch)).to.be.revertedWithCustomError(p.settlement, "SettlementReportNotPending");
    await expect(p.distributor.claim(a.address, pa.amount, pa.proof)).to.be.revertedWithCustomError(
      p.distributor,
      "RewardsDistributorInvalidProof",
    );
  });

  it("finalizing an older epoch late does not roll the root back", async function () {
    // Defence: Settlement.finalize publishes a root only after its parent's (SettlementParentNotFinalized),
    // so roots go out in chain order; RewardsDistributor.finalizeEpoch's `epoch > _rootEpoch` backs it up.
    // Without them the late older root would replace the newer cumulative one and strand the newer rewards.
    const p = await loadFixture(funded);
    const [a, b] = p.operators;
    const t1 = rewardsTree([
      [a.address, 10n * E18],
      [b.address, 10n * E18],
    ]);
    const t2 = rewardsTree([
      [a.address, 30n * E18],
      [b.address, 30n * E18],
    ]);
    const { epoch: e1 } = await submitEpochReport(p, { rewardsRoot: t1.root as Hex, rewardsTotal: 20n * E18 });
    const { epoch: e2 } = await submitEpochReport(p, { rewardsRoot: t2.root as Hex, rewardsTotal: 40n * E18 });
    await passDisputeWindow(p, e2);
    await expect(p.settlement.finalize(e2)).to.be.revertedWithCustomError(p.settlement, "SettlementParentNotFinalized");
    await p.settlement.finalize(e1);
    await p.settlement.finalize(e2);
    expect(await p.distributor.merkleRoot()).to.equal(t2.root);
    expect(await p.distributor.rootEpoch()).to.equal(e2);
    expect(await p.distributor.totalFinalized()).to.equal(60n * E18);
    expect(await p.settlement.lastFinalizedEpoch()).to.equal(e2);
    const pa = proofFor(t2, a.address);
    await p.distributor.claim(a.address, pa.amount, pa.proof);
    expect(await p.distributor.claimed(a.address)).to.equal(30n * E18);
  });
});
