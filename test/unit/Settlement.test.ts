import { expect } from "chai";
import hre from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Hex } from "viem";
import {
  E18,
  TEST_PARAMS,
  balanceSheet,
  deployFixture,
  endEpoch,
  finalizeEpoch,
  fundRewards,
  prepareReport,
  registerNode,
  rewardsTree,
  seedOf,
  slashEntry,
  submitEpoch,
  SlashReason,
  type Fixture,
  futureDeadline,
} from "../support/fixtures";
import { signReport, slashTuple } from "../support/signing";
import { deployProtocol } from "../../scripts/deploy-lib";
import { EPOCH_REPORT_TYPES, SETTLEMENT_DOMAIN_NAME, domain, seedCommitment } from "../../protocol";

const { ethers } = hre;
const Report = { None: 0n, Pending: 1n, Vetoed: 2n, Finalized: 3n };
const Slash = { None: 0n, Proposed: 1n, Vetoed: 2n, Appealed: 3n, AppealUpheld: 4n, AppealRejected: 5n, Executed: 6n };
const BURN = "0x000000000000000000000000000000000000dEaD";

/** Two registered nodes (operators 0 and 1) and a funded budget of 1000 tokens. */
async function withNodes() {
  const fx = await deployFixture();
  const a = await registerNode(fx, fx.operators[0], { gflops: 10_000 });
  const b = await registerNode(fx, fx.operators[1], { gflops: 20_000 });
  await fundRewards(fx, 1_000n * E18);
  return { ...fx, a, b };
}

/** withNodes plus a pending epoch-0 report slashing node a (50%) and node b (10%), 100 tokens of rewards. */
async function withPendingReport() {
  const fx = await withNodes();
  const slashes = [slashEntry(fx.a.node, 5_000), slashEntry(fx.b.node, 1_000, SlashReason.Overclaim)];
  const tree = rewardsTree([
    [fx.operators[0].address, 40n * E18],
    [fx.operators[1].address, 60n * E18],
  ]);
  const sub = await submitEpoch(fx, { epoch: 0n, rewardsRoot: tree.root as Hex, rewardsTotal: 100n * E18, slashes });
  return { ...fx, slashes, tree, sub };
}

async function approveBond(fx: Fixture, who: (typeof fx.operators)[number]) {
  await fx.token.connect(who).approve(await fx.settlement.getAddress(), TEST_PARAMS.appealBond);
}

