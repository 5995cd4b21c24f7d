/**
 * Attacks on what a report says and when: unfinished epochs, seeds that do not match their
 * commitment, late commitments, oversized or out-of-range slash lists, early finalization, appeals
 * and vetoes by the wrong party or at the wrong time, double reports and unfunded rewards.
 * Each test names the defence line without which it would fail.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import {
  commitSeed,
  deployProtocol,
  endEpoch,
  impersonated,
  makeReport,
  newNodeKey,
  passDisputeWindow,
  PARAMS,
  quorumSignatures,
  registerNode,
  seedOf,
  submitEpochReport,
  SlashReason,
  type Protocol,
  type SlashEntry,
} from "../../scripts/hardhat-protocol";
import { seedCommitment } from "../../protocol";

const STAKE = ethers.parseEther("2000");
const EVIDENCE = ethers.keccak256(ethers.toUtf8Bytes("evidence")) as `0x${string}`;

async function withNode() {
  const p = await deployProtocol();
  const nodeKey = newNodeKey();
  const operator = p.operators[0];
  await registerNode(p, operator, nodeKey, STAKE);
  return { p, nodeKey, node: nodeKey.address, operator };
}

function slash(node: string, bps = 1000, reason = SlashReason.Fraud): SlashEntry {
  return { node: node as `0x${string}`, bps, reason, evidence: EVIDENCE };
}

async function nextEpochCommitted(p: Protocol): Promise<bigint> {
  const epoch = (await p.epochs.currentEpoch()) + 1n;
  await commitSeed(p, epoch);
  return epoch;
}

describe("attacks: report validity and timing", function () {
  it("a report for an epoch that is not over is rejected", async function () {
    // Defence: `if (block.timestamp < endsAt) revert SettlementEpochNotOver` in _validateReport.
    // Without it the committee could settle (and slash for) an epoch whose challenges still run.
    const { p } = await loadFixture(withNode);
    const epoch = await nextEpochCommitted(p);
    await time.increaseTo(await p.epochs.epochStart(epoch)); // the epoch is running
    const { report, slashes } = await makeReport(p, epoch);
    const sigs = await quorumSignatures(p, report);
    const end = await p.epochs.epochEnd(epoch);
    await expect(p.settlement.submitReport(report, slashes, sigs))
      .to.be.revertedWithCustomError(p.settlement, "SettlementEpochNotOver")
      .withArgs(epoch, end);
    // One second before the end is still too early; at the end it is accepted.
    await time.setNextBlockTimestamp(end - 1n);
    await expect(p.settlement.submitReport(report, slashes, sigs)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementEpochNotOver",
    );
    await time.setNextBlockTimestamp(end);
    await expect(p.settlement.submitReport(report, slashes, sigs)).to.emit(p.settlement, "ReportSubmitted");
  });

  it("a revealed seed that does not match the commitment is rejected", async function () {
    // Defence: `keccak256(abi.encode(epoch, report.seed)) != commitment` → SettlementSeedMismatch. Without
    // it the oracle could pick the challenges after seeing the answers and reveal whatever seed fits.
    const { p } = await loadFixture(withNode);
    const epoch = await nextEpochCommitted(p);
    await endEpoch(p, epoch);
    const commitment = await p.epochs.seedCommitment(epoch);
    const { report, slashes } = await makeReport(p, epoch, { seed: seedOf(epoch, "another seed") });
    // Signed by the whole committee: the signatures are valid, only the seed is wrong.
    const sigs = await quorumSignatures(p, report);
    await expect(p.settlement.submitReport(report, slashes, sigs))
      .to.be.revertedWithCustomError(p.settlement, "SettlementSeedMismatch")
      .withArgs(epoch, commitment);
  });

  it("a report for an epoch without a seed commitment is rejected", async function () {
    // Defence: `commitment == bytes32(0)` → SettlementSeedMismatch (no commitment, no report).
    const { p } = await loadFixture(withNode);
    const epoch = (await p.epochs.currentEpoch()) + 1n;
    await endEpoch(p, epoch);
    const { report, slashes } = await makeReport(p, epoch);
    await expect(p.settlement.submitReport(report, slashes, await quorumSignatures(p, report)))
      .to.be.revertedWithCustomError(p.settlement, "SettlementSeedMismatch")
      .withArgs(epoch, ethers.ZeroHash);
  });

  it("a seed commitment after the epoch started is rejected", async function () {
    // Defence: `if (block.timestamp >= start) revert EpochManagerEpochStarted` in commitSeed. Without it a
    // member could commit a seed chosen after seeing which nodes answered which challenge.
    const { p } = await loadFixture(withNode);
    const epoch = (await p.epochs.currentEpoch()) + 1n;
    const start = await p.epochs.epochStart(epoch);
    await time.setNextBlockTimestamp(start);
    await expect(p.epochs.connect(p.committeeSigners[0]).commitSeed(epoch, seedCommitment(epoch, seedOf(epoch))))
      .to.be.revertedWithCustomError(p.epochs, "EpochManagerEpochStarted")
      .withArgs(epoch, start);
  });

  it("a committed seed cannot be replaced, nor committed by an outsider, nor be zero", async function () {
    // Defences: EpochManagerSeedAlreadyCommitted (first commitment stands), EpochManagerNotCommitteeMember,
    // EpochManagerZeroCommitment.
    const { p, operator } = await loadFixture(withNode);
    const epoch = await nextEpochCommitted(p);
    await expect(
      p.epochs.connect(p.committeeSigners[1]).commitSeed(epoch, seedCommitment(epoch, seedOf(epoch, "x"))),
    )
      .to.be.revertedWithCustomError(p.epochs, "EpochManagerSeedAlreadyCommitted")
      .withArgs(epoch);
    await expect(p.epochs.connect(operator).commitSeed(epoch + 1n, seedCommitment(epoch + 1n, seedOf(epoch))))
      .to.be.revertedWithCustomError(p.epochs, "EpochManagerNotCommitteeMember")
      .withArgs(operator.address);
    await expect(
      p.epochs.connect(p.committeeSigners[0]).commitSeed(epoch + 1n, ethers.ZeroHash),
    ).to.be.revertedWithCustomError(p.epochs, "EpochManagerZeroCommitment");
  });

  it("a slash list over its bound is rejected", async function () {
    // Defence: `slashes.length > _maxSlashes` → SettlementTooManySlashes. Bounds the loops of
    // submitReport, finalize and vetoReport (MAX_SLASHES_CAP = 64 caps the governance bound).
    const { p } = await loadFixture(withNode);
    const epoch = await nextEpochCommitted(p);
    await endEpoch(p, epoch);
    const max = Number(await p.settlement.maxSlashes());
    const list = Array.from({ length: max + 1 }, () => slash(ethers.Wallet.createRandom().address));
    const { report, slashes } = await makeReport(p, epoch, { slashes: list });
    await expect(p.settlement.submitReport(report, slashes, await quorumSignatures(p, report)))
      .to.be.revertedWithCustomError(p.settlement, "SettlementTooManySlashes")
      .withArgs(max + 1, max);
    // Governance cannot lift the bound past the hard cap.
    const cap = await p.settlement.MAX_SLASHES_CAP();
    await expect(p.settlement.connect(p.governance).setMaxSlashes(Number(cap) + 1))
      .to.be.revertedWithCustomError(p.settlement, "SettlementMaxSlashesOutOfBounds")
      .withArgs(cap + 1n);
    // Exactly the bound is accepted.
    const { report: ok, slashes: okSlashes } = await makeReport(p, epoch, { slashes: list.slice(0, max) });
    await expect(p.settlement.submitReport(ok, okSlashes, await quorumSignatures(p, ok))).to.emit(
      p.settlement,
      "ReportSubmitted",
    );
  });

  it("a slash of more than 100% (or 0%, or an unknown reason, or the zero node) is rejected", async function () {
    // Defence: `s.bps == 0 || s.bps > BPS_DENOMINATOR || s.reason == 0 || s.reason > LeaseViolation ||
    // s.node == 0` → SettlementInvalidSlash(i) in _storeSlashes, even when the committee signed it.
    // NodeRegistry.slash re-checks bps (NodeRegistrySlashBpsOutOfBounds) as a second line.
    const { p, node } = await loadFixture(withNode);
    const epoch = await nextEpochCommitted(p);
    await endEpoch(p, epoch);
    const bad: SlashEntry[][] = [
      [slash(node, 10_001)],
      [slash(node, 0)],
      [slash(node, 100, 0 as SlashReason)],
      [slash(node, 100, 4 as SlashReason)],
      [slash(node, 100), slash(ethers.ZeroAddress, 100)],
    ];
    const indexes = [0, 0, 0, 0, 1];
    for (let k = 0; k < bad.length; k++) {
      const { report, slashes } = await makeReport(p, epoch, { slashes: bad[k] });
      await expect(p.settlement.submitReport(report, slashes, await quorumSignatures(p, report)))
        .to.be.revertedWithCustomError(p.settlement, "SettlementInvalidSlash")
        .withArgs(indexes[k]);
    }
    // The registry refuses an out-of-range share even from its slasher (Settlement, impersonated).
    const slasher = await impersonated(await p.settlement.getAddress());
    await expect(p.registry.connect(slasher).slash(node, 10_001))
      .to.be.revertedWithCustomError(p.registry, "NodeRegistrySlashBpsOutOfBounds")
      .withArgs(10_001);
  });

  it("finalizing before the dispute window closes is rejected", async function () {
    // Defence: `block.timestamp < info.disputeEndsAt` → SettlementDisputeWindowOpen in finalize. Without
    // it a relayer could execute a slash before governance or the operator could dispute it.
    const { p, node } = await loadFixture(withNode);
    const { epoch } = await submitEpochReport(p, { slashes: [slash(node)] });
    const ends = (await p.settlement.reportOf(epoch)).disputeEndsAt;
    await expect(p.settlement.finalize(epoch))
      .to.be.revertedWithCustomError(p.settlement, "SettlementDisputeWindowOpen")
      .withArgs(epoch, ends);
    await time.setNextBlockTimestamp(ends - 1n);
    await expect(p.settlement.finalize(epoch)).to.be.revertedWithCustomError(p.settlement, "SettlementDisputeWindowOpen");
    expect((await p.registry.getNode(node)).stake).to.equal(STAKE);
    await time.setNextBlockTimestamp(ends);
    await expect(p.settlement.finalize(epoch)).to.emit(p.settlement, "SlashExecuted");
    // Finalizing twice does nothing more.
    await expect(p.settlement.finalize(epoch)).to.be.revertedWithCustomError(p.settlement, "SettlementReportNotPending");
  });

  it("an appeal by anyone but the node's operator is rejected", async function () {
    // Defence: `_registry.getNode(node).operator != msg.sender` → SettlementNotNodeOperator in appeal.
    // Without it anyone could post a bond on someone else's slash (and an honest slash could be
    // turned into an appeal its operator never made).
    const { p, node, operator } = await loadFixture(withNode);
    const { epoch } = await submitEpochReport(p, { slashes: [slash(node)] });
    const stranger = p.operators[1];
    await p.token.connect(p.admin).mint(stranger.address, PARAMS.appealBond);
    await p.token.connect(stranger).approve(await p.settlement.getAddress(), PARAMS.appealBond);
    await expect(p.settlement.connect(stranger).appeal(epoch, 0))
      .to.be.revertedWithCustomError(p.settlement, "SettlementNotNodeOperator")
      .withArgs(node, stranger.address);
    // A committee member cannot either.
    await expect(p.settlement.connect(p.committeeSigners[0]).appeal(epoch, 0)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementNotNodeOperator",
    );
    // The operator can, once, and the bond is held.
    await p.token.connect(p.admin).mint(operator.address, PARAMS.appealBond);
    await p.token.connect(operator).approve(await p.settlement.getAddress(), PARAMS.appealBond);
    await expect(p.settlement.connect(operator).appeal(epoch, 0)).to.emit(p.settlement, "SlashAppealed");
    expect(await p.settlement.pendingBonds()).to.equal(PARAMS.appealBond);
    await expect(p.settlement.connect(operator).appeal(epoch, 0)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementSlashStateInvalid",
    );
  });

  it("appeals and vetoes after the dispute window are rejected", async function () {
    // Defence: `block.timestamp >= info.disputeEndsAt` → SettlementDisputeWindowClosed (_requireDisputable).
    const { p, node, operator } = await loadFixture(withNode);
    const { epoch } = await submitEpochReport(p, { slashes: [slash(node)] });
    await passDisputeWindow(p, epoch);
    await p.token.connect(p.admin).mint(operator.address, PARAMS.appealBond);
    await p.token.connect(operator).approve(await p.settlement.getAddress(), PARAMS.appealBond);
    await expect(p.settlement.connect(operator).appeal(epoch, 0)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementDisputeWindowClosed",
    );
    await expect(p.settlement.connect(p.admin).vetoSlash(epoch, 0)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementDisputeWindowClosed",
    );
    await expect(p.settlement.connect(p.admin).vetoReport(epoch)).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementDisputeWindowClosed",
    );
  });

  it("vetoes and appeal resolutions by anyone but governance are rejected", async function () {
    // Defence: onlyRole(GUARDIAN_ROLE) on vetoSlash, vetoReport, resolveAppeal; onlyRole(GOVERNANCE_ROLE) on
    // every setter.
    const { p, node, operator } = await loadFixture(withNode);
    const { epoch } = await submitEpochReport(p, { slashes: [slash(node)] });
    const calls = [
      () => p.settlement.connect(operator).vetoSlash(epoch, 0),
      () => p.settlement.connect(operator).vetoReport(epoch),
      () => p.settlement.connect(p.committeeSigners[0]).resolveAppeal(epoch, 0, true),
      () => p.settlement.connect(operator).setMaxSlashes(64),
      () => p.epochs.connect(operator).setCommittee([operator.address], 1),
      () => p.registry.connect(operator).setUnbondingDelay(1),
    ];
    for (const call of calls) {
      await expect(call()).to.be.revertedWithCustomError(p.settlement, "AccessControlUnauthorizedAccount");
    }
  });

  it("nobody but Settlement slashes or moves rewards budget", async function () {
    // Defence: onlyRole(SLASHER_ROLE) on NodeRegistry.slash, onlyRole(SETTLEMENT_ROLE) on the
    // distributor's reserveBudget / releaseBudget / finalizeEpoch.
    const { p, node } = await loadFixture(withNode);
    const [attacker] = p.operators.slice(1);
    await expect(p.registry.connect(attacker).slash(node, 10_000)).to.be.revertedWithCustomError(
      p.registry,
      "AccessControlUnauthorizedAccount",
    );
    await expect(p.distributor.connect(attacker).finalizeEpoch(99, ethers.ZeroHash, 0)).to.be.revertedWithCustomError(
      p.distributor,
      "AccessControlUnauthorizedAccount",
    );
    await expect(p.distributor.connect(attacker).reserveBudget(1)).to.be.revertedWithCustomError(
      p.distributor,
      "AccessControlUnauthorizedAccount",
    );
    await expect(p.distributor.connect(attacker).releaseBudget(1)).to.be.revertedWithCustomError(
      p.distributor,
      "AccessControlUnauthorizedAccount",
    );
  });

  it("a second report for a pending or finalized epoch is rejected; a vetoed epoch can be re-reported", async function () {
    // Defence: SettlementReportExists for Pending/Finalized status in _validateReport. Without it a
    // second quorum report could overwrite slashes during (or after) the dispute window.
    const { p, node } = await loadFixture(withNode);
    const { epoch } = await submitEpochReport(p);
    const { report, slashes } = await makeReport(p, epoch, { slashes: [slash(node, 10_000)] });
    const sigs = await quorumSignatures(p, report);
    await expect(p.settlement.submitReport(report, slashes, sigs))
      .to.be.revertedWithCustomError(p.settlement, "SettlementReportExists")
      .withArgs(epoch, 1);
    await p.settlement.connect(p.admin).vetoReport(epoch);
    // The committee signs a corrected report of the vetoed epoch.
    const { report: fixed, slashes: fixedSlashes } = await makeReport(p, epoch, { slashes: [slash(node, 5_000)] });
    const fixedSigs = await quorumSignatures(p, fixed);
    await expect(p.settlement.submitReport(fixed, fixedSlashes, fixedSigs)).to.emit(p.settlement, "ReportSubmitted");
    await passDisputeWindow(p, epoch);
    await p.settlement.finalize(epoch);
    await expect(p.settlement.submitReport(report, slashes, sigs))
      .to.be.revertedWithCustomError(p.settlement, "SettlementReportExists")
      .withArgs(epoch, 3);
  });

  it("a vetoed report cannot be replayed with its original signatures", async function () {
    // Property: a governance veto is final for the report it vetoed. Anyone who saw the vetoed report's
    // calldata holds a quorum of valid signatures over it; resubmitting them must not bring back the
    // vetoed slashes and rewards (governance would have to veto again within every new window, and one
    // missed veto would execute the slashes it cancelled).
    //
    // Defence: vetoReport records the vetoed report's EIP-712 digest (rebuilt from storage by
    // _storedDigest) in `_vetoedDigests`, and submitReport refuses that digest for a vetoed epoch
    // (SettlementReportVetoed). This test failed on the Settlement up to commit 141a1e5, which accepted any
    // report of a Vetoed epoch while the vetoed report's signatures stayed valid (same epoch and config
    // version). A corrected report (any signed field different) is still accepted.
    const { p, node } = await loadFixture(withNode);
    const epoch = await nextEpochCommitted(p);
    await endEpoch(p, epoch);
    const { report, slashes } = await makeReport(p, epoch, { slashes: [slash(node, 10_000)] });
    const sigs = await quorumSignatures(p, report);
    await p.settlement.submitReport(report, slashes, sigs);
    await p.settlement.connect(p.admin).vetoReport(epoch);
    const replayer = p.operators[3];
    await expect(p.settlement.connect(replayer).submitReport(report, slashes, sigs))
      .to.be.revertedWithCustomError(p.settlement, "SettlementReportVetoed")
      .withArgs(epoch, await p.settlement.reportDigest(report));
    expect((await p.settlement.reportOf(epoch)).status).to.equal(2n); // still Vetoed
    // A corrected report of the same epoch (here: without the vetoed slash) is accepted.
    const { report: corrected, slashes: none } = await makeReport(p, epoch);
    await expect(p.settlement.submitReport(corrected, none, await quorumSignatures(p, corrected))).to.emit(
      p.settlement,
      "ReportSubmitted",
    );
  });

  it("a report cannot promise rewards beyond the funded budget", async function () {
    // Defence: RewardsDistributor.reserveBudget → RewardsDistributorInsufficientBudget. Without it the
    // claims of one epoch could spend tokens funded for no one (or other accounts' claims).
    const { p } = await loadFixture(withNode);
    const funded = ethers.parseEther("100");
    await p.token.connect(p.admin).mint(p.admin.address, funded);
    await p.token.connect(p.admin).approve(await p.distributor.getAddress(), funded);
    await p.distributor.connect(p.admin).fund(funded);
    const epoch = await nextEpochCommitted(p);
    await endEpoch(p, epoch);
    const { report, slashes } = await makeReport(p, epoch, { rewardsTotal: funded + 1n });
    await expect(p.settlement.submitReport(report, slashes, await quorumSignatures(p, report)))
      .to.be.revertedWithCustomError(p.distributor, "RewardsDistributorInsufficientBudget")
      .withArgs(funded + 1n, funded);
  });

  it("a faulty rewards root cannot pay out more than the finalized reports committed", async function () {
    // Defence: RewardsDistributor.claim checks `_totalClaimed + payout <= _totalFinalized`
    // (RewardsDistributorExceedsFinalized), so a faulty root cannot pay out budget no report committed.
    const { p } = await loadFixture(withNode);
    const funded = ethers.parseEther("1000");
    await p.token.connect(p.admin).mint(p.admin.address, funded);
    await p.token.connect(p.admin).approve(await p.distributor.getAddress(), funded);
    await p.distributor.connect(p.admin).fund(funded);
    const [a, b] = p.operators;
    const { StandardMerkleTree } = await import("@openzeppelin/merkle-tree");
    // The tree promises 900 but the report only commits 100.
    const tree = StandardMerkleTree.of(
      [
        [a.address, ethers.parseEther("800")],
        [b.address, ethers.parseEther("100")],
      ],
      ["address", "uint256"],
    );
    const { epoch } = await submitEpochReport(p, {
      rewardsRoot: tree.root as `0x${string}`,
      rewardsTotal: ethers.parseEther("100"),
    });
    await passDisputeWindow(p, epoch);
    await p.settlement.finalize(epoch);
    await expect(p.distributor.claim(a.address, ethers.parseEther("800"), tree.getProof(0)))
      .to.be.revertedWithCustomError(p.distributor, "RewardsDistributorExceedsFinalized")
      .withArgs(ethers.parseEther("800"), ethers.parseEther("100"));
    await p.distributor.claim(b.address, ethers.parseEther("100"), tree.getProof(1));
    expect(await p.distributor.totalClaimed()).to.equal(ethers.parseEther("100"));
  });
});
