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

describe("flow: rewards over three epochs, claimed in one claim", () => {
  it("one claim against the latest cumulative root pays all three epochs", async () => {
    const fx = await loadFixture(deployFixture);
    const [alice, bob] = fx.operators;
    await registerNode(fx, alice);
    await registerNode(fx, bob);
    await fundRewards(fx, 1_000n * E18);

    const perEpoch: [bigint, bigint][] = [
      [10n * E18, 5n * E18],
      [12n * E18, 0n],
      [7n * E18, 9n * E18],
    ];
    let cumA = 0n;
    let cumB = 0n;
    let tree = rewardsTree([[alice.address, 0n]]);
    let bobTreeAfterEpoch0 = tree;
    for (let e = 0; e < 3; e++) {
      const [ra, rb] = perEpoch[e];
      cumA += ra;
      cumB += rb;
      tree = rewardsTree([
        [alice.address, cumA],
        [bob.address, cumB],
      ]);
      if (e === 0) bobTreeAfterEpoch0 = tree;
      await submitEpoch(fx, { epoch: BigInt(e), rewardsRoot: tree.root as Hex, rewardsTotal: ra + rb });
      await finalizeEpoch(fx, BigInt(e));
      // Bob claims once early, after epoch 0.
      if (e === 0) await fx.distributor.claim(bob.address, cumB, proofFor(bobTreeAfterEpoch0, bob.address));
    }
    expect(await fx.distributor.rootEpoch()).to.equal(2n);

    const a0 = await fx.token.balanceOf(alice.address);
    await fx.distributor.claim(alice.address, cumA, proofFor(tree, alice.address));
    expect((await fx.token.balanceOf(alice.address)) - a0).to.equal(29n * E18);

    // Bob gets only what he has not claimed yet.
    const b0 = await fx.token.balanceOf(bob.address);
    await fx.distributor.claim(bob.address, cumB, proofFor(tree, bob.address));
    expect((await fx.token.balanceOf(bob.address)) - b0).to.equal(cumB - 5n * E18);

    // An old root's proof no longer verifies.
    await expect(
      fx.distributor.claim(bob.address, 5n * E18, proofFor(bobTreeAfterEpoch0, bob.address)),
    ).to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorInvalidProof");

    expect(await fx.distributor.totalClaimed()).to.equal(cumA + cumB);
    expect(await fx.distributor.totalFinalized()).to.equal(cumA + cumB);
    const sheet = await balanceSheet(fx);
    expect(sheet.held).to.equal(sheet.owed);
  });
});