describe("Settlement", () => {
  describe("deployment", () => {
    it("stores parameters and exposes them", async () => {
      const fx = await loadFixture(deployFixture);
      expect(await fx.settlement.disputeWindow()).to.equal(TEST_PARAMS.disputeWindow);
      expect(await fx.settlement.slashBurnBps()).to.equal(TEST_PARAMS.slashBurnBps);
      expect(await fx.settlement.appealBond()).to.equal(TEST_PARAMS.appealBond);
      expect(await fx.settlement.maxSlashes()).to.equal(TEST_PARAMS.maxSlashes);
      expect(await fx.settlement.treasury()).to.equal(fx.treasury.address);
      expect(await fx.settlement.hasFinalized()).to.equal(false);
      expect(await fx.settlement.lastFinalizedEpoch()).to.equal(0n);
      expect(await fx.settlement.MAX_SLASHES_CAP()).to.equal(64n);
    });

    it("rejects zero addresses, mismatched tokens and bad parameters", async () => {
      const fx = await loadFixture(deployFixture);
      const F = await ethers.getContractFactory("Settlement");
      const r = await fx.registry.getAddress();
      const e = await fx.epochs.getAddress();
      const d = await fx.distributor.getAddress();
      const g = fx.governance.address;
      const p = { disputeWindow: 100n, slashBurnBps: 0, maxSlashes: 1, treasury: g, appealBond: 1n };
      const Z = ethers.ZeroAddress;
      for (const args of [
        [Z, e, d, g],
        [r, Z, d, g],
        [r, e, Z, g],
        [r, e, d, Z],
      ]) {
        await expect(F.deploy(args[0], args[1], args[2], args[3], p)).to.be.revertedWithCustomError(
          fx.settlement,
          "SettlementZeroAddress",
        );
      }
      const other = await (await ethers.getContractFactory("PoAIToken")).deploy(g);
      const d2 = await (await ethers.getContractFactory("RewardsDistributor")).deploy(await other.getAddress(), g, r);
      await expect(F.deploy(r, e, await d2.getAddress(), g, p))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementTokenMismatch")
        .withArgs(await fx.token.getAddress(), await other.getAddress());
      await expect(F.deploy(r, e, d, g, { ...p, disputeWindow: 0n })).to.be.revertedWithCustomError(
        fx.settlement,
        "SettlementDisputeWindowOutOfBounds",
      );
      await expect(F.deploy(r, e, d, g, { ...p, treasury: Z })).to.be.revertedWithCustomError(
        fx.settlement,
        "SettlementZeroAddress",
      );
    });
  });

  describe("submitReport", () => {
    it("accepts a quorum-signed report, stores it, reserves the budget and opens the dispute window", async () => {
      const fx = await loadFixture(withNodes);
      const slashes = [slashEntry(fx.a.node, 2_500)];
      await endEpoch(fx, 0n);
      const p = await prepareReport(fx, {
        epoch: 0n,
        rewardsRoot: ethers.id("root") as Hex,
        rewardsTotal: 100n * E18,
        slashes,
        signers: fx.committee.slice(0, 2),
      });
      const t = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(t);
      const tx = fx.settlement.connect(fx.outsider).submitReport(p.report, p.slashes, p.signatures);
      await expect(tx)
        .to.emit(fx.settlement, "ReportSubmitted")
        .withArgs(
          0n,
          fx.outsider.address,
          await fx.settlement.reportDigest(p.report),
          ethers.ZeroHash,
          ethers.id("root"),
          100n * E18,
          p.report.statsRoot,
          1n,
          t + TEST_PARAMS.disputeWindow,
        )
        .and.to.emit(fx.settlement, "SlashProposed")
        .withArgs(0n, 0n, fx.a.node, 2_500, SlashReason.Fraud, slashes[0].evidence)
        .and.to.emit(fx.distributor, "BudgetReserved")
        .withArgs(100n * E18, 100n * E18);
      const info = await fx.settlement.reportOf(0n);
      expect(info.status).to.equal(Report.Pending);
      expect(info.seed).to.equal(seedOf(0n));
      expect(info.submitter).to.equal(fx.outsider.address);
      expect(info.slashCount).to.equal(1n);
      expect(info.configVersion).to.equal(1n);
      expect(info.digest).to.equal(await fx.settlement.reportDigest(p.report));
      expect(info.hasParent).to.equal(false);
      expect(await fx.settlement.tip()).to.deep.equal([true, 0n, info.digest]);
      expect(await fx.settlement.pendingReports()).to.equal(1n);
      const s = await fx.settlement.slashOf(0n, 0n);
      expect(s.state).to.equal(Slash.Proposed);
      expect(s.slash.node).to.equal(fx.a.node);
      await expect(fx.settlement.slashOf(0n, 1n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementSlashIndexOutOfBounds")
        .withArgs(0n, 1n, 1n);
      expect(await fx.distributor.availableBudget()).to.equal(900n * E18);
    });

    it("reportDigest is the EIP-712 hash the committee signs (protocol/eip712.ts types)", async () => {
      const fx = await loadFixture(deployFixture);
      const p = await prepareReport(fx, { epoch: 3n, rewardsTotal: 5n });
      const expected = ethers.TypedDataEncoder.hash(
        domain(SETTLEMENT_DOMAIN_NAME, fx.chainId, (await fx.settlement.getAddress()) as Hex),
        EPOCH_REPORT_TYPES as never,
        p.report,
      );
      expect(await fx.settlement.reportDigest(p.report)).to.equal(expected);
    });

    it("rejects a report of an epoch that has not ended", async () => {
      const fx = await loadFixture(withNodes);
      const p = await prepareReport(fx, { epoch: 0n });
      await expect(fx.settlement.submitReport(p.report, p.slashes, p.signatures))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementEpochNotOver")
        .withArgs(0n, await fx.epochs.epochEnd(0n));
    });

    it("rejects a second report of a pending or finalized epoch", async () => {
      const fx = await loadFixture(withPendingReport);
      const p = fx.sub;
      await expect(fx.settlement.submitReport(p.report, p.slashes, p.signatures))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementReportExists")
        .withArgs(0n, Report.Pending);
      await finalizeEpoch(fx, 0n);
      await expect(fx.settlement.submitReport(p.report, p.slashes, p.signatures))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementReportExists")
        .withArgs(0n, Report.Finalized);
    });

    it("rejects a seed that does not match the commitment, or an epoch without commitment", async () => {
      const fx = await loadFixture(withNodes);
      await endEpoch(fx, 0n);
      const wrong = await prepareReport(fx, { epoch: 0n, seed: seedOf(1n) });
      await expect(fx.settlement.submitReport(wrong.report, wrong.slashes, wrong.signatures))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementSeedMismatch")
        .withArgs(0n, seedCommitment(0n, seedOf(0n)));
      const late = 50n;
      await endEpoch(fx, late);
      const none = await prepareReport(fx, { epoch: late });
      await expect(fx.settlement.submitReport(none.report, none.slashes, none.signatures))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementSeedMismatch")
        .withArgs(late, ethers.ZeroHash);
    });

    it("rejects a report signed under an older committee configuration", async () => {
      const fx = await loadFixture(withNodes);
      await endEpoch(fx, 0n);
      const p = await prepareReport(fx, { epoch: 0n });
      await fx.epochs.connect(fx.timelockSigner).setCommittee(fx.committee.map((m) => m.address), 2);
      await expect(fx.settlement.submitReport(p.report, p.slashes, p.signatures))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementConfigVersionMismatch")
        .withArgs(1n, 2n);
    });

    it("rejects a slash list longer than the governance bound", async () => {
      const fx = await loadFixture(withNodes);
      await endEpoch(fx, 0n);
      const many = Array.from({ length: Number(TEST_PARAMS.maxSlashes) + 1 }, () => slashEntry(fx.a.node, 1));
      const p = await prepareReport(fx, { epoch: 0n, slashes: many });
      await expect(fx.settlement.submitReport(p.report, p.slashes, p.signatures))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementTooManySlashes")
        .withArgs(many.length, TEST_PARAMS.maxSlashes);
    });

    it("rejects a slash list that is not the signed one", async () => {
      const fx = await loadFixture(withNodes);
      await endEpoch(fx, 0n);
      const p = await prepareReport(fx, { epoch: 0n, slashes: [slashEntry(fx.a.node, 100)] });
      const swapped = [slashTuple(slashEntry(fx.b.node, 100))];
      await expect(fx.settlement.submitReport(p.report, swapped, p.signatures)).to.be.revertedWithCustomError(
        fx.settlement,
        "SettlementSlashListHashMismatch",
      );
    });

    it("rejects a slash with a zero node, a share outside 1..10000 bps or an unknown reason", async () => {
      const fx = await loadFixture(withNodes);
      await endEpoch(fx, 0n);
      const bad = [
        { ...slashEntry(fx.a.node, 100), node: ethers.ZeroAddress as Hex },
        slashEntry(fx.a.node, 0),
        slashEntry(fx.a.node, 10_001),
        slashEntry(fx.a.node, 100, 0 as SlashReason),
        slashEntry(fx.a.node, 100, 4 as SlashReason),
      ];
      for (const s of bad) {
        const p = await prepareReport(fx, { epoch: 0n, slashes: [slashEntry(fx.b.node, 100), s] });
        await expect(fx.settlement.submitReport(p.report, p.slashes, p.signatures))
          .to.be.revertedWithCustomError(fx.settlement, "SettlementInvalidSlash")
          .withArgs(1n);
      }
      const ok = await prepareReport(fx, { epoch: 0n, slashes: [slashEntry(fx.a.node, 10_000, SlashReason.LeaseViolation)] });
      await expect(fx.settlement.submitReport(ok.report, ok.slashes, ok.signatures)).to.emit(fx.settlement, "ReportSubmitted");
    });

    it("requires a quorum of valid, distinct, ascending committee signatures", async () => {
      const fx = await loadFixture(withNodes);
      await endEpoch(fx, 0n);
      const p = await prepareReport(fx, { epoch: 0n });
      const s = fx.settlement;
      await expect(s.submitReport(p.report, p.slashes, p.signatures.slice(0, 1)))
        .to.be.revertedWithCustomError(s, "SettlementQuorumNotReached")
        .withArgs(1n, 2n);
      // Duplicate signer.
      await expect(s.submitReport(p.report, p.slashes, [p.signatures[0], p.signatures[0]]))
        .to.be.revertedWithCustomError(s, "SettlementSignersNotAscending")
        .withArgs(1n, (v: string) => ethers.isAddress(v));
      // Descending order.
      await expect(s.submitReport(p.report, p.slashes, [p.signatures[1], p.signatures[0]])).to.be.revertedWithCustomError(
        s,
        "SettlementSignersNotAscending",
      );
      // Malformed signature.
      await expect(s.submitReport(p.report, p.slashes, [p.signatures[0], "0x1234"]))
        .to.be.revertedWithCustomError(s, "SettlementInvalidSignature")
        .withArgs(1n);
      // A non-member's signature.
      const withOutsider = await signReport([fx.committee[0], fx.outsider], fx.chainId, await s.getAddress(), p.report);
      await expect(s.submitReport(p.report, p.slashes, withOutsider)).to.be.revertedWithCustomError(
        s,
        "SettlementSignerNotMember",
      );
      // Too many signatures.
      const many = Array.from({ length: 32 }, () => p.signatures[0]);
      await expect(s.submitReport(p.report, p.slashes, many))
        .to.be.revertedWithCustomError(s, "SettlementTooManySignatures")
        .withArgs(32n, 31n);
      // Signatures over the report for another chain or another contract recover to strangers.
      const otherChain = await signReport(fx.committee, fx.chainId + 1n, await s.getAddress(), p.report);
      await expect(s.submitReport(p.report, p.slashes, otherChain)).to.be.revertedWithCustomError(
        s,
        "SettlementSignerNotMember",
      );
      const otherContract = await signReport(fx.committee, fx.chainId, await fx.registry.getAddress(), p.report);
      await expect(s.submitReport(p.report, p.slashes, otherContract)).to.be.revertedWithCustomError(
        s,
        "SettlementSignerNotMember",
      );
      // Changing any field after signing invalidates the signatures.
      const tampered = { ...p.report, rewardsTotal: p.report.rewardsTotal + 1n };
      await expect(s.submitReport(tampered, p.slashes, p.signatures)).to.be.revertedWithCustomError(
        s,
        "SettlementSignerNotMember",
      );
      await expect(s.submitReport(p.report, p.slashes, p.signatures.slice(1))).to.emit(s, "ReportSubmitted");
    });

    it("rejects rewards beyond the funded-but-uncommitted budget", async () => {
      const fx = await loadFixture(withNodes);
      await endEpoch(fx, 0n);
      const p = await prepareReport(fx, { epoch: 0n, rewardsTotal: 1_000n * E18 + 1n });
      await expect(fx.settlement.submitReport(p.report, p.slashes, p.signatures))
        .to.be.revertedWithCustomError(fx.distributor, "RewardsDistributorInsufficientBudget")
        .withArgs(1_000n * E18 + 1n, 1_000n * E18);
    });

    it("costs the same gas for 2 or 2000 rewarded nodes (only the root is stored)", async () => {
      const fx = await loadFixture(withNodes);
      const small = rewardsTree([
        [fx.operators[0].address, 1n],
        [fx.operators[1].address, 2n],
      ]);
      const big = rewardsTree(
        Array.from({ length: 2000 }, (_, i) => [ethers.getAddress(ethers.zeroPadValue(ethers.toBeHex(i + 1), 20)), BigInt(i + 1)]),
      );
      // A first report warms the budget counters, so both measured reports write the same slots.
      await submitEpoch(fx, { epoch: 0n, rewardsRoot: small.root as Hex, rewardsTotal: 3n });
      const g1 = await submitEpoch(fx, { epoch: 1n, rewardsRoot: small.root as Hex, rewardsTotal: 3n });
      const g2 = await submitEpoch(fx, { epoch: 2n, rewardsRoot: big.root as Hex, rewardsTotal: 3n });
      const r1 = await g1.tx.wait();
      const r2 = await g2.tx.wait();
      const diff = r1!.gasUsed > r2!.gasUsed ? r1!.gasUsed - r2!.gasUsed : r2!.gasUsed - r1!.gasUsed;
      // Only calldata bytes of the root differ (a few zero bytes at most).
      expect(diff).to.be.lessThan(500n);
    });
  });

  describe("veto", () => {
    it("governance vetoes one slash during the window; it does not execute", async () => {
      const fx = await loadFixture(withPendingReport);
      await expect(fx.settlement.vetoSlash(0n, 1n)).to.emit(fx.settlement, "SlashVetoed").withArgs(0n, 1n, fx.b.node);
      expect((await fx.settlement.slashOf(0n, 1n)).state).to.equal(Slash.Vetoed);
      await expect(fx.settlement.vetoSlash(0n, 1n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementSlashStateInvalid")
        .withArgs(0n, 1n, Slash.Vetoed);
      await expect(fx.settlement.vetoSlash(0n, 2n)).to.be.revertedWithCustomError(
        fx.settlement,
        "SettlementSlashIndexOutOfBounds",
      );
      await finalizeEpoch(fx, 0n);
      expect((await fx.registry.getNode(fx.b.node)).stake).to.equal(fx.b.amount);
      expect((await fx.registry.getNode(fx.a.node)).stake).to.be.lessThan(fx.a.amount);
    });

    it("vetoing an appealed slash refunds the bond", async () => {
      const fx = await loadFixture(withPendingReport);
      const op = fx.operators[0];
      await approveBond(fx, op);
      await fx.settlement.connect(op).appeal(0n, 0n);
      const tx = await fx.settlement.vetoSlash(0n, 0n);
      await expect(tx).to.emit(fx.settlement, "AppealBondRefunded").withArgs(0n, 0n, op.address, TEST_PARAMS.appealBond);
      // Credited, not pushed: the appellant withdraws it.
      await expect(tx).to.changeTokenBalances(fx.token, [op, fx.settlement], [0n, 0n]);
      expect(await fx.settlement.refundOf(op.address)).to.equal(TEST_PARAMS.appealBond);
      expect(await fx.settlement.pendingBonds()).to.equal(TEST_PARAMS.appealBond);
      const w = await fx.settlement.connect(op).withdrawRefund();
      await expect(w).to.emit(fx.settlement, "BondRefundWithdrawn").withArgs(op.address, TEST_PARAMS.appealBond);
      await expect(w).to.changeTokenBalances(fx.token, [op, fx.settlement], [TEST_PARAMS.appealBond, -TEST_PARAMS.appealBond]);
      expect(await fx.settlement.pendingBonds()).to.equal(0n);
      expect(await fx.settlement.refundOf(op.address)).to.equal(0n);
      await expect(fx.settlement.connect(op).withdrawRefund())
        .to.be.revertedWithCustomError(fx.settlement, "SettlementNothingToWithdraw")
        .withArgs(op.address);
    });

    it("governance vetoes a whole report: budget released, bonds refunded, the epoch may be reported again", async () => {
      const fx = await loadFixture(withPendingReport);
      const op = fx.operators[1];
      await approveBond(fx, op);
      await fx.settlement.connect(op).appeal(0n, 1n);
      const tx = await fx.settlement.vetoReport(0n);
      await expect(tx).to.emit(fx.settlement, "ReportVetoed").withArgs(0n, 100n * E18);
      await expect(tx).to.emit(fx.distributor, "BudgetReleased").withArgs(100n * E18, 0n);
      await expect(tx).to.emit(fx.settlement, "AppealBondRefunded").withArgs(0n, 1n, op.address, TEST_PARAMS.appealBond);
      expect((await fx.settlement.reportOf(0n)).status).to.equal(Report.Vetoed);
      expect(await fx.distributor.availableBudget()).to.equal(1_000n * E18);
      await expect(fx.settlement.finalize(0n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementReportNotPending")
        .withArgs(0n, Report.Vetoed);
      // A corrected report (no slashes) replaces it.
      const again = await prepareReport(fx, { epoch: 0n, rewardsTotal: 10n });
      await expect(fx.settlement.submitReport(again.report, again.slashes, again.signatures)).to.emit(
        fx.settlement,
        "ReportSubmitted",
      );
      expect((await fx.settlement.reportOf(0n)).slashCount).to.equal(0n);
      await expect(fx.settlement.slashOf(0n, 0n)).to.be.revertedWithCustomError(
        fx.settlement,
        "SettlementSlashIndexOutOfBounds",
      );
      const sheet = await balanceSheet(fx);
      expect(sheet.held).to.equal(sheet.owed);
    });

    it("a report replacing a vetoed one starts with clean slashes (no appeal left behind)", async () => {
      const fx = await loadFixture(withPendingReport);
      const op = fx.operators[1];
      await approveBond(fx, op);
      await fx.settlement.connect(op).appeal(0n, 1n);
      await fx.settlement.vetoReport(0n);
      const again = await prepareReport(fx, {
        epoch: 0n,
        slashes: [slashEntry(fx.a.node, 100), slashEntry(fx.b.node, 200, SlashReason.Overclaim, "second")],
      });
      await fx.settlement.submitReport(again.report, again.slashes, again.signatures);
      const s1 = await fx.settlement.slashOf(0n, 1n);
      expect(s1.state).to.equal(Slash.Proposed);
      expect(s1.appellant).to.equal(ethers.ZeroAddress);
      expect(s1.bond).to.equal(0n);
      expect(s1.slash.bps).to.equal(200n);
      expect(s1.slash.evidence).to.equal(slashEntry(fx.b.node, 200, SlashReason.Overclaim, "second").evidence);
      // The new slash can be appealed again, and the old bond is still credited.
      expect(await fx.settlement.refundOf(op.address)).to.equal(TEST_PARAMS.appealBond);
      await approveBond(fx, op);
      await expect(fx.settlement.connect(op).appeal(0n, 1n)).to.emit(fx.settlement, "SlashAppealed");
      const sheet = await balanceSheet(fx);
      expect(sheet.held).to.equal(sheet.owed);
    });

    it("vetoes only pending reports within the window, only by governance", async () => {
      const fx = await loadFixture(withPendingReport);
      await expect(fx.settlement.connect(fx.outsider).vetoSlash(0n, 0n)).to.be.revertedWithCustomError(
        fx.settlement,
        "AccessControlUnauthorizedAccount",
      );
      await expect(fx.settlement.connect(fx.outsider).vetoReport(0n)).to.be.revertedWithCustomError(
        fx.settlement,
        "AccessControlUnauthorizedAccount",
      );
      await expect(fx.settlement.vetoReport(1n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementReportNotPending")
        .withArgs(1n, Report.None);
      const ends = (await fx.settlement.reportOf(0n)).disputeEndsAt;
      await time.increaseTo(ends);
      await expect(fx.settlement.vetoReport(0n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementDisputeWindowClosed")
        .withArgs(0n, ends);
      await expect(fx.settlement.vetoSlash(0n, 0n)).to.be.revertedWithCustomError(
        fx.settlement,
        "SettlementDisputeWindowClosed",
      );
    });
  });

  describe("appeals", () => {
    it("the node's operator appeals with the bond", async () => {
      const fx = await loadFixture(withPendingReport);
      const op = fx.operators[0];
      await approveBond(fx, op);
      const tx = await fx.settlement.connect(op).appeal(0n, 0n);
      await expect(tx).to.emit(fx.settlement, "SlashAppealed").withArgs(0n, 0n, fx.a.node, op.address, TEST_PARAMS.appealBond);
      await expect(tx).to.changeTokenBalances(fx.token, [op, fx.settlement], [-TEST_PARAMS.appealBond, TEST_PARAMS.appealBond]);
      const s = await fx.settlement.slashOf(0n, 0n);
      expect(s.state).to.equal(Slash.Appealed);
      expect(s.appellant).to.equal(op.address);
      expect(s.bond).to.equal(TEST_PARAMS.appealBond);
      expect(await fx.settlement.pendingBonds()).to.equal(TEST_PARAMS.appealBond);
      const sheet = await balanceSheet(fx);
      expect(sheet.held).to.equal(sheet.owed);
    });

    it("rejects appeals by others, twice, out of the window or of unknown slashes", async () => {
      const fx = await loadFixture(withPendingReport);
      const [opA, opB] = fx.operators;
      await approveBond(fx, opA);
      await approveBond(fx, opB);
      await expect(fx.settlement.connect(opB).appeal(0n, 0n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementNotNodeOperator")
        .withArgs(fx.a.node, opB.address);
      await fx.settlement.connect(opA).appeal(0n, 0n);
      await expect(fx.settlement.connect(opA).appeal(0n, 0n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementSlashStateInvalid")
        .withArgs(0n, 0n, Slash.Appealed);
      await expect(fx.settlement.connect(opA).appeal(0n, 9n)).to.be.revertedWithCustomError(
        fx.settlement,
        "SettlementSlashIndexOutOfBounds",
      );
      await expect(fx.settlement.connect(opA).appeal(7n, 0n)).to.be.revertedWithCustomError(
        fx.settlement,
        "SettlementReportNotPending",
      );
      await time.increaseTo((await fx.settlement.reportOf(0n)).disputeEndsAt);
      await expect(fx.settlement.connect(opB).appeal(0n, 1n)).to.be.revertedWithCustomError(
        fx.settlement,
        "SettlementDisputeWindowClosed",
      );
    });

    it("upheld: slash cancelled, bond back; rejected: slash stands, bond to the treasury at finalization", async () => {
      const fx = await loadFixture(withPendingReport);
      const [opA, opB] = fx.operators;
      await approveBond(fx, opA);
      await approveBond(fx, opB);
      await fx.settlement.connect(opA).appeal(0n, 0n);
      await fx.settlement.connect(opB).appeal(0n, 1n);
      const bond = TEST_PARAMS.appealBond;
      const up = await fx.settlement.resolveAppeal(0n, 0n, true);
      await expect(up).to.emit(fx.settlement, "AppealResolved").withArgs(0n, 0n, true, bond, opA.address);
      await expect(up).to.emit(fx.settlement, "AppealBondRefunded").withArgs(0n, 0n, opA.address, bond);
      await expect(fx.settlement.connect(opA).withdrawRefund()).to.changeTokenBalances(
        fx.token,
        [opA, fx.settlement],
        [bond, -bond],
      );
      const down = await fx.settlement.resolveAppeal(0n, 1n, false);
      await expect(down).to.emit(fx.settlement, "AppealResolved").withArgs(0n, 1n, false, bond, fx.treasury.address);
      // Held until the report finalizes (a veto before then would give it back).
      await expect(down).to.changeTokenBalances(fx.token, [fx.treasury, fx.settlement], [0n, 0n]);
      expect(await fx.settlement.pendingBonds()).to.equal(bond);
      expect((await fx.settlement.slashOf(0n, 0n)).state).to.equal(Slash.AppealUpheld);
      expect((await fx.settlement.slashOf(0n, 1n)).state).to.equal(Slash.AppealRejected);
      await expect(fx.settlement.resolveAppeal(0n, 0n, true))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementSlashStateInvalid")
        .withArgs(0n, 0n, Slash.AppealUpheld);
      const fin = await finalizeEpoch(fx, 0n);
      await expect(fin).to.emit(fx.settlement, "AppealBondForfeited").withArgs(0n, 1n, opB.address, bond);
      const slashed = (await fx.settlement.slashOf(0n, 1n)).amount;
      // Treasury: its share of the slash plus the forfeited bond.
      const burned = (slashed * BigInt(TEST_PARAMS.slashBurnBps)) / 10_000n;
      await expect(fin).to.changeTokenBalances(fx.token, [fx.treasury, fx.settlement], [slashed - burned + bond, -bond]);
      expect((await fx.registry.getNode(fx.a.node)).stake).to.equal(fx.a.amount);
      expect((await fx.registry.getNode(fx.b.node)).stake).to.be.lessThan(fx.b.amount);
      expect((await fx.settlement.slashOf(0n, 1n)).state).to.equal(Slash.Executed);
      expect(await fx.settlement.pendingBonds()).to.equal(0n);
    });

    it("resolveAppeal: governance only, pending reports only, appealed slashes only", async () => {
      const fx = await loadFixture(withPendingReport);
      await expect(fx.settlement.connect(fx.outsider).resolveAppeal(0n, 0n, true)).to.be.revertedWithCustomError(
        fx.settlement,
        "AccessControlUnauthorizedAccount",
      );
      await expect(fx.settlement.resolveAppeal(0n, 0n, true))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementSlashStateInvalid")
        .withArgs(0n, 0n, Slash.Proposed);
      await expect(fx.settlement.resolveAppeal(0n, 5n, true)).to.be.revertedWithCustomError(
        fx.settlement,
        "SettlementSlashIndexOutOfBounds",
      );
      await finalizeEpoch(fx, 0n);
      await expect(fx.settlement.resolveAppeal(0n, 0n, true))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementReportNotPending")
        .withArgs(0n, Report.Finalized);
    });

    it("an appeal is decided inside the window only: from its last second on, finalize decides", async () => {
      // Guards the Low finding "an upheld appeal can be overridden": a decision sent after the window raced
      // finalize (open to anyone), and whoever came first won. Now the outcome is fixed when the window
      // closes: a late decision reverts, and finalize treats the appeal as undecided.
      const fx = await loadFixture(withPendingReport);
      const op = fx.operators[0];
      await approveBond(fx, op);
      await fx.settlement.connect(op).appeal(0n, 0n);
      const endsAt = (await fx.settlement.reportOf(0n)).disputeEndsAt;
      await time.setNextBlockTimestamp(endsAt);
      await expect(fx.settlement.resolveAppeal(0n, 0n, true))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementDisputeWindowClosed")
        .withArgs(0n, endsAt);
      await fx.settlement.finalize(0n);
      expect((await fx.settlement.slashOf(0n, 0n)).state).to.equal(Slash.Executed);
      expect(await fx.settlement.refundOf(op.address)).to.equal(TEST_PARAMS.appealBond);
    });

    it("an appeal decided in the window's last second stands at finalization", async () => {
      const fx = await loadFixture(withPendingReport);
      const op = fx.operators[0];
      await approveBond(fx, op);
      await fx.settlement.connect(op).appeal(0n, 0n);
      const endsAt = (await fx.settlement.reportOf(0n)).disputeEndsAt;
      await time.setNextBlockTimestamp(endsAt - 1n);
      await expect(fx.settlement.resolveAppeal(0n, 0n, true)).to.emit(fx.settlement, "AppealResolved");
      await fx.settlement.finalize(0n);
      expect((await fx.settlement.slashOf(0n, 0n)).state).to.equal(Slash.AppealUpheld);
      expect((await fx.registry.getNode(fx.a.node)).stake).to.equal(fx.a.amount);
    });

    it("an undecided appeal at finalization: the slash proceeds and the bond is refunded", async () => {
      const fx = await loadFixture(withPendingReport);
      const op = fx.operators[0];
      await approveBond(fx, op);
      await fx.settlement.connect(op).appeal(0n, 0n);
      const before = await fx.token.balanceOf(op.address);
      const tx = await finalizeEpoch(fx, 0n);
      await expect(tx).to.emit(fx.settlement, "AppealBondRefunded").withArgs(0n, 0n, op.address, TEST_PARAMS.appealBond);
      await expect(tx).to.emit(fx.settlement, "SlashExecuted").withArgs(0n, 0n, fx.a.node, (v: bigint) => v > 0n);
      let sheet = await balanceSheet(fx);
      expect(sheet.held).to.equal(sheet.owed);
      await fx.settlement.connect(op).withdrawRefund();
      expect((await fx.token.balanceOf(op.address)) - before).to.equal(TEST_PARAMS.appealBond);
      expect(await fx.settlement.pendingBonds()).to.equal(0n);
      sheet = await balanceSheet(fx);
      expect(sheet.held).to.equal(sheet.owed);
    });

    it("refuses a bond paid in a token that delivers less than asked", async () => {
      const fx = await loadFixture(deployFixture);
      const fee = await (await ethers.getContractFactory("TestFeeToken")).deploy();
      await fee.setFeeBps(0);
      const [gov] = await ethers.getSigners();
      const d = await deployProtocol(
        gov,
        {
          ...TEST_PARAMS,
          token: await fee.getAddress(),
          committee: [fx.committee[0].address],
          quorum: 1,
        },
        { artifactsDir: hre.config.paths.artifacts },
      );
      const c = d.contracts;
      const op = fx.operators[0];
      await fee.mint(op.address, 10_000n * E18);
      const nodeKey = ethers.Wallet.createRandom();
      const registryAddr = c.NodeRegistry.address;
      const deadline = await futureDeadline();
      const { signRegistration } = await import("../support/signing");
      const sig = await signRegistration(nodeKey, fx.chainId, registryAddr, {
        operator: op.address,
        nodeKey: nodeKey.address,
        nonce: 0n,
        deadline,
      });
      await fee.connect(op).approve(registryAddr, 1_000n * E18);
      const registry = await ethers.getContractAt("NodeRegistry", registryAddr);
      await registry.connect(op).register(nodeKey.address, { gpuModel: 1, gpuCount: 1, gflops: 1000, vramMiB: 1, region: "0x0000000000000000" }, 1_000n * E18, deadline, sig);
      const epochs = await ethers.getContractAt("EpochManager", c.EpochManager.address);
      const settlement = await ethers.getContractAt("Settlement", c.Settlement.address);
      await epochs.connect(fx.committee[0]).commitSeed(0n, seedCommitment(0n, seedOf(0n)));
      await time.increaseTo(await epochs.epochEnd(0n));
      const slashes = [slashEntry(nodeKey.address, 100)];
      const { buildReport } = await import("../support/signing");
      const report = buildReport({ epoch: 0n, seed: seedOf(0n), rewardsRoot: ethers.ZeroHash as Hex, rewardsTotal: 0n, slashes, configVersion: 1n });
      const sigs = await signReport([fx.committee[0]], fx.chainId, c.Settlement.address, report);
      await settlement.submitReport(report, slashes.map(slashTuple), sigs);
      await fee.setFeeBps(100);
      await fee.connect(op).approve(c.Settlement.address, TEST_PARAMS.appealBond);
      await expect(settlement.connect(op).appeal(0n, 0n))
        .to.be.revertedWithCustomError(settlement, "SettlementTransferShortfall")
        .withArgs(TEST_PARAMS.appealBond, (TEST_PARAMS.appealBond * 99n) / 100n);
    });
  });

  describe("finalize", () => {
    it("waits for the dispute window, then anyone finalizes once", async () => {
      const fx = await loadFixture(withPendingReport);
      const ends = (await fx.settlement.reportOf(0n)).disputeEndsAt;
      await expect(fx.settlement.connect(fx.outsider).finalize(0n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementDisputeWindowOpen")
        .withArgs(0n, ends);
      await time.increaseTo(ends);
      await fx.settlement.connect(fx.outsider).finalize(0n);
      expect((await fx.settlement.reportOf(0n)).status).to.equal(Report.Finalized);
      expect(await fx.settlement.hasFinalized()).to.equal(true);
      expect(await fx.settlement.lastFinalizedEpoch()).to.equal(0n);
      await expect(fx.settlement.finalize(0n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementReportNotPending")
        .withArgs(0n, Report.Finalized);
      await expect(fx.settlement.finalize(9n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementReportNotPending")
        .withArgs(9n, Report.None);
    });

    it("executes slashes, jails, splits slashed funds between burn and treasury (burn rounded down)", async () => {
      const fx = await loadFixture(withPendingReport);
      await fx.settlement.connect(fx.timelockSigner).setSlashBurnBps(3_333);
      const amountA = (fx.a.amount * 5_000n + 9_999n) / 10_000n;
      const amountB = (fx.b.amount * 1_000n + 9_999n) / 10_000n;
      const total = amountA + amountB;
      const burned = (total * 3_333n) / 10_000n;
      const tx = await finalizeEpoch(fx, 0n);
      await expect(tx).to.emit(fx.settlement, "SlashExecuted").withArgs(0n, 0n, fx.a.node, amountA);
      await expect(tx).to.emit(fx.settlement, "SlashExecuted").withArgs(0n, 1n, fx.b.node, amountB);
      await expect(tx).to.emit(fx.settlement, "ReportFinalized").withArgs(0n, total, burned, total - burned);
      await expect(tx).to.emit(fx.distributor, "MerkleRootUpdated").withArgs(0n, ethers.ZeroHash, fx.tree.root);
      await expect(tx).to.changeTokenBalances(
        fx.token,
        [fx.registry, fx.treasury, BURN],
        [-total, total - burned, burned],
      );
      const a = await fx.registry.getNode(fx.a.node);
      expect(a.status).to.equal(2n); // Jailed
      expect((await fx.settlement.slashOf(0n, 0n)).amount).to.equal(amountA);
      expect(await fx.distributor.totalFinalized()).to.equal(100n * E18);
      const sheet = await balanceSheet(fx);
      expect(sheet.held).to.equal(sheet.owed);
    });

    it("sends everything to the treasury at 0 bps burn and everything to the burn address at 10000", async () => {
      const fx = await loadFixture(withNodes);
      await fx.settlement.connect(fx.timelockSigner).setSlashBurnBps(0);
      await submitEpoch(fx, { epoch: 0n, slashes: [slashEntry(fx.a.node, 10_000)] });
      let tx = await finalizeEpoch(fx, 0n);
      await expect(tx).to.changeTokenBalances(fx.token, [fx.treasury, BURN], [fx.a.amount, 0n]);
      await fx.settlement.connect(fx.timelockSigner).setSlashBurnBps(10_000);
      await submitEpoch(fx, { epoch: 1n, slashes: [slashEntry(fx.b.node, 10_000)] });
      tx = await finalizeEpoch(fx, 1n);
      await expect(tx).to.changeTokenBalances(fx.token, [fx.treasury, BURN], [0n, fx.b.amount]);
    });

    it("finalizes a report whose slashed nodes have no stake or were never registered", async () => {
      const fx = await loadFixture(withNodes);
      await fx.registry.connect(fx.operators[0]).deregister(fx.a.node);
      await time.increase(TEST_PARAMS.unbondingDelay);
      await fx.registry.connect(fx.operators[0]).withdraw(fx.a.node);
      const stranger = ethers.Wallet.createRandom().address;
      await submitEpoch(fx, { epoch: 0n, slashes: [slashEntry(fx.a.node, 10_000), slashEntry(stranger, 10_000)] });
      const tx = await finalizeEpoch(fx, 0n);
      await expect(tx).to.emit(fx.settlement, "ReportFinalized").withArgs(0n, 0n, 0n, 0n);
      await expect(tx).to.emit(fx.settlement, "SlashExecuted").withArgs(0n, 1n, stranger, 0n);
    });

    it("follows the chain: a report before the tip is refused, a child finalizes only after its parent", async () => {
      const fx = await loadFixture(withNodes);
      const t0 = rewardsTree([[fx.operators[0].address, 10n], [fx.operators[1].address, 10n]]);
      const t1 = rewardsTree([[fx.operators[0].address, 30n], [fx.operators[1].address, 30n]]);
      await endEpoch(fx, 1n);
      // Epoch 1's report lands first: epoch 0 can no longer be reported (the chain's epochs increase).
      const p1 = await prepareReport(fx, { epoch: 1n, rewardsRoot: t1.root as Hex, rewardsTotal: 40n });
      await fx.settlement.submitReport(p1.report, p1.slashes, p1.signatures);
      const late = await prepareReport(fx, { epoch: 0n, rewardsRoot: t0.root as Hex, rewardsTotal: 20n });
      await expect(fx.settlement.submitReport(late.report, late.slashes, late.signatures))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementEpochNotAfterTip")
        .withArgs(0n, 1n);
      // A child whose window closes before its parent's waits for the parent (a shorter window set later).
      await fx.settlement.connect(fx.timelockSigner).setDisputeWindow(60n);
      await endEpoch(fx, 2n);
      const p2 = await prepareReport(fx, { epoch: 2n, rewardsRoot: t1.root as Hex, rewardsTotal: 0n, slashes: [slashEntry(fx.a.node, 1_000)] });
      await fx.settlement.submitReport(p2.report, p2.slashes, p2.signatures);
      expect((await fx.settlement.reportOf(2n)).parentEpoch).to.equal(1n);
      await time.increaseTo((await fx.settlement.reportOf(2n)).disputeEndsAt);
      await expect(fx.settlement.finalize(2n))
        .to.be.revertedWithCustomError(fx.settlement, "SettlementParentNotFinalized")
        .withArgs(2n, 1n);
      await finalizeEpoch(fx, 1n);
      expect(await fx.distributor.merkleRoot()).to.equal(t1.root);
      const tx = await finalizeEpoch(fx, 2n);
      await expect(tx).to.emit(fx.settlement, "SlashExecuted");
      expect(await fx.settlement.lastFinalizedEpoch()).to.equal(2n);
      expect(await fx.settlement.pendingReports()).to.equal(0n);
      expect(await fx.distributor.totalFinalized()).to.equal(40n);
    });
  });

  describe("governance parameters", () => {
    it("each setter emits old and new value", async () => {
      const fx = await loadFixture(deployFixture);
      const s = fx.settlement.connect(fx.timelockSigner);
      await expect(s.setDisputeWindow(3_600n)).to.emit(s, "DisputeWindowSet").withArgs(TEST_PARAMS.disputeWindow, 3_600n);
      await expect(s.setSlashBurnBps(10_000)).to.emit(s, "SlashBurnBpsSet").withArgs(TEST_PARAMS.slashBurnBps, 10_000);
      await expect(s.setAppealBond(1n)).to.emit(s, "AppealBondSet").withArgs(TEST_PARAMS.appealBond, 1n);
      await expect(s.setMaxSlashes(64)).to.emit(s, "MaxSlashesSet").withArgs(TEST_PARAMS.maxSlashes, 64);
      await expect(s.setTreasury(fx.outsider.address))
        .to.emit(s, "TreasurySet")
        .withArgs(fx.treasury.address, fx.outsider.address);
    });

    it("setters check bounds with named errors", async () => {
      const fx = await loadFixture(deployFixture);
      const s = fx.settlement.connect(fx.timelockSigner);
      await expect(s.setDisputeWindow(0n)).to.be.revertedWithCustomError(s, "SettlementDisputeWindowOutOfBounds");
      await expect(s.setDisputeWindow(30n * 86_400n + 1n)).to.be.revertedWithCustomError(
        s,
        "SettlementDisputeWindowOutOfBounds",
      );
      await expect(s.setSlashBurnBps(10_001)).to.be.revertedWithCustomError(s, "SettlementSlashBurnBpsOutOfBounds");
      await expect(s.setAppealBond(0n)).to.be.revertedWithCustomError(s, "SettlementAppealBondOutOfBounds");
      await expect(s.setAppealBond(2n ** 96n)).to.be.revertedWithCustomError(s, "SettlementAppealBondOutOfBounds");
      await expect(s.setAppealBond(2n ** 96n - 1n)).to.emit(s, "AppealBondSet");
      await expect(s.setMaxSlashes(0)).to.be.revertedWithCustomError(s, "SettlementMaxSlashesOutOfBounds");
      await expect(s.setMaxSlashes(65)).to.be.revertedWithCustomError(s, "SettlementMaxSlashesOutOfBounds");
      await expect(s.setTreasury(ethers.ZeroAddress)).to.be.revertedWithCustomError(s, "SettlementZeroAddress");
    });

    it("only the timelock changes parameters: not the guardian, not anyone else", async () => {
      const fx = await loadFixture(deployFixture);
      for (const signer of [fx.outsider, fx.governance]) {
        const s = fx.settlement.connect(signer);
        for (const call of [
          () => s.setDisputeWindow(10n),
          () => s.setSlashBurnBps(10),
          () => s.setAppealBond(10n),
          () => s.setMaxSlashes(10),
          () => s.setTreasury(fx.outsider.address),
        ]) {
          await expect(call()).to.be.revertedWithCustomError(fx.settlement, "AccessControlUnauthorizedAccount");
        }
      }
    });

    it("only the guardian vetoes and resolves appeals: not the timelock", async () => {
      const fx = await loadFixture(withPendingReport);
      const s = fx.settlement.connect(fx.timelockSigner);
      await expect(s.vetoSlash(0n, 0n)).to.be.revertedWithCustomError(s, "AccessControlUnauthorizedAccount");
      await expect(s.vetoReport(0n)).to.be.revertedWithCustomError(s, "AccessControlUnauthorizedAccount");
      await expect(s.resolveAppeal(0n, 0n, true)).to.be.revertedWithCustomError(s, "AccessControlUnauthorizedAccount");
    });
  });
});

describe("Settlement bounds", () => {
  it("a maximal report (64 slashes, 31 signatures) submits and finalizes well inside a block", async () => {
    const fx = await loadFixture(deployFixture);
    const signers = await ethers.getSigners();
    const committee = signers.slice(signers.length - 31);
    await fx.epochs.connect(fx.timelockSigner).setCommittee(committee.map((s) => s.address), 16);
    await fx.settlement.connect(fx.timelockSigner).setMaxSlashes(64);
    // The fixture's seeds were committed by a member the new committee dropped: a new member commits.
    const epoch = (await fx.epochs.currentEpoch()) + 1n;
    await fx.epochs.connect(committee[0]).commitSeed(epoch, seedCommitment(epoch, seedOf(epoch)));
    const nodes: string[] = [];
    for (let i = 0; i < 64; i++) nodes.push((await registerNode(fx, fx.operators[i % 4], { gflops: 1_000 })).node);
    await endEpoch(fx, epoch);
    const p = await prepareReport(fx, {
      epoch,
      slashes: nodes.map((n) => slashEntry(n, 5_000)),
      signers: committee,
    });
    const submit = await (await fx.settlement.submitReport(p.report, p.slashes, p.signatures)).wait();
    const fin = await (await finalizeEpoch(fx, epoch)).wait();
    console.log(`      max report: submit ${submit!.gasUsed} gas, finalize ${fin!.gasUsed} gas`);
    expect(submit!.gasUsed).to.be.lessThan(10_000_000n);
    expect(fin!.gasUsed).to.be.lessThan(10_000_000n);
    expect((await fx.registry.getNode(nodes[63])).status).to.equal(2n);
  });
});
