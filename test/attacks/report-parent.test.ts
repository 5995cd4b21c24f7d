/**
 * Attacks on the report chain (audit finding High, "a veto does not cancel a report's rewards"): with
 * 1 h epochs and a 1-day dispute window, the report of N+1, built on N's cumulative tree, is pending
 * when N is vetoed. Before reports named their parent, N+1 still finalized and its root, which holds
 * N's vetoed rewards, was published: those rewards were paid out of others' share and the last honest
 * claim reverted on the global cap. Also: the appeal-bond findings (Low) around vetoes and re-reports.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Hex } from "viem";
import {
  commitSeed,
  deployProtocol,
  endEpoch,
  fund,
  makeReport,
  newNodeKey,
  passDisputeWindow,
  proofFor,
  quorumSignatures,
  registerNode,
  rewardsTree,
  SlashReason,
  type Protocol,
} from "../../scripts/hardhat-protocol";

const E18 = 10n ** 18n;
const VETOED = 2n;

/** 1 h epochs, 1-day window (as production): several reports are pending at once. */
async function dayWindow() {
  const p = await deployProtocol({ disputeWindow: 86_400n, unbondingDelay: 200_000n });
  await fund(p, 1_000_000n * E18);
  return p;
}

/** Seeds are committed before their epoch starts: this one (if not yet) and the next, then the report. */
async function submit(p: Protocol, epoch: bigint, fields: Parameters<typeof makeReport>[2] = {}) {
  await ensureSeed(p, epoch);
  await ensureSeed(p, epoch + 1n);
  await endEpoch(p, epoch);
  const { report, slashes } = await makeReport(p, epoch, fields);
  await p.settlement.submitReport(report, slashes, await quorumSignatures(p, report));
  return report;
}

async function ensureSeed(p: Protocol, epoch: bigint) {
  if ((await p.epochs.seedCommitment(epoch)) === ethers.ZeroHash) await commitSeed(p, epoch);
}

async function next(p: Protocol): Promise<bigint> {
  return (await p.epochs.currentEpoch()) + 1n;
}

