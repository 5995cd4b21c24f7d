import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { PRECOMMITTED_EPOCHS, TEST_PARAMS, deployFixture, seedOf } from "../support/fixtures";
import { seedCommitment } from "../../protocol";

const { ethers } = hre;

describe("EpochManager", () => {
  describe("clock", () => {
    it("reports epoch 0 before genesis and counts epochs of epochLength after it", async () => {
      const fx = await loadFixture(deployFixture);
      const genesis = await fx.epochs.genesis();
      const len = await fx.epochs.epochLength();
      expect(len).to.equal(TEST_PARAMS.epochLength);
      expect(BigInt(await time.latest())).to.be.lessThan(genesis);
      expect(await fx.epochs.currentEpoch()).to.equal(0n);
      expect(await fx.epochs.epochStart(0n)).to.equal(genesis);
      expect(await fx.epochs.epochStart(5n)).to.equal(genesis + 5n * len);
      expect(await fx.epochs.epochEnd(5n)).to.equal(genesis + 6n * len);
      await time.increaseTo(genesis + 3n * len - 1n);
      expect(await fx.epochs.currentEpoch()).to.equal(2n);
      await time.increaseTo(genesis + 3n * len);
      expect(await fx.epochs.currentEpoch()).to.equal(3n);
      // The largest epoch does not overflow.
      const max = 2n ** 64n - 1n;
      expect(await fx.epochs.epochStart(max)).to.equal(genesis + max * len);
    });

    it("rejects a zero epoch length", async () => {
      const fx = await loadFixture(deployFixture);
      const F = await ethers.getContractFactory("EpochManager");
      await expect(F.deploy(fx.governance.address, 0, 0, [fx.governance.address], 1)).to.be.revertedWithCustomError(
        fx.epochs,
        "EpochManagerZeroEpochLength",
      );
    });
  });

  describe("committee", () => {
    it("starts at config version 1 with the deployed committee", async () => {
      const fx = await loadFixture(deployFixture);
      expect(await fx.epochs.configVersion()).to.equal(1n);
      expect(await fx.epochs.quorum()).to.equal(2n);
      expect(await fx.epochs.committee()).to.deep.equal(fx.committee.map((m) => m.address));
      expect(await fx.epochs.isCommitteeMember(fx.committee[1].address)).to.equal(true);
      expect(await fx.epochs.isCommitteeMember(fx.outsider.address)).to.equal(false);
      expect(await fx.epochs.MAX_COMMITTEE_SIZE()).to.equal(31n);
    });

    it("setCommittee replaces members, bumps the version and emits CommitteeSet", async () => {
      const fx = await loadFixture(deployFixture);
      const members = [fx.committee[2].address, fx.outsider.address];
      await expect(fx.epochs.connect(fx.timelockSigner).setCommittee(members, 2))
        .to.emit(fx.epochs, "CommitteeSet")
        .withArgs(members, 2, 2n);
      expect(await fx.epochs.configVersion()).to.equal(2n);
      expect(await fx.epochs.isCommitteeMember(fx.committee[0].address)).to.equal(false);
      expect(await fx.epochs.isCommitteeMember(fx.outsider.address)).to.equal(true);
      expect(await fx.epochs.committee()).to.deep.equal(members);
    });

    it("rejects empty or oversized committees, bad quorums, zero and duplicate members", async () => {
      const fx = await loadFixture(deployFixture);
      const e = fx.epochs.connect(fx.timelockSigner);
      const addrs = (await ethers.getSigners()).map((s) => s.address);
      await expect(e.setCommittee([], 1)).to.be.revertedWithCustomError(e, "EpochManagerCommitteeSizeOutOfBounds");
      await expect(e.setCommittee(addrs.slice(0, 32), 17))
        .to.be.revertedWithCustomError(e, "EpochManagerCommitteeSizeOutOfBounds")
        .withArgs(32);
      await expect(e.setCommittee(addrs.slice(0, 31), 16)).to.emit(e, "CommitteeSet");
      await expect(e.setCommittee(addrs.slice(0, 3), 0)).to.be.revertedWithCustomError(e, "EpochManagerQuorumOutOfBounds");
      await expect(e.setCommittee(addrs.slice(0, 3), 4)).to.be.revertedWithCustomError(e, "EpochManagerQuorumOutOfBounds");
      // Not a strict majority.
      await expect(e.setCommittee(addrs.slice(0, 4), 2))
        .to.be.revertedWithCustomError(e, "EpochManagerQuorumOutOfBounds")
        .withArgs(2, 4);
      await expect(e.setCommittee([addrs[0], ethers.ZeroAddress], 2))
        .to.be.revertedWithCustomError(e, "EpochManagerInvalidMember")
        .withArgs(ethers.ZeroAddress);
      await expect(e.setCommittee([addrs[0], addrs[1], addrs[0]], 2))
        .to.be.revertedWithCustomError(e, "EpochManagerInvalidMember")
        .withArgs(addrs[0]);
    });

    it("only the timelock sets the committee: not a member, not the deployer or guardian", async () => {
      const fx = await loadFixture(deployFixture);
      for (const signer of [fx.committee[0], fx.governance]) {
        await expect(
          fx.epochs.connect(signer).setCommittee([fx.outsider.address], 1),
        ).to.be.revertedWithCustomError(fx.epochs, "AccessControlUnauthorizedAccount");
      }
    });
  });

  describe("seed commitments", () => {
    it("a member commits once per epoch before it starts, emitting SeedCommitted", async () => {
      const fx = await loadFixture(deployFixture);
      const epoch = PRECOMMITTED_EPOCHS + 1n;
      const c = seedCommitment(epoch, seedOf(epoch));
      await expect(fx.epochs.connect(fx.committee[1]).commitSeed(epoch, c))
        .to.emit(fx.epochs, "SeedCommitted")
        .withArgs(epoch, c, fx.committee[1].address);
      expect(await fx.epochs.seedCommitment(epoch)).to.equal(c);
      expect(await fx.epochs.seedCommitment(0n)).to.equal(seedCommitment(0n, seedOf(0n)));
      // The on-chain commitment equals keccak256(abi.encode(uint64 epoch, bytes32 seed)).
      const onchainFormula = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(["uint64", "bytes32"], [epoch, seedOf(epoch)]),
      );
      expect(onchainFormula).to.equal(c);
      await expect(fx.epochs.connect(fx.committee[0]).commitSeed(epoch, c))
        .to.be.revertedWithCustomError(fx.epochs, "EpochManagerSeedAlreadyCommitted")
        .withArgs(epoch);
    });

    it("rejects non-members, zero commitments and epochs that have started", async () => {
      const fx = await loadFixture(deployFixture);
      const epoch = PRECOMMITTED_EPOCHS + 2n;
      const c = seedCommitment(epoch, seedOf(epoch));
      await expect(fx.epochs.connect(fx.outsider).commitSeed(epoch, c))
        .to.be.revertedWithCustomError(fx.epochs, "EpochManagerNotCommitteeMember")
        .withArgs(fx.outsider.address);
      await expect(fx.epochs.connect(fx.committee[0]).commitSeed(epoch, ethers.ZeroHash)).to.be.revertedWithCustomError(
        fx.epochs,
        "EpochManagerZeroCommitment",
      );
      const start = await fx.epochs.epochStart(epoch);
      await time.increaseTo(start);
      await expect(fx.epochs.connect(fx.committee[0]).commitSeed(epoch, c))
        .to.be.revertedWithCustomError(fx.epochs, "EpochManagerEpochStarted")
        .withArgs(epoch, start);
    });
  });

  // Finding (Medium, seed commitments can brick epochs): a member could commit any epoch, however far
  // ahead, and nobody could ever replace or clear its commitment, even after it left the committee, so
  // those epochs could never be reported by anyone else.
  describe("seed commitments nobody can brick", () => {
    it("refuses a commitment more than MAX_COMMIT_AHEAD_EPOCHS after the current epoch", async () => {
      // Guards the bound `epoch > currentEpoch() + MAX_COMMIT_AHEAD_EPOCHS` in commitSeed.
      const fx = await loadFixture(deployFixture);
      const ahead = await fx.epochs.MAX_COMMIT_AHEAD_EPOCHS();
      expect(ahead).to.equal(64n);
      const cur = await fx.epochs.currentEpoch();
      const far = cur + ahead + 1n;
      await expect(fx.epochs.connect(fx.committee[1]).commitSeed(far, seedCommitment(far, seedOf(far))))
        .to.be.revertedWithCustomError(fx.epochs, "EpochManagerCommitTooFarAhead")
        .withArgs(far, cur + ahead);
      await fx.epochs.connect(fx.committee[1]).commitSeed(far - 1n, seedCommitment(far - 1n, seedOf(far - 1n)));
      expect(await fx.epochs.seedCommitment(far - 1n)).to.equal(seedCommitment(far - 1n, seedOf(far - 1n)));
    });

    it("a commitment does not outlive its author's removal, and re-admission does not revive it", async () => {
      // Guards _inForce (author still a member since it committed) in seedCommitment and commitSeed.
      const fx = await loadFixture(deployFixture);
      const [m1, m2, m3] = fx.committee;
      const epoch = PRECOMMITTED_EPOCHS + 1n;
      const c1 = seedCommitment(epoch, (ethers.id(`m1:${epoch}`) as `0x${string}`));
      await fx.epochs.connect(m1).commitSeed(epoch, c1);
      expect(await fx.epochs.memberSince(m1.address)).to.equal(1n);
      // m1 removed: its commitments no longer count, here and for the fixture's precommitted epochs.
      await fx.epochs.connect(fx.timelockSigner).setCommittee([m2.address, m3.address, fx.outsider.address], 2);
      expect(await fx.epochs.seedCommitment(epoch)).to.equal(ethers.ZeroHash);
      expect(await fx.epochs.seedCommitment(0n)).to.equal(ethers.ZeroHash);
      expect((await fx.epochs.seedCommitmentOf(epoch)).author).to.equal(m1.address);
      // A kept member's membership is unbroken; a new one starts now.
      expect(await fx.epochs.memberSince(m2.address)).to.equal(1n);
      expect(await fx.epochs.memberSince(fx.outsider.address)).to.equal(2n);
      // Another member can commit in its place before the epoch starts.
      const c2 = seedCommitment(epoch, (ethers.id(`m2:${epoch}`) as `0x${string}`));
      await expect(fx.epochs.connect(m2).commitSeed(epoch, c2)).to.emit(fx.epochs, "SeedCommitted").withArgs(epoch, c2, m2.address);
      expect(await fx.epochs.seedCommitment(epoch)).to.equal(c2);
      // m1 back: its old commitment of another epoch stays void (it committed in an earlier membership).
      await fx.epochs.connect(fx.timelockSigner).setCommittee([m1.address, m2.address, m3.address], 2);
      expect(await fx.epochs.memberSince(m1.address)).to.equal(3n);
      expect(await fx.epochs.seedCommitment(1n)).to.equal(ethers.ZeroHash);
      expect(await fx.epochs.seedCommitment(epoch)).to.equal(c2);
    });

    it("the author or governance clears a commitment before its epoch starts; nobody else, never after", async () => {
      // Guards clearSeedCommitment: who may call it and until when.
      const fx = await loadFixture(deployFixture);
      const [m1, m2] = fx.committee;
      const e1 = PRECOMMITTED_EPOCHS + 1n;
      const e2 = PRECOMMITTED_EPOCHS + 2n;
      await fx.epochs.connect(m1).commitSeed(e1, seedCommitment(e1, seedOf(e1)));
      await fx.epochs.connect(m1).commitSeed(e2, seedCommitment(e2, seedOf(e2)));
      await expect(fx.epochs.connect(m2).clearSeedCommitment(e1))
        .to.be.revertedWithCustomError(fx.epochs, "EpochManagerNotCommitmentAuthor")
        .withArgs(e1, m1.address, m2.address);
      await expect(fx.epochs.connect(m1).clearSeedCommitment(e1))
        .to.emit(fx.epochs, "SeedCommitmentCleared")
        .withArgs(e1, m1.address, m1.address);
      expect(await fx.epochs.seedCommitment(e1)).to.equal(ethers.ZeroHash);
      await expect(fx.epochs.connect(m1).clearSeedCommitment(e1))
        .to.be.revertedWithCustomError(fx.epochs, "EpochManagerNoCommitment")
        .withArgs(e1);
      // The deployer holds no role after deployment: only the timelock (governance) clears another's commitment.
      await expect(fx.epochs.connect(fx.governance).clearSeedCommitment(e2)).to.be.revertedWithCustomError(
        fx.epochs,
        "EpochManagerNotCommitmentAuthor",
      );
      await expect(fx.epochs.connect(fx.timelockSigner).clearSeedCommitment(e2))
        .to.emit(fx.epochs, "SeedCommitmentCleared")
        .withArgs(e2, m1.address, fx.timelockSigner.address);
      // Cleared: another member commits.
      await fx.epochs.connect(m2).commitSeed(e2, seedCommitment(e2, (ethers.id(`x:${e2}`) as `0x${string}`)));
      expect(await fx.epochs.seedCommitment(e2)).to.equal(seedCommitment(e2, (ethers.id(`x:${e2}`) as `0x${string}`)));
      // Once the epoch started, its commitment stays (the challenges already derive from it).
      const start = await fx.epochs.epochStart(e2);
      await time.increaseTo(start);
      await expect(fx.epochs.connect(m2).clearSeedCommitment(e2))
        .to.be.revertedWithCustomError(fx.epochs, "EpochManagerEpochStarted")
        .withArgs(e2, start);
    });
  });
});
