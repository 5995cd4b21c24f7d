/**
 * Attacks on the committee's report signatures. Each test names the defence line in
 * contracts/Settlement.sol (or EpochManager.sol) without which it would fail.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  commitSeed,
  deployProtocol,
  endEpoch,
  makeReport,
  quorumSignatures,
  seedOf,
  signReport,
  SlashReason,
  type Protocol,
} from "../../scripts/hardhat-protocol";
import { seedCommitment } from "../../protocol";

async function threeOfTwo() {
  return deployProtocol({ committeeSize: 3, quorum: 2 });
}

/** Commits the seed of the next epoch and lets it end; returns the epoch. */
async function endedEpoch(p: Protocol): Promise<bigint> {
  const epoch = (await p.epochs.currentEpoch()) + 1n;
  await commitSeed(p, epoch);
  await endEpoch(p, epoch);
  return epoch;
}

describe("attacks: report signatures", function () {
  it("control: a quorum-signed report of an ended epoch is accepted", async function () {
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    await expect(p.settlement.submitReport(report, slashes, await quorumSignatures(p, report)))
      .to.emit(p.settlement, "ReportSubmitted");
  });

  it("a report signed for another chain id is rejected", async function () {
    // Defence: the EIP-712 domain of reportDigest (EIP712("PoAI Settlement","1") reads block.chainid
    // live). Without it the digest would be the same on every chain and this report would pass.
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    const sigs = await signReport(p, report, { indexes: [0, 1], chainId: 1n });
    await expect(p.settlement.submitReport(report, slashes, sigs)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSignerNotMember",
    );
  });

  it("a report signed for another Settlement deployment is rejected", async function () {
    // Defence: verifyingContract in the EIP-712 domain (address(this)). A second Settlement over the
    // same EpochManager and committee is the realistic case: an upgrade or a parallel deployment.
    const p = await loadFixture(threeOfTwo);
    const other = await ethers.deployContract("Settlement", [
      await p.registry.getAddress(),
      await p.epochs.getAddress(),
      await p.distributor.getAddress(),
      p.admin.address,
      { disputeWindow: 1800n, slashBurnBps: 0, maxSlashes: 16, treasury: p.treasury.address, appealBond: 1n },
    ]);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    // Signed for `other`, replayed on the real one, and the other way round.
    const sigsOther = await signReport(p, report, { indexes: [0, 1], verifyingContract: await other.getAddress() });
    await expect(p.settlement.submitReport(report, slashes, sigsOther)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSignerNotMember",
    );
    const sigsReal = await quorumSignatures(p, report);
    await expect(other.submitReport(report, slashes, sigsReal)).to.be.revertedWithCustomError(
      other,
      "SettlementSignerNotMember",
    );
    // The genuine signatures still work where they belong.
    await expect(p.settlement.submitReport(report, slashes, sigsReal)).to.emit(p.settlement, "ReportSubmitted");
  });

  it("a report signature replayed for another epoch is rejected", async function () {
    // Defence: `epoch` is a field of the signed EpochReport struct (EPOCH_REPORT_TYPEHASH). The other
    // epoch is set up so that every other check passes (same seed committed for it, epoch over).
    const p = await loadFixture(threeOfTwo);
    const e1 = await endedEpoch(p);
    const seed = seedOf(e1);
    const e2 = (await p.epochs.currentEpoch()) + 1n;
    await p.epochs.connect(p.committeeSigners[0]).commitSeed(e2, seedCommitment(e2, seed));
    await endEpoch(p, e2);
    const { report, slashes } = await makeReport(p, e1, { seed });
    const sigs = await quorumSignatures(p, report);
    // Replayed before the genuine report lands, so that it names the right parent (the chain's tip).
    const replay = { ...report, epoch: e2 };
    await expect(p.settlement.submitReport(replay, slashes, sigs)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSignerNotMember",
    );
    await expect(p.settlement.submitReport(report, slashes, sigs)).to.emit(p.settlement, "ReportSubmitted");
  });

  it("a report signed under an older committee configuration is rejected", async function () {
    // Defence 1: `report.configVersion != _epochs.configVersion()` in _validateReport.
    // Defence 2: configVersion is inside the signed struct, so relabelling the report fails the signature.
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    const sigs = await quorumSignatures(p, report);
    // Governance rotates the committee (here: the same members, a new version).
    await p.epochs.connect(p.governance).setCommittee(p.committeeSigners.map((s) => s.address), 2);
    await expect(p.settlement.submitReport(report, slashes, sigs))
      .to.be.revertedWithCustomError(p.settlement, "SettlementConfigVersionMismatch")
      .withArgs(report.configVersion, report.configVersion + 1n);
    const relabelled = { ...report, configVersion: report.configVersion + 1n };
    await expect(p.settlement.submitReport(relabelled, slashes, sigs)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSignerNotMember",
    );
  });

  it("a removed committee member's signature no longer counts", async function () {
    // Defence: isCommitteeMember() is read live at submission, and the config version changes.
    const p = await loadFixture(threeOfTwo);
    // The seed is committed by a member who stays (a removed member's commitment no longer counts).
    const epoch = (await p.epochs.currentEpoch()) + 1n;
    await p.epochs.connect(p.committeeSigners[1]).commitSeed(epoch, seedCommitment(epoch, seedOf(epoch)));
    await endEpoch(p, epoch);
    // New committee without member 0 and with two fresh members.
    const signers = await ethers.getSigners();
    const members = [p.committeeSigners[1].address, p.committeeSigners[2].address, signers[10].address];
    await p.epochs.connect(p.governance).setCommittee(members, 2);
    const { report, slashes } = await makeReport(p, epoch);
    const sigs = await signReport(p, report, { indexes: [0, 1] });
    await expect(p.settlement.submitReport(report, slashes, sigs)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSignerNotMember",
    );
  });

  it("the same signer twice does not make a quorum", async function () {
    // Defence: `if (signer <= previous) revert SettlementSignersNotAscending` in _checkSignatures.
    // Without it two copies of one member's signature would count as 2 of 3.
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    const [one] = await signReport(p, report, { indexes: [0] });
    await expect(p.settlement.submitReport(report, slashes, [one, one]))
      .to.be.revertedWithCustomError(p.settlement, "SettlementSignersNotAscending")
      .withArgs(1, p.committeeWallets[0].address);
  });

  it("the same signer twice with a malleated (high-s) copy is rejected", async function () {
    // Defence: ECDSA.tryRecover rejects s > n/2 (InvalidSignatureS), so a second encoding of the same
    // signature cannot be presented as a second signer; the ascending order rejects it anyway.
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    const [one] = await signReport(p, report, { indexes: [0] });
    const sig = ethers.Signature.from(one);
    const n = BigInt("0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    const highS = ethers.toBeHex(n - BigInt(sig.s), 32);
    const flipped = ethers.concat([sig.r, highS, ethers.toBeHex(sig.v === 27 ? 28 : 27, 1)]);
    await expect(p.settlement.submitReport(report, slashes, [one, flipped]))
      .to.be.revertedWithCustomError(p.settlement, "SettlementInvalidSignature")
      .withArgs(1);
  });

  it("fewer signatures than the quorum are rejected", async function () {
    // Defence: `if (count < needed) revert SettlementQuorumNotReached` in _checkSignatures.
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    const sigs = await signReport(p, report, { indexes: [2] });
    await expect(p.settlement.submitReport(report, slashes, sigs))
      .to.be.revertedWithCustomError(p.settlement, "SettlementQuorumNotReached")
      .withArgs(1, 2);
    await expect(p.settlement.submitReport(report, slashes, []))
      .to.be.revertedWithCustomError(p.settlement, "SettlementQuorumNotReached")
      .withArgs(0, 2);
  });

  it("a signature by an account outside the committee does not count toward the quorum", async function () {
    // Defence: `if (!_epochs.isCommitteeMember(signer)) revert SettlementSignerNotMember`.
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    const outsider = ethers.Wallet.createRandom();
    const sigs = await signReport(p, report, { wallets: [p.committeeWallets[0], outsider] });
    await expect(p.settlement.submitReport(report, slashes, sigs)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSignerNotMember",
    );
  });

  it("a signature over a different slash list is rejected", async function () {
    // Defence 1: `keccak256(abi.encode(slashes)) != report.slashListHash` (SettlementSlashListHashMismatch):
    // the relayer cannot swap the list under a signed hash.
    // Defence 2: slashListHash is in the signed struct: recomputing it for the swapped list breaks the
    // signatures.
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const victim = ethers.Wallet.createRandom().address as `0x${string}`;
    const guilty = ethers.Wallet.createRandom().address as `0x${string}`;
    const evidence = ethers.keccak256("0x01");
    const { report, slashes } = await makeReport(p, epoch, {
      slashes: [{ node: guilty, bps: 1000, reason: SlashReason.Fraud, evidence: evidence as `0x${string}` }],
    });
    const sigs = await quorumSignatures(p, report);
    const swapped = [{ node: victim, bps: 10_000, reason: SlashReason.Fraud, evidence }];
    await expect(p.settlement.submitReport(report, swapped, sigs)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSlashListHashMismatch",
    );
    await expect(p.settlement.submitReport(report, [], sigs)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSlashListHashMismatch",
    );
    const { report: rehashed } = await makeReport(p, epoch, {
      slashes: [{ node: victim, bps: 10_000, reason: SlashReason.Fraud, evidence: evidence as `0x${string}` }],
    });
    await expect(p.settlement.submitReport(rehashed, swapped, sigs)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSignerNotMember",
    );
  });

  it("a signature over different rewards is rejected", async function () {
    // Defence: rewardsRoot and rewardsTotal are fields of the signed struct.
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    const sigs = await quorumSignatures(p, report);
    const forged = { ...report, rewardsRoot: ethers.keccak256("0x1234") as `0x${string}` };
    await expect(p.settlement.submitReport(forged, slashes, sigs)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSignerNotMember",
    );
  });

  it("more signatures than the committee cap are rejected before any is checked", async function () {
    // Defence: `count > MAX_COMMITTEE_SIZE` bounds the signature loop (gas griefing of the relayer).
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    const sigs = await quorumSignatures(p, report);
    const many = Array.from({ length: 32 }, () => sigs[0]);
    await expect(p.settlement.submitReport(report, slashes, many))
      .to.be.revertedWithCustomError(p.settlement, "SettlementTooManySignatures")
      .withArgs(32, 31);
  });

  it("a malformed signature is rejected with its index", async function () {
    // Defence: ECDSA.tryRecover error → SettlementInvalidSignature(i), never a silent zero signer.
    const p = await loadFixture(threeOfTwo);
    const epoch = await endedEpoch(p);
    const { report, slashes } = await makeReport(p, epoch);
    const sigs = await quorumSignatures(p, report);
    await expect(p.settlement.submitReport(report, slashes, [sigs[0], "0x1234"]))
      .to.be.revertedWithCustomError(p.settlement, "SettlementInvalidSignature")
      .withArgs(1);
  });

  it("a committee with a quorum of half or less cannot be configured", async function () {
    // Defence: `2 * quorum <= size` reverts in EpochManager._setCommittee, so two conflicting reports
    // can never both reach quorum.
    const p = await loadFixture(threeOfTwo);
    const members = (await ethers.getSigners()).slice(2, 6).map((s) => s.address);
    await expect(p.epochs.connect(p.governance).setCommittee(members, 2))
      .to.be.revertedWithCustomError(p.epochs, "EpochManagerQuorumOutOfBounds")
      .withArgs(2, 4);
    await expect(p.epochs.connect(p.governance).setCommittee([members[0], members[0], members[1]], 2))
      .to.be.revertedWithCustomError(p.epochs, "EpochManagerInvalidMember")
      .withArgs(members[0]);
  });
});