describe("attacks: the report chain", function () {
  it("a veto cancels the rewards of the reports built on the vetoed one (High)", async function () {
    // Defence: vetoReport walks the chain from the tip back to the vetoed report and marks each report
    // built on it Vetoed (ReportInvalidated), releasing its budget, so their roots never finalize.
    const p = await loadFixture(dayWindow);
    const [honest, cheat] = p.operators;
    // N pays the cheat 100 (vetoed later); N+1, built on N, adds 10 for the honest operator.
    const tN = rewardsTree([[honest.address, 0n], [cheat.address, 100n * E18]]);
    const n = await next(p);
    const rN = await submit(p, n, { rewardsRoot: tN.root as Hex, rewardsTotal: 100n * E18 });
    const tN1 = rewardsTree([[honest.address, 10n * E18], [cheat.address, 100n * E18]]);
    const rN1 = await submit(p, n + 1n, { rewardsRoot: tN1.root as Hex, rewardsTotal: 10n * E18 });
    expect(rN1.parent).to.equal(await p.settlement.reportDigest(rN));
    const veto = await p.settlement.connect(p.admin).vetoReport(n);
    await expect(veto).to.emit(p.settlement, "ReportInvalidated").withArgs(n + 1n, n, 10n * E18);
    await expect(veto).to.emit(p.settlement, "ReportVetoed").withArgs(n, 100n * E18);
    expect((await p.settlement.reportOf(n + 1n)).status).to.equal(VETOED);
    expect(await p.distributor.availableBudget()).to.equal(1_000_000n * E18);
    expect(await p.settlement.tip()).to.deep.equal([false, 0n, ethers.ZeroHash]);
    expect(await p.settlement.pendingReports()).to.equal(0n);
    // N+1's root can never be published: it is not pending any more.
    await passDisputeWindow(p, n + 1n);
    await expect(p.settlement.finalize(n + 1n)).to.be.revertedWithCustomError(p.settlement, "SettlementReportNotPending");
    // The next honest report (N+1 again, on no parent) carries the corrected amounts; only they are claimable.
    const fixed = rewardsTree([[honest.address, 10n * E18], [cheat.address, 0n]]);
    await endEpoch(p, n + 1n);
    const { report, slashes } = await makeReport(p, n + 1n, { rewardsRoot: fixed.root as Hex, rewardsTotal: 10n * E18 });
    expect(report.parent).to.equal(ethers.ZeroHash);
    await p.settlement.submitReport(report, slashes, await quorumSignatures(p, report));
    await passDisputeWindow(p, n + 1n);
    await p.settlement.finalize(n + 1n);
    const ph = proofFor(fixed, honest.address);
    await p.distributor.claim(honest.address, ph.amount, ph.proof);
    const stale = proofFor(tN1, cheat.address);
    await expect(p.distributor.claim(cheat.address, stale.amount, stale.proof)).to.be.revertedWithCustomError(
      p.distributor,
      "RewardsDistributorInvalidProof",
    );
    expect(await p.distributor.totalFinalized()).to.equal(10n * E18);
  });

  it("a report built on a vetoed report, or on anything but the tip, is refused", async function () {
    // Defence: `report.parent != tip digest` reverts SettlementParentMismatch (_checkParent). Without it a
    // report built on the vetoed tree would carry the vetoed rewards on.
    const p = await loadFixture(dayWindow);
    const n = await next(p);
    const rN = await submit(p, n, { rewardsTotal: 5n * E18 });
    const digestN = await p.settlement.reportDigest(rN);
    await p.settlement.connect(p.admin).vetoReport(n);
    await ensureSeed(p, n + 2n);
    await endEpoch(p, n + 1n);
    const { report, slashes } = await makeReport(p, n + 1n, { parent: digestN as Hex });
    await expect(p.settlement.submitReport(report, slashes, await quorumSignatures(p, report)))
      .to.be.revertedWithCustomError(p.settlement, "SettlementParentMismatch")
      .withArgs(n + 1n, digestN, ethers.ZeroHash);
    // And with a tip: a made-up parent is refused, the tip's digest accepted.
    const ok = await makeReport(p, n + 1n);
    await p.settlement.submitReport(ok.report, ok.slashes, await quorumSignatures(p, ok.report));
    const tipDigest = (await p.settlement.tip()).digest;
    await endEpoch(p, n + 2n);
    const bogus = await makeReport(p, n + 2n, { parent: ethers.id("not a report") as Hex });
    await expect(p.settlement.submitReport(bogus.report, bogus.slashes, await quorumSignatures(p, bogus.report)))
      .to.be.revertedWithCustomError(p.settlement, "SettlementParentMismatch")
      .withArgs(n + 2n, ethers.id("not a report"), tipDigest);
  });

  it("a veto in the middle of the chain keeps the reports before it", async function () {
    // Defence: the veto's walk stops at the vetoed report, and the tip returns to its parent.
    const p = await loadFixture(dayWindow);
    const a = await next(p);
    await submit(p, a, { rewardsTotal: 1n * E18 });
    const rA1 = await submit(p, a + 1n, { rewardsTotal: 2n * E18 });
    await submit(p, a + 2n, { rewardsTotal: 3n * E18 });
    expect(await p.settlement.pendingReports()).to.equal(3n);
    await expect(p.settlement.connect(p.admin).vetoReport(a + 1n))
      .to.emit(p.settlement, "ReportInvalidated")
      .withArgs(a + 2n, a + 1n, 3n * E18);
    expect((await p.settlement.reportOf(a)).status).to.equal(1n);
    const info = await p.settlement.reportOf(a);
    expect(await p.settlement.tip()).to.deep.equal([true, a, info.digest]);
    expect(await p.settlement.pendingReports()).to.equal(1n);
    expect(await p.distributor.availableBudget()).to.equal(1_000_000n * E18 - 1n * E18);
    // The vetoed report's exact digest cannot come back, even though its parent is the tip again.
    await expect(p.settlement.submitReport(rA1, [], await quorumSignatures(p, rA1))).to.be.revertedWithCustomError(
      p.settlement,
      "SettlementReportVetoed",
    );
    await passDisputeWindow(p, a);
    await p.settlement.finalize(a);
  });

  it("at most MAX_PENDING_REPORTS are pending; a veto of the oldest cancels them all within a block", async function () {
    // Defence: `_pendingCount >= MAX_PENDING_REPORTS` reverts SettlementTooManyPendingReports, bounding the
    // veto's walk over descendants.
    this.timeout(120_000);
    const p = await deployProtocol({ disputeWindow: 30n * 86_400n, unbondingDelay: 40n * 86_400n });
    const max = await p.settlement.MAX_PENDING_REPORTS();
    const first = await next(p);
    for (let e = first; e < first + max; e++) await submit(p, e);
    expect(await p.settlement.pendingReports()).to.equal(max);
    await endEpoch(p, first + max);
    const { report, slashes } = await makeReport(p, first + max);
    await expect(p.settlement.submitReport(report, slashes, await quorumSignatures(p, report)))
      .to.be.revertedWithCustomError(p.settlement, "SettlementTooManyPendingReports")
      .withArgs(max);
    const veto = await (await p.settlement.connect(p.admin).vetoReport(first)).wait();
    console.log(`      veto of a report with ${max - 1n} pending descendants: ${veto!.gasUsed} gas`);
    expect(veto!.gasUsed).to.be.lessThan(5_000_000n);
    expect((await p.settlement.reportOf(first + max - 1n)).status).to.equal(VETOED);
    expect(await p.settlement.pendingReports()).to.equal(0n);
  });

  it("a rejected appeal's bond comes back when the whole report is vetoed (Low)", async function () {
    // Defence: a rejected bond is held until finalization (not sent to the treasury at resolution), and
    // _cancelReport credits back AppealRejected bonds. Before, the treasury kept it though the report
    // and its evidence were cancelled.
    const p = await loadFixture(dayWindow);
    const op = p.operators[0];
    const key = newNodeKey();
    await registerNode(p, op, key, 2_000n * E18);
    const evidence = ethers.id("evidence") as Hex;
    const epoch = await next(p);
    await submit(p, epoch, { slashes: [{ node: key.address as Hex, bps: 1_000, reason: SlashReason.Fraud, evidence }] });
    const bond = await p.settlement.appealBond();
    await p.token.connect(p.admin).mint(op.address, bond);
    await p.token.connect(op).approve(await p.settlement.getAddress(), bond);
    await p.settlement.connect(op).appeal(epoch, 0);
    const rejected = p.settlement.connect(p.admin).resolveAppeal(epoch, 0, false);
    await expect(rejected).to.changeTokenBalances(p.token, [p.treasury, p.settlement], [0n, 0n]);
    await expect(p.settlement.connect(p.admin).vetoReport(epoch))
      .to.emit(p.settlement, "AppealBondRefunded")
      .withArgs(epoch, 0n, op.address, bond);
    expect(await p.settlement.refundOf(op.address)).to.equal(bond);
    expect((await p.settlement.slashOf(epoch, 0)).state).to.equal(2n); // Vetoed
  });

  it("a re-report does not make the operator pay a second bond while the first is credited (Low)", async function () {
    // Defence: appeal takes the bond from the appellant's credited refunds first. Before, appealing the
    // same slash in the re-report pulled a second bond.
    const p = await loadFixture(dayWindow);
    const op = p.operators[0];
    const key = newNodeKey();
    await registerNode(p, op, key, 2_000n * E18);
    const slash = { node: key.address as Hex, bps: 1_000, reason: SlashReason.Fraud, evidence: ethers.id("ev") as Hex };
    const epoch = await next(p);
    await submit(p, epoch, { slashes: [slash] });
    const bond = await p.settlement.appealBond();
    await p.token.connect(p.admin).mint(op.address, bond);
    await p.token.connect(op).approve(await p.settlement.getAddress(), ethers.MaxUint256);
    await p.settlement.connect(op).appeal(epoch, 0);
    await p.settlement.connect(p.admin).vetoReport(epoch);
    expect(await p.settlement.refundOf(op.address)).to.equal(bond);
    // The corrected re-report proposes the same slash (another stats root); the appeal costs nothing new.
    await endEpoch(p, epoch);
    const { report, slashes } = await makeReport(p, epoch, { slashes: [slash], statsRoot: ethers.id("again") as Hex });
    await p.settlement.submitReport(report, slashes, await quorumSignatures(p, report));
    await expect(p.settlement.connect(op).appeal(epoch, 0)).to.changeTokenBalances(p.token, [op, p.settlement], [0n, 0n]);
    expect(await p.settlement.refundOf(op.address)).to.equal(0n);
    expect(await p.settlement.pendingBonds()).to.equal(bond);
    expect((await p.settlement.slashOf(epoch, 0)).bond).to.equal(bond);
    // A partial credit pays part, the transfer the rest.
    await p.settlement.connect(p.admin).resolveAppeal(epoch, 0, true);
    await p.settlement.connect(p.governance).setAppealBond(bond * 2n);
    await endEpoch(p, epoch + 1n);
    const again = await makeReport(p, epoch + 1n, { slashes: [slash] });
    await p.settlement.submitReport(again.report, again.slashes, await quorumSignatures(p, again.report));
    await p.token.connect(p.admin).mint(op.address, bond);
    await expect(p.settlement.connect(op).appeal(epoch + 1n, 0)).to.changeTokenBalances(p.token, [op, p.settlement], [-bond, bond]);
    expect(await p.settlement.pendingBonds()).to.equal(bond * 2n);
    void time;
  });
});
