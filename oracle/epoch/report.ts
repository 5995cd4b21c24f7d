/**
 * The report phase: for each report still to sign or relay, this oracle's signature, then the
 * committee's until quorum, then submitReport through the relay unless the chain already has a
 * report for the epoch. A committee change voids the signatures: the report is built again.
 *
 * The parent: Settlement accepts a report only if its `parent` is the chain's tip (the latest
 * report not vetoed) and its epoch is later. Before signing, each report is checked against the
 * tip (`parentState`): a parent still on its way to the chain (ours or one we cosigned, not on
 * chain yet) is waited for; a parent the chain left behind (vetoed, or invalidated with a vetoed
 * ancestor) makes the report be built again on the latest report not vetoed (OR210); a tip at or
 * after the epoch means the report can never land, and it is dropped (OR211).
 */
import type { Hex } from "viem";
import { REPORT_STATUS } from "../chain";
import { RELAY_STATE } from "../relay";
import { reportFromJson } from "../report";
import { clearJudged } from "../store/epochs";
import { deleteReport, reportByDigest, reportsInProgress, saveSignatures, setReportState, type ReportRow } from "../store/reports";
import { REPORT_STATE } from "../store/status";
import { MAX_BACKLOG_EPOCHS, type CommitteeView, type EpochLoop } from "./context";

export async function reconcileReports(loop: EpochLoop, committee: CommitteeView): Promise<void> {
  const { d } = loop;
  const rows = reportsInProgress(d.db, MAX_BACKLOG_EPOCHS);
  for (const row of rows) {
    const e = BigInt(row.epoch);
    const onchain = await d.chain.reportOf(e);
    if (onchain.status !== REPORT_STATUS.None) {
      const ours = reportFromJson(JSON.parse(row.report));
      const same = onchain.rewardsRoot === ours.rewardsRoot && onchain.statsRoot === ours.statsRoot;
      setReportState(d.db, row.epoch, onchain.status === REPORT_STATUS.Finalized ? REPORT_STATE.Finalized : onchain.status === REPORT_STATUS.Vetoed ? REPORT_STATE.Vetoed : REPORT_STATE.Onchain, loop.now());
      if (row.status === REPORT_STATE.Submitted && same) {
        // Our transaction landed (seen on a later pass, or after a restart).
        d.metrics.reportsRelayed.inc();
        d.log.info("report.onchain", { epoch: row.epoch });
      } else {
        d.log.info("report.already_onchain", { code: "OR205", epoch: row.epoch, same });
      }
      continue;
    }
    let report = reportFromJson(JSON.parse(row.report));
    if (report.configVersion !== committee.configVersion) {
      // The committee changed: signatures under the old version are void; build again.
      d.log.warn("report.config_changed", { epoch: row.epoch, was: report.configVersion, now: committee.configVersion });
      deleteReport(d.db, row.epoch);
      clearJudged(d.db, row.epoch);
      continue;
    }
    const parent = await parentState(loop, row, report.parent);
    if (parent === "wait") continue;
    if (parent === "drop") {
      d.log.warn("report.superseded", { code: "OR211", epoch: row.epoch, reason: "the chain's latest report is at or after this epoch" });
      deleteReport(d.db, row.epoch);
      continue;
    }
    if (parent === "rebuild") {
      d.log.warn("report.parent_left_behind", { code: "OR210", epoch: row.epoch, parent: report.parent });
      deleteReport(d.db, row.epoch);
      clearJudged(d.db, row.epoch);
      continue;
    }
    const sigs: Record<string, Hex> = JSON.parse(row.signatures);
    const me = d.account.address.toLowerCase();
    if (!sigs[me] && committee.members.some((m) => m.toLowerCase() === me)) {
      sigs[me] = await d.account.sign({ hash: row.digest });
      saveSignatures(d.db, row.epoch, sigs, loop.now());
      d.log.info("report.signed", { epoch: row.epoch, signer: me, digest: row.digest });
    }
    const valid = Object.keys(sigs).filter((a) => committee.members.some((m) => m.toLowerCase() === a));
    if (valid.length < committee.quorum) {
      const more = await d.committee.collect(row, committee.members, sigs);
      for (const [a, s] of Object.entries(more)) sigs[a.toLowerCase()] = s;
      saveSignatures(d.db, row.epoch, sigs, loop.now());
    }
    const members = Object.keys(sigs).filter((a) => committee.members.some((m) => m.toLowerCase() === a));
    if (members.length < committee.quorum) {
      d.log.warn("report.quorum_missing", { code: "OR204", epoch: row.epoch, have: members.length, need: committee.quorum });
      continue;
    }
    if (row.status === REPORT_STATE.Built) setReportState(d.db, row.epoch, REPORT_STATE.Signed, loop.now());
    report = reportFromJson(JSON.parse(row.report));
    const chosen = Object.fromEntries(members.map((a) => [a, sigs[a]]));
    const ordered = Object.keys(chosen).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).slice(0, Math.max(committee.quorum, 1));
    const state = await d.relay.ensure(
      `submitReport:${row.epoch}`,
      async () => (await d.chain.reportOf(e)).status !== REPORT_STATUS.None,
      { contract: "Settlement", functionName: "submitReport", args: [report, JSON.parse(row.slashes), ordered.map((a) => chosen[a])] },
    );
    if (row.status !== REPORT_STATE.Submitted) setReportState(d.db, row.epoch, REPORT_STATE.Submitted, loop.now());
    d.log.info("report.relay", { epoch: row.epoch, state });
    if (state === RELAY_STATE.Done) {
      setReportState(d.db, row.epoch, REPORT_STATE.Onchain, loop.now());
      d.metrics.reportsRelayed.inc();
      d.log.info("report.onchain", { epoch: row.epoch });
    }
  }
}

/**
 * Where the report's parent stands against the chain's tip: "ok" (the parent is the tip, and the
 * tip is before the epoch), "wait" (the parent is a report of ours not on chain yet, later than
 * the tip), "rebuild" (the chain left the parent behind) or "drop" (the tip is at or after the
 * epoch: no report of it can land any more).
 */
async function parentState(loop: EpochLoop, row: ReportRow, parent: Hex): Promise<"ok" | "wait" | "rebuild" | "drop"> {
  const { d } = loop;
  const tip = await d.chain.tip();
  if (tip.exists && tip.epoch >= BigInt(row.epoch)) return "drop";
  if (parent === tip.digest) return "ok";
  const ours = reportByDigest(d.db, parent);
  if (ours && ours.status !== REPORT_STATE.Vetoed && ours.epoch < row.epoch && (!tip.exists || BigInt(ours.epoch) > tip.epoch)) {
    const onchain = await d.chain.reportOf(BigInt(ours.epoch));
    if (onchain.status === REPORT_STATUS.None) {
      loop.warnOnce(`parent-wait:${row.epoch}:${parent}`, "report.parent_pending", { epoch: row.epoch, parentEpoch: ours.epoch });
      return "wait";
    }
    // On chain with another digest, or vetoed there: it will never be the tip (again).
    setReportState(d.db, ours.epoch, REPORT_STATE.Vetoed, loop.now());
  }
  return "rebuild";
}
