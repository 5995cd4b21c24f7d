import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Hex } from "viem";
import {
  E18,
  balanceSheet,
  deployFixture,
  finalizeEpoch,
  fundRewards,
  proofFor,
  registerNode,
  rewardsTree,
  submitEpoch,
} from "../support/fixtures";

describe("flow: operator registers, stakes, gets rewarded, claims", () => {
  it("pays the operator exactly the tree amount after the epoch's report finalizes", async () => {
    const fx = await loadFixture(deployFixture);
    const [alice, bob] = fx.operators;
    const a = await registerNode(fx, alice, { gflops: 20_000 });
    await registerNode(fx, bob, { gflops: 5_000 });
    expect((await fx.registry.getNode(a.node)).status).to.equal(1n); // Active
    expect(await fx.registry.nodeCount()).to.equal(2n);

    await fundRewards(fx, 1_000n * E18);
    const tree = rewardsTree([
      [alice.address, 70n * E18],
      [bob.address, 30n * E18],
    ]);
    await submitEpoch(fx, { epoch: 0n, rewardsRoot: tree.root as Hex, rewardsTotal: 100n * E18 });
    expect(await fx.distributor.availableBudget()).to.equal(900n * E18);

    // Before finalization the root is not claimable.
    await expect(
      fx.distributor.claim(alice.address, 70n * E18, proofFor(tree, alice.address)),
    ).to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorInvalidProof");

    await finalizeEpoch(fx, 0n);
    expect(await fx.distributor.merkleRoot()).to.equal(tree.root);

    const before = await fx.token.balanceOf(alice.address);
    // Anyone may send the claim; the tokens go to the account in the leaf.
    await expect(fx.distributor.connect(fx.outsider).claim(alice.address, 70n * E18, proofFor(tree, alice.address)))
      .to.emit(fx.distributor, "RewardsClaimed")
      .withArgs(alice.address, 70n * E18)
      .and.to.emit(fx.token, "Transfer")
      .withArgs(await fx.distributor.getAddress(), alice.address, 70n * E18);
    expect((await fx.token.balanceOf(alice.address)) - before).to.equal(70n * E18);
    expect(await fx.distributor.claimed(alice.address)).to.equal(70n * E18);

    // A second claim of the same cumulative amount pays nothing.
    await expect(
      fx.distributor.claim(alice.address, 70n * E18, proofFor(tree, alice.address)),
    ).to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorNothingToClaim");

    const sheet = await balanceSheet(fx);
    expect(sheet.held).to.equal(sheet.owed);
  });
});
