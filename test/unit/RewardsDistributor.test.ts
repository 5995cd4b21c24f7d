import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Hex } from "viem";
import { E18, deployFixture, fundRewards, proofFor, rewardsTree } from "../support/fixtures";
import { impersonated } from "../../scripts/hardhat-protocol";

const { ethers } = hre;

/**
 * The distributor driven directly by its only SETTLEMENT_ROLE holder, Settlement, impersonated (the role
 * cannot be granted again after deployment).
 */
async function directFixture() {
  const fx = await deployFixture();
  const settler = await impersonated(await fx.settlement.getAddress());
  return { ...fx, settler };
}

describe("RewardsDistributor", () => {
  it("deploys with the stake token and rejects a zero token or admin", async () => {
    const fx = await loadFixture(deployFixture);
    expect(await fx.distributor.rewardToken()).to.equal(await fx.token.getAddress());
    expect(await fx.distributor.hasRoot()).to.equal(false);
    const F = await ethers.getContractFactory("RewardsDistributor");
    await expect(F.deploy(ethers.ZeroAddress, fx.governance.address)).to.be.revertedWithCustomError(
      fx.distributor,
      "RewardsDistributorZeroAccount",
    );
    await expect(F.deploy(await fx.token.getAddress(), ethers.ZeroAddress)).to.be.revertedWithCustomError(
      fx.distributor,
      "RewardsDistributorZeroAccount",
    );
  });

  describe("fund", () => {
    it("pulls tokens, counts them and emits RewardsFunded", async () => {
      const fx = await loadFixture(deployFixture);
      await fx.token.connect(fx.funder).approve(await fx.distributor.getAddress(), 30n * E18);
      await expect(fx.distributor.connect(fx.funder).fund(10n * E18))
        .to.emit(fx.distributor, "RewardsFunded")
        .withArgs(fx.funder.address, 10n * E18, 10n * E18);
      await expect(fx.distributor.connect(fx.funder).fund(20n * E18))
        .to.emit(fx.distributor, "RewardsFunded")
        .withArgs(fx.funder.address, 20n * E18, 30n * E18);
      expect(await fx.distributor.totalFunded()).to.equal(30n * E18);
      expect(await fx.distributor.availableBudget()).to.equal(30n * E18);
    });

    it("rejects zero and fee-on-transfer tokens", async () => {
      const fx = await loadFixture(deployFixture);
      await expect(fx.distributor.fund(0n)).to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorZeroAmount");
      const fee = await (await ethers.getContractFactory("TestFeeToken")).deploy();
      const d = await (await ethers.getContractFactory("RewardsDistributor")).deploy(
        await fee.getAddress(),
        fx.governance.address,
      );
      await fee.mint(fx.funder.address, 1000n);
      await fee.connect(fx.funder).approve(await d.getAddress(), 1000n);
      await expect(d.connect(fx.funder).fund(1000n))
        .to.be.revertedWithCustomError(d, "RewardsDistributorTransferShortfall")
        .withArgs(1000n, 990n);
    });
  });

  describe("budget (settlement role)", () => {
    it("reserves, releases and finalizes within the funded budget", async () => {
      const fx = await loadFixture(directFixture);
      const d = fx.distributor.connect(fx.settler);
      await fundRewards(fx, 100n);
      await expect(d.reserveBudget(101n))
        .to.be.revertedWithCustomError(d, "RewardsDistributorInsufficientBudget")
        .withArgs(101n, 100n);
      await expect(d.reserveBudget(60n)).to.emit(d, "BudgetReserved").withArgs(60n, 60n);
      expect(await d.availableBudget()).to.equal(40n);
      await expect(d.releaseBudget(61n))
        .to.be.revertedWithCustomError(d, "RewardsDistributorExceedsReserved")
        .withArgs(61n, 60n);
      await expect(d.releaseBudget(10n)).to.emit(d, "BudgetReleased").withArgs(10n, 50n);
      await expect(d.finalizeEpoch(3n, ethers.ZeroHash, 51n))
        .to.be.revertedWithCustomError(d, "RewardsDistributorExceedsReserved")
        .withArgs(51n, 50n);
      await d.finalizeEpoch(3n, ethers.ZeroHash, 50n);
      expect(await d.totalFinalized()).to.equal(50n);
      expect(await d.totalCommitted()).to.equal(50n);
      // Finalized budget can no longer be released.
      await expect(d.releaseBudget(1n)).to.be.revertedWithCustomError(d, "RewardsDistributorExceedsReserved");
    });

    it("the root only moves forward", async () => {
      const fx = await loadFixture(directFixture);
      const d = fx.distributor.connect(fx.settler);
      const r5 = ethers.id("root-5");
      const r4 = ethers.id("root-4");
      const r6 = ethers.id("root-6");
      await expect(d.finalizeEpoch(5n, r5, 0n))
        .to.emit(d, "MerkleRootUpdated")
        .withArgs(5n, ethers.ZeroHash, r5)
        .and.to.emit(d, "EpochRewardsFinalized")
        .withArgs(5n, r5, 0n, true);
      await expect(d.finalizeEpoch(4n, r4, 0n))
        .to.emit(d, "EpochRewardsFinalized")
        .withArgs(4n, r4, 0n, false)
        .and.not.to.emit(d, "MerkleRootUpdated");
      expect(await d.merkleRoot()).to.equal(r5);
      expect(await d.rootEpoch()).to.equal(5n);
      await d.finalizeEpoch(6n, r6, 0n);
      expect(await d.merkleRoot()).to.equal(r6);
      expect(await d.hasRoot()).to.equal(true);
    });

    it("only the settlement role reserves, releases or finalizes", async () => {
      const fx = await loadFixture(deployFixture);
      const d = fx.distributor.connect(fx.outsider);
      for (const call of [() => d.reserveBudget(0n), () => d.releaseBudget(0n), () => d.finalizeEpoch(0n, ethers.ZeroHash, 0n)]) {
        await expect(call()).to.be.revertedWithCustomError(fx.distributor, "AccessControlUnauthorizedAccount");
      }
    });
  });

  describe("claim", () => {
    async function claimable() {
      const fx = await directFixture();
      const [a, b] = fx.operators;
      await fundRewards(fx, 1_000n * E18);
      const tree = rewardsTree([
        [a.address, 40n * E18],
        [b.address, 60n * E18],
      ]);
      const d = fx.distributor.connect(fx.settler);
      await d.reserveBudget(100n * E18);
      await d.finalizeEpoch(0n, tree.root as Hex, 100n * E18);
      return { ...fx, tree, a, b };
    }

    it("pays cumulative minus claimed to the account, whoever sends it", async () => {
      const fx = await loadFixture(claimable);
      const tx = await fx.distributor.connect(fx.funder).claim(fx.a.address, 40n * E18, proofFor(fx.tree, fx.a.address));
      await expect(tx).to.emit(fx.distributor, "RewardsClaimed").withArgs(fx.a.address, fx.funder.address, 40n * E18, 40n * E18);
      await expect(tx).to.changeTokenBalances(fx.token, [fx.a, fx.distributor, fx.funder], [40n * E18, -40n * E18, 0n]);
      expect(await fx.distributor.claimed(fx.a.address)).to.equal(40n * E18);
      expect(await fx.distributor.totalClaimed()).to.equal(40n * E18);
    });

    it("rejects a wrong amount, a proof for another account, the zero account and repeated claims", async () => {
      const fx = await loadFixture(claimable);
      const proofA = proofFor(fx.tree, fx.a.address);
      await expect(fx.distributor.claim(fx.a.address, 41n * E18, proofA))
        .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorInvalidProof")
        .withArgs(fx.a.address, 41n * E18);
      await expect(fx.distributor.claim(fx.b.address, 40n * E18, proofA)).to.be.revertedWithCustomError(
        fx.distributor,
        "RewardsDistributorInvalidProof",
      );
      await expect(fx.distributor.claim(ethers.ZeroAddress, 40n * E18, proofA)).to.be.revertedWithCustomError(
        fx.distributor,
        "RewardsDistributorZeroAccount",
      );
      await fx.distributor.claim(fx.a.address, 40n * E18, proofA);
      await expect(fx.distributor.claim(fx.a.address, 40n * E18, proofA))
        .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorNothingToClaim")
        .withArgs(fx.a.address, 40n * E18, 40n * E18);
    });

    it("never pays beyond what finalized reports committed, even under a faulty root", async () => {
      const fx = await loadFixture(directFixture);
      await fundRewards(fx, 1_000n * E18);
      const a = fx.operators[0];
      // The root promises 500 but the finalized report committed only 100.
      const tree = rewardsTree([
        [a.address, 500n * E18],
        [fx.operators[1].address, 1n],
      ]);
      const d = fx.distributor.connect(fx.settler);
      await d.reserveBudget(100n * E18);
      await d.finalizeEpoch(0n, tree.root as Hex, 100n * E18);
      await expect(fx.distributor.claim(a.address, 500n * E18, proofFor(tree, a.address)))
        .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorExceedsFinalized")
        .withArgs(500n * E18, 100n * E18);
    });
  });

  describe("accounting views", () => {
    it("totalClaimed stays finalized minus unclaimed across finalizations and claims, at any size", async () => {
      const fx = await loadFixture(deployFixture);
      const big = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy(0);
      const d = await (await ethers.getContractFactory("RewardsDistributor")).deploy(
        await big.getAddress(),
        fx.governance.address,
      );
      await d.connect(fx.governance).grantRole(await d.SETTLEMENT_ROLE(), fx.outsider.address);
      // Totals above 2^128 are accepted: claim keeps one full-width slot, nothing is truncated.
      const HUGE = 2n ** 200n;
      await big.mint(fx.funder.address, HUGE);
      await big.connect(fx.funder).approve(await d.getAddress(), HUGE);
      await d.connect(fx.funder).fund(HUGE);
      const s = d.connect(fx.outsider);
      await s.reserveBudget(HUGE);
      const [a, b] = fx.operators;
      const t1 = rewardsTree([
        [a.address, HUGE / 2n],
        [b.address, 7n],
      ]);
      await s.finalizeEpoch(0n, t1.root as Hex, HUGE / 2n + 7n);
      expect(await d.totalClaimed()).to.equal(0n);
      await d.claim(a.address, HUGE / 2n, proofFor(t1, a.address));
      expect(await d.totalClaimed()).to.equal(HUGE / 2n);
      expect(await d.totalFinalized()).to.equal(HUGE / 2n + 7n);
      // A second epoch raises a's cumulative amount; b has not claimed yet.
      const t2 = rewardsTree([
        [a.address, HUGE / 2n + 3n],
        [b.address, 7n],
      ]);
      await s.finalizeEpoch(1n, t2.root as Hex, 3n);
      await d.claim(b.address, 7n, proofFor(t2, b.address));
      await d.claim(a.address, HUGE / 2n + 3n, proofFor(t2, a.address));
      expect(await d.totalClaimed()).to.equal(HUGE / 2n + 10n);
      expect(await d.totalFinalized()).to.equal(HUGE / 2n + 10n);
      expect(await d.totalCommitted()).to.equal(HUGE);
      expect(await d.totalFunded()).to.equal(HUGE);
      expect(await big.balanceOf(await d.getAddress())).to.equal(HUGE / 2n - 10n);
      // Everything finalized is claimed: one more unit is refused with the totals the claim would reach.
      const t3 = rewardsTree([
        [a.address, HUGE / 2n + 4n],
        [b.address, 7n],
      ]);
      await s.finalizeEpoch(2n, t3.root as Hex, 0n);
      await expect(d.claim(a.address, HUGE / 2n + 4n, proofFor(t3, a.address)))
        .to.be.revertedWithCustomError(d, "RewardsDistributorExceedsFinalized")
        .withArgs(HUGE / 2n + 11n, HUGE / 2n + 10n);
    });
  });
});
