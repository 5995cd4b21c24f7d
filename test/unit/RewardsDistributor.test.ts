import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Hex } from "viem";
import { E18, balanceSheet, deployFixture, fundRewards, proofFor, registerNode, rewardsTree } from "../support/fixtures";
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
  it("deploys with the stake token and rejects a zero token, admin or registry", async () => {
    const fx = await loadFixture(deployFixture);
    expect(await fx.distributor.rewardToken()).to.equal(await fx.token.getAddress());
    expect(await fx.distributor.stakeRegistry()).to.equal(await fx.registry.getAddress());
    expect(await fx.distributor.hasRoot()).to.equal(false);
    const F = await ethers.getContractFactory("RewardsDistributor");
    const reg = await fx.registry.getAddress();
    await expect(F.deploy(ethers.ZeroAddress, fx.governance.address, reg)).to.be.revertedWithCustomError(
      fx.distributor,
      "RewardsDistributorZeroAccount",
    );
    await expect(F.deploy(await fx.token.getAddress(), ethers.ZeroAddress, reg)).to.be.revertedWithCustomError(
      fx.distributor,
      "RewardsDistributorZeroAccount",
    );
    await expect(F.deploy(await fx.token.getAddress(), fx.governance.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
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
        await fx.registry.getAddress(),
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
      await expect(tx).to.emit(fx.distributor, "RewardsClaimed").withArgs(fx.a.address, 40n * E18);
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
        await fx.registry.getAddress(),
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
      // Everything finalized is claimed: the distributor holds nothing, the vault the unfinalized rest.
      expect(await big.balanceOf(await d.getAddress())).to.equal(0n);
      expect(await big.balanceOf(await d.rewardsVault())).to.equal(HUGE / 2n - 10n);
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

  describe("custody: solvency from the distributor's own balance", () => {
    it("a faulty root cannot reach the budget of pending reports: it waits in the vault until finalized", async () => {
      // Guards the replacement of the `_unclaimedFinalized` slot: the budget reserved by a pending report and
      // the uncommitted budget are not in the distributor's balance, so a root promising more than the
      // finalized total fails on the balance (RewardsDistributorExceedsFinalized) even with 1,000 funded.
      // Fails on the previous code (no vault: the distributor held every funded token).
      const fx = await directFixture();
      await fundRewards(fx, 1_000n * E18);
      const vault = await fx.distributor.rewardsVault();
      expect(await fx.token.balanceOf(vault)).to.equal(1_000n * E18);
      expect(await fx.token.balanceOf(await fx.distributor.getAddress())).to.equal(0n);
      const a = fx.operators[0];
      const tree = rewardsTree([
        [a.address, 300n * E18],
        [fx.operators[1].address, 1n],
      ]);
      const d = fx.distributor.connect(fx.settler);
      await d.reserveBudget(500n * E18); // a pending report's 400 and a finalized one's 100
      await d.finalizeEpoch(0n, tree.root as Hex, 100n * E18);
      expect(await fx.token.balanceOf(await fx.distributor.getAddress())).to.equal(100n * E18);
      expect(await fx.token.balanceOf(vault)).to.equal(900n * E18);
      await expect(fx.distributor.claim(a.address, 300n * E18, proofFor(tree, a.address)))
        .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorExceedsFinalized")
        .withArgs(300n * E18, 100n * E18);
      // A release leaves the tokens in the vault, available to the next report.
      await d.releaseBudget(400n * E18);
      expect(await fx.distributor.availableBudget()).to.equal(900n * E18);
      expect(await fx.token.balanceOf(vault)).to.equal(900n * E18);
    });

    it("tokens sent to the distributor directly lower totalClaimed, never below zero", async () => {
      const fx = await directFixture();
      await fundRewards(fx, 100n * E18);
      await fx.token.connect(fx.outsider).transfer(await fx.distributor.getAddress(), 5n * E18);
      expect(await fx.distributor.totalClaimed()).to.equal(0n);
      const d = fx.distributor.connect(fx.settler);
      await d.reserveBudget(100n * E18);
      await d.finalizeEpoch(0n, ethers.ZeroHash, 100n * E18);
      expect(await fx.distributor.totalClaimed()).to.equal(0n);
    });

    it("a payout the token refuses reverts with RewardsDistributorPayoutFailed, not as a solvency failure", async () => {
      const fx = await loadFixture(deployFixture);
      const hook = await ethers.deployContract("HookToken");
      const d = await (await ethers.getContractFactory("RewardsDistributor")).deploy(
        await hook.getAddress(),
        fx.governance.address,
        await fx.registry.getAddress(),
      );
      await d.grantRole(await d.SETTLEMENT_ROLE(), fx.outsider.address);
      const owner = fx.operators[0];
      const rejecter = await ethers.deployContract("Reenterer", [], owner);
      const to = await rejecter.getAddress();
      await rejecter.connect(owner).optIn(await hook.getAddress());
      await rejecter.connect(owner).setRejectIncoming(true);
      await hook.mint(fx.funder.address, 100n * E18);
      await hook.connect(fx.funder).approve(await d.getAddress(), 100n * E18);
      await d.connect(fx.funder).fund(100n * E18);
      const tree = rewardsTree([
        [to, 10n * E18],
        [fx.operators[1].address, 1n],
      ]);
      await d.connect(fx.outsider).reserveBudget(100n * E18);
      await d.connect(fx.outsider).finalizeEpoch(0n, tree.root as Hex, 100n * E18);
      await expect(d.claim(to, 10n * E18, proofFor(tree, to)))
        .to.be.revertedWithCustomError(d, "RewardsDistributorPayoutFailed")
        .withArgs(to, 10n * E18);
      expect(await d.claimed(to)).to.equal(0n);
    });

    it("proves leaves at every depth of a 300-account tree; any altered proof word is an invalid proof", async () => {
      // Depths 8 and 9: the proof loop's four-step turns and its one-step tail both run, and each
      // word of each proof is checked to matter.
      const fx = await directFixture();
      const accounts = Array.from({ length: 300 }, (_, i) => ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(0x1000 + i * 7919), 20)));
      const tree = rewardsTree(accounts.map((x, i) => [x, BigInt(i + 1) * E18]));
      await fundRewards(fx, 1_000n * E18);
      const d = fx.distributor.connect(fx.settler);
      await d.reserveBudget(1_000n * E18);
      await d.finalizeEpoch(0n, tree.root as Hex, 1_000n * E18);
      const depths = new Set<number>();
      for (const i of [0, 1, 37, 150, 299]) {
        const proof = proofFor(tree, accounts[i]);
        depths.add(proof.length);
        for (let k = 0; k < proof.length; k++) {
          const bad = [...proof];
          bad[k] = ethers.zeroPadValue(ethers.toBeHex(BigInt(bad[k]) ^ 1n), 32);
          await expect(fx.distributor.claim(accounts[i], BigInt(i + 1) * E18, bad))
            .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorInvalidProof")
            .withArgs(accounts[i], BigInt(i + 1) * E18);
        }
        await expect(fx.distributor.claim(accounts[i], BigInt(i + 1) * E18, proof)).to.changeTokenBalance(
          fx.token,
          accounts[i],
          BigInt(i + 1) * E18,
        );
        expect(await fx.distributor.claimed(accounts[i])).to.equal(BigInt(i + 1) * E18);
      }
      expect([...depths].sort()).to.deep.equal([8, 9]);
    });

    it("a proof longer than MAX_PROOF_DEPTH is an invalid proof", async () => {
      const fx = await directFixture();
      const a = fx.operators[0];
      const long = Array.from({ length: 65 }, (_, i) => ethers.zeroPadValue(ethers.toBeHex(i + 1), 32));
      await expect(fx.distributor.claim(a.address, 1n, long))
        .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorInvalidProof")
        .withArgs(a.address, 1n);
    });
  });

  describe("claimBatch", () => {
    async function batchable() {
      const fx = await directFixture();
      await fundRewards(fx, 1_000n * E18);
      const [a, b, c] = fx.operators;
      const tree = rewardsTree([
        [a.address, 10n * E18],
        [b.address, 20n * E18],
        [c.address, 30n * E18],
      ]);
      const d = fx.distributor.connect(fx.settler);
      await d.reserveBudget(60n * E18);
      await d.finalizeEpoch(0n, tree.root as Hex, 60n * E18);
      return { ...fx, tree, a, b, c };
    }

    it("pays every entry under the current root, one event per claim, whoever sends it", async () => {
      // Fails on the previous code: there was no batch claim.
      const fx = await loadFixture(batchable);
      const accounts = [fx.a.address, fx.c.address];
      const amounts = [10n * E18, 30n * E18];
      const tx = fx.distributor
        .connect(fx.outsider)
        .claimBatch(accounts, amounts, accounts.map((x) => proofFor(fx.tree, x)));
      await expect(tx).to.changeTokenBalances(fx.token, [fx.a, fx.c, fx.distributor], [10n * E18, 30n * E18, -40n * E18]);
      const receipt = await (await tx).wait();
      const claimed = receipt!.logs
        .map((l) => fx.distributor.interface.parseLog(l))
        .filter((e) => e?.name === "RewardsClaimed")
        .map((e) => [e!.args[0], e!.args[1]]);
      expect(claimed).to.deep.equal([
        [fx.a.address, 10n * E18],
        [fx.c.address, 30n * E18],
      ]);
      expect(await fx.distributor.totalClaimed()).to.equal(40n * E18);
      // Already claimed: a single claim of the same leaf is refused.
      await expect(fx.distributor.claim(fx.a.address, 10n * E18, proofFor(fx.tree, fx.a.address))).to.be.revertedWithCustomError(
        fx.distributor,
        "RewardsDistributorNothingToClaim",
      );
    });

    it("reverts whole on a bad entry, an account listed twice, or mismatched, empty or oversized lists", async () => {
      const fx = await loadFixture(batchable);
      const pa = proofFor(fx.tree, fx.a.address);
      const pb = proofFor(fx.tree, fx.b.address);
      await expect(fx.distributor.claimBatch([fx.a.address, fx.b.address], [10n * E18, 21n * E18], [pa, pb]))
        .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorInvalidProof")
        .withArgs(fx.b.address, 21n * E18);
      expect(await fx.distributor.claimed(fx.a.address)).to.equal(0n);
      await expect(fx.distributor.claimBatch([fx.a.address, fx.a.address], [10n * E18, 10n * E18], [pa, pa]))
        .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorNothingToClaim")
        .withArgs(fx.a.address, 10n * E18, 10n * E18);
      const bad = "RewardsDistributorBadBatch";
      await expect(fx.distributor.claimBatch([], [], [])).to.be.revertedWithCustomError(fx.distributor, bad).withArgs(0, 0, 0);
      await expect(fx.distributor.claimBatch([fx.a.address], [], [pa])).to.be.revertedWithCustomError(fx.distributor, bad).withArgs(1, 0, 1);
      await expect(fx.distributor.claimBatch([fx.a.address], [10n * E18], [])).to.be.revertedWithCustomError(fx.distributor, bad).withArgs(1, 1, 0);
      const max = Number(await fx.distributor.MAX_BATCH_CLAIMS());
      const many = Array.from({ length: max + 1 }, () => fx.a.address);
      await expect(fx.distributor.claimBatch(many, many.map(() => 1n), many.map(() => [])))
        .to.be.revertedWithCustomError(fx.distributor, bad)
        .withArgs(max + 1, max + 1, max + 1);
    });
  });

  describe("claimToStake", () => {
    async function stakeable() {
      const fx = await directFixture();
      const op = fx.operators[0];
      const n = await registerNode(fx, op);
      const other = await registerNode(fx, fx.operators[1]);
      await fundRewards(fx, 1_000n * E18);
      const tree = rewardsTree([
        [op.address, 50n * E18],
        [fx.operators[1].address, 20n * E18],
      ]);
      const d = fx.distributor.connect(fx.settler);
      await d.reserveBudget(70n * E18);
      await d.finalizeEpoch(0n, tree.root as Hex, 70n * E18);
      return { ...fx, op, n, other, tree, d };
    }

    it("adds the operator's claimed rewards to its node's active stake", async () => {
      // Fails on the previous code: rewards could only be paid out, then staked with a second transaction.
      const fx = await loadFixture(stakeable);
      const before = (await fx.registry.getNode(fx.n.node)).stake;
      const active = await fx.registry.totalActiveStake();
      const tx = fx.distributor.connect(fx.op).claimToStake(50n * E18, proofFor(fx.tree, fx.op.address), fx.n.node);
      await expect(tx).to.emit(fx.distributor, "RewardsClaimed").withArgs(fx.op.address, 50n * E18);
      await expect(tx)
        .to.emit(fx.registry, "RewardsStaked")
        .withArgs(fx.n.node, fx.op.address, 50n * E18, before + 50n * E18);
      await expect(tx).to.changeTokenBalances(fx.token, [fx.op, fx.distributor, fx.registry], [0n, -50n * E18, 50n * E18]);
      expect((await fx.registry.getNode(fx.n.node)).stake).to.equal(before + 50n * E18);
      expect(await fx.registry.totalActiveStake()).to.equal(active + 50n * E18);
      expect(await fx.distributor.claimed(fx.op.address)).to.equal(50n * E18);
      expect(await fx.distributor.totalClaimed()).to.equal(50n * E18);
      const sheet = await balanceSheet(fx);
      expect(sheet.held).to.equal(sheet.owed);
    });

    it("no double claim across claim and claimToStake, in either order", async () => {
      const fx = await loadFixture(stakeable);
      const proof = proofFor(fx.tree, fx.op.address);
      await fx.distributor.claim(fx.op.address, 50n * E18, proof);
      await expect(fx.distributor.connect(fx.op).claimToStake(50n * E18, proof, fx.n.node))
        .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorNothingToClaim")
        .withArgs(fx.op.address, 50n * E18, 50n * E18);
      const p1 = proofFor(fx.tree, fx.operators[1].address);
      await fx.distributor.connect(fx.operators[1]).claimToStake(20n * E18, p1, fx.other.node);
      await expect(fx.distributor.claim(fx.operators[1].address, 20n * E18, p1)).to.be.revertedWithCustomError(
        fx.distributor,
        "RewardsDistributorNothingToClaim",
      );
    });

    it("only the node's operator may direct its own rewards into it; the leaf is always the caller's", async () => {
      const fx = await loadFixture(stakeable);
      // Operator 1 tries to stake its rewards into operator 0's node.
      await expect(
        fx.distributor.connect(fx.operators[1]).claimToStake(20n * E18, proofFor(fx.tree, fx.operators[1].address), fx.n.node),
      )
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryNotOperator")
        .withArgs(fx.n.node, fx.operators[1].address);
      // A stranger cannot stake operator 0's rewards: the leaf is proved for msg.sender.
      await expect(fx.distributor.connect(fx.outsider).claimToStake(50n * E18, proofFor(fx.tree, fx.op.address), fx.n.node))
        .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorInvalidProof")
        .withArgs(fx.outsider.address, 50n * E18);
      expect(await fx.distributor.claimed(fx.op.address)).to.equal(0n);
    });

    it("refuses an unknown or exiting node and a paused registry; allows a jailed node", async () => {
      const fx = await loadFixture(stakeable);
      const proof = proofFor(fx.tree, fx.op.address);
      const stranger = ethers.Wallet.createRandom().address;
      await expect(fx.distributor.connect(fx.op).claimToStake(50n * E18, proof, stranger))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryUnknownNode")
        .withArgs(stranger);
      await fx.registry.pause();
      await expect(fx.distributor.connect(fx.op).claimToStake(50n * E18, proof, fx.n.node)).to.be.revertedWithCustomError(
        fx.registry,
        "EnforcedPause",
      );
      await fx.registry.unpause();
      // Jailed (slashed): still the operator's node, the stake is welcome (as with topUp).
      // Slashed by Settlement, the only holder of SLASHER_ROLE (impersonated here).
      await fx.registry.connect(await impersonated(await fx.settlement.getAddress())).slash(fx.n.node, 1_000);
      expect((await fx.registry.getNode(fx.n.node)).status).to.equal(2n); // Jailed
      const jailedStake = (await fx.registry.getNode(fx.n.node)).stake;
      await fx.distributor.connect(fx.op).claimToStake(50n * E18, proof, fx.n.node);
      expect((await fx.registry.getNode(fx.n.node)).stake).to.equal(jailedStake + 50n * E18);
      // Exiting: refused, the rewards stay claimable.
      const p1 = proofFor(fx.tree, fx.operators[1].address);
      await fx.registry.connect(fx.operators[1]).deregister(fx.other.node);
      await expect(fx.distributor.connect(fx.operators[1]).claimToStake(20n * E18, p1, fx.other.node))
        .to.be.revertedWithCustomError(fx.registry, "NodeRegistryNodeExiting")
        .withArgs(fx.other.node);
      await fx.distributor.claim(fx.operators[1].address, 20n * E18, p1);
    });

    it("a fee-on-transfer token that under-delivers to the registry is refused", async () => {
      const fx = await loadFixture(deployFixture);
      const fot = await (await ethers.getContractFactory("FeeOnTransferToken")).deploy(0);
      const reg = await (await ethers.getContractFactory("NodeRegistry")).deploy(
        await fot.getAddress(),
        fx.governance.address,
        7n * 24n * 3600n,
        3600n,
        1n,
        0n,
      );
      const d = await (await ethers.getContractFactory("RewardsDistributor")).deploy(
        await fot.getAddress(),
        fx.governance.address,
        await reg.getAddress(),
      );
      await d.grantRole(await d.SETTLEMENT_ROLE(), fx.outsider.address);
      await fot.mint(fx.funder.address, 100n * E18);
      await fot.connect(fx.funder).approve(await d.getAddress(), 100n * E18);
      await d.connect(fx.funder).fund(100n * E18);
      const op = fx.operators[0];
      const tree = rewardsTree([
        [op.address, 10n * E18],
        [fx.operators[1].address, 1n],
      ]);
      await d.connect(fx.outsider).reserveBudget(100n * E18);
      await d.connect(fx.outsider).finalizeEpoch(0n, tree.root as Hex, 100n * E18);
      await fot.setFeeBps(100);
      await expect(d.connect(op).claimToStake(10n * E18, proofFor(tree, op.address), op.address))
        .to.be.revertedWithCustomError(d, "RewardsDistributorTransferShortfall")
        .withArgs(10n * E18, 9n * E18 + 9n * E18 / 10n);
    });

    it("only the distributor (REWARDS_ROLE) may credit rewards to a stake", async () => {
      const fx = await loadFixture(stakeable);
      await expect(fx.registry.connect(fx.op).stakeRewards(fx.n.node, fx.op.address, 1n)).to.be.revertedWithCustomError(
        fx.registry,
        "AccessControlUnauthorizedAccount",
      );
      expect(await fx.registry.hasRole(await fx.registry.REWARDS_ROLE(), await fx.distributor.getAddress())).to.equal(true);
    });
  });
});
