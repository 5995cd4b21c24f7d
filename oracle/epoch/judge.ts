/**
 * The judge phase: for each ended epoch this oracle proposes, once every handed-out challenge is
 * answered or past its deadline and the chain's tip is a report this oracle holds, close the
 * unanswered ones, judge every node, compute rewards and build the report, stored with its inputs
 * (committee members recompute it from them) in one transaction.
 *
 * The database reads (the epoch's records, each node's window and verdict history) and the
 * writes stay on the main thread; the per-node statistics and rules run in the worker pool, on
 * plain copies of those rows (judging.ts judgeEpochPlain).
 */
import { zeroHash, type Address, type Hex } from "viem";
import { SlashReason } from "../../protocol";
import { slashEvidenceHash } from "../../protocol/evidence";
import { MAX_PER_NODE } from "../judging";
import { getEvidence, putEvidence } from "../store/evidence";
import { CHALLENGE_VERDICT } from "../store/status";
import type { DB } from "../store/schema";
import { condemnedStreak, MAX_VERDICT_LOOKBACK } from "../judging";
import { buildReport, reportDigest, reportToJson, type ReportInputs } from "../report";
import { NODE_VERDICT } from "../../engine/rewards";
import { closeUnansweredChallenges, judgedChallenges, windowRows, type JudgedRow } from "../store/challenges";
import { markJudged, unjudgedEpochs, type EpochRow } from "../store/epochs";
import { openFraudIncidents, replaceNodeEpochs, verdictHistory } from "../store/node-epochs";
import { latestUnvetoedReportBefore, putReport, reportByDigest, reportDigestOf } from "../store/reports";
import { cumulativeRewards, replaceCumulativeRewards } from "../store/rewards";
import { REPORT_STATE } from "../store/status";
import { MAX_BACKLOG_EPOCHS, type EpochLoop } from "./context";

/** Grace after the epoch's last deadline for an opening still being verified, ms. */
export const JUDGE_GRACE_MS = 500;

export async function reconcileJudgement(loop: EpochLoop, cur: number, nowMs: number, configVersion: bigint, members: readonly Address[]): Promise<void> {
  const { d } = loop;
  const rows = unjudgedEpochs(d.db, cur, cur - MAX_BACKLOG_EPOCHS);
  for (const ep of rows) {
    if (!loop.isProposer(ep.epoch, members)) continue;
    const challenges = judgedChallenges(d.db, ep.epoch);
    const lastDeadline = Math.max(loop.epochStartMs(ep.epoch + 1), ...challenges.map((c) => c.deadline ?? 0));
    // Due times run up to the epoch's end minus the deadline span, so answers may still be in
    // flight at the end: wait for every handed-out challenge without a verdict (and one planned
    // late whose deadline is still ahead) until the last deadline plus a grace for the opening
    // being verified.
    const pending = challenges.some((c) => c.verdict === null && (c.issued_at !== null || (c.deadline ?? 0) > nowMs));
    if (pending && nowMs < lastDeadline + JUDGE_GRACE_MS) continue;
    if (!(await parentKnown(loop, ep.epoch))) continue;
    if (ep.scheduled_at === null) {
      d.log.warn("epoch.unscheduled", { epoch: ep.epoch, reason: "no challenges were planned (oracle down during the epoch)" });
    }
    await judgeAndBuild(loop, ep, challenges, nowMs, configVersion);
  }
}

/**
 * Whether a report of epoch `e` can build on the chain's tip: the tip is a report this oracle
 * built or co-signed (it holds the tip's cumulative rewards, which the new report carries on),
 * or there is none yet. A tip it does not hold (its database was lost after that report, or a
 * member's report it did not co-sign) cannot be built on: the epoch is left unjudged, OR214 is
 * logged once, and the check is repeated on later passes. A tip at or after `e` is left to the
 * report phase (OR211).
 */
async function parentKnown(loop: EpochLoop, e: number): Promise<boolean> {
  const tip = await loop.d.chain.tip();
  if (!tip.exists || tip.epoch >= BigInt(e) || reportByDigest(loop.d.db, tip.digest) !== undefined) return true;
  loop.warnOnce(`parent-unknown:${e}:${tip.digest}`, "report.parent_unknown", {
    code: "OR214", epoch: e, tipEpoch: Number(tip.epoch), tip: tip.digest,
    reason: "the chain's latest report is not in this oracle's database: its cumulative rewards are unknown, so no report can build on it",
  });
  return false;
}

async function judgeAndBuild(loop: EpochLoop, ep: EpochRow, challenges: JudgedRow[], nowMs: number, configVersion: bigint): Promise<void> {
  const { d } = loop;
  const e = ep.epoch;
  // Nodes: everyone registered now that had challenges planned, plus active nodes (no plan = no pay).
  const operators: Record<string, Address> = {};
  for (const n of await d.chain.allNodes()) operators[n.node.toLowerCase()] = n.operator;
  // Condemned epochs in a row before this one, from this oracle's own verdict history, and the
  // records of the window's earlier epochs, each read once per node.
  const priorCondemned: Record<string, number> = {};
  const earlier: Record<string, JudgedRow[]> = {};
  for (const node of new Set(challenges.map((c) => c.node))) {
    priorCondemned[node.toLowerCase()] = condemnedStreak(verdictHistory(d.db, node.toLowerCase(), e, MAX_VERDICT_LOOKBACK));
    earlier[node] = windowRows(d.db, node, e, d.cfg.judgeWindowEpochs);
  }
  const nodes = await d.pool.judge({
    rows: challenges,
    operators,
    options: {
      fraudSlashBps: d.cfg.fraudSlashBps,
      overclaimSlashBps: d.cfg.overclaimSlashBps,
      overclaimSlashAfterEpochs: d.cfg.overclaimSlashAfterEpochs,
      priorCondemned,
      earlier,
      nowMs,
    },
  });
  // One incident, one slash: a node judged fraudulent in an earlier epoch whose report is neither
  // finalized (its slash executes and jails it) nor vetoed is neither paid nor slashed again
  // (docs/security.md, "One incident, one slash"); the schedule stops challenging it as well.
  const open = openFraudIncidents(d.db, e, e - MAX_BACKLOG_EPOCHS, loop.epochStartMs(e));
  for (const n of nodes) {
    const since = open.get(n.node.toLowerCase());
    if (since === undefined) continue;
    d.log.info("incident.open", { epoch: e, node: n.node, fraudEpoch: since, verdict: n.verdict, slashDropped: n.slash !== undefined });
    n.verdict = NODE_VERDICT.Unavailable;
    n.slash = undefined;
  }
  // A fraud slash ships its evidence: the documents of the node's wrong answers, which every
  // member re-verifies before it signs (committee.ts). A slash they would not prove is dropped
  // here (the node stays judged fraudulent, so unpaid) and logged.
  const bundles: { hash: Hex; node: string; docs: Hex[] }[] = [];
  for (const n of nodes) {
    if (!n.slash || n.slash.reason !== SlashReason.Fraud) continue;
    const docs = fraudDocuments(d.db, challenges, n.node);
    if (docs && slashEvidenceHash(docs) === n.slash.evidence.toLowerCase()) {
      bundles.push({ hash: n.slash.evidence.toLowerCase() as Hex, node: n.node.toLowerCase(), docs: docs.map((x) => x.hash) });
      continue;
    }
    d.log.warn("slash.unproven", { code: "OR219", epoch: e, node: n.node, reason: docs ? "the wrong answers' documents do not hash to the slash's evidence" : "a wrong answer has no evidence document" });
    n.slash = undefined;
  }
  for (const n of nodes) {
    const inARow = 1 + (priorCondemned[n.node.toLowerCase()] ?? 0);
    if (n.verdict !== NODE_VERDICT.UnderDelivering || n.slash || inARow >= d.cfg.overclaimSlashAfterEpochs) continue;
    d.log.info("overclaim.slash_deferred", { epoch: e, node: n.node, condemnedInARow: inARow, slashAfter: d.cfg.overclaimSlashAfterEpochs });
  }
  const { parent, cumulative: prev } = previousReport(loop, e);
  const available = await d.chain.availableBudget();
  const budgetCfg = BigInt(d.cfg.epochBudget);
  // Rounds against the claimants: pay the smaller of the configured and the available budget.
  const budget = available < budgetCfg ? available : budgetCfg;
  if (available < budgetCfg) d.log.warn("rewards.underfunded", { code: "OR208", epoch: e, available, budget: budgetCfg });
  const inputs: ReportInputs = {
    epoch: String(e),
    parent,
    seed: ep.seed,
    configVersion: configVersion.toString(),
    budget: budget.toString(),
    uptimeShareBps: d.cfg.uptimeShareBps,
    maxSlashes: await d.chain.maxSlashes(),
    nodes,
    previousCumulative: Object.fromEntries([...prev].map(([a, v]) => [a, v.toString()])),
  };
  const built = buildReport(inputs);
  if (built.truncated > 0) d.log.warn("slashes.truncated", { code: "OR207", epoch: e, truncated: built.truncated });
  const digest = reportDigest(built.report, d.chain.chainId, d.chain.address("Settlement"));
  const slashesJson = built.slashes.map((s) => ({ ...s, reason: Number(s.reason) }));
  d.db.transaction(() => {
    closeUnansweredChallenges(d.db, e);
    replaceNodeEpochs(
      d.db,
      e,
      nodes.map((n) => {
        const { slash, ...stats } = n;
        return {
          node: n.node, operator: n.operator, verdict: n.verdict, stats: JSON.stringify(stats),
          reward: (built.rewardsPerNode.get(n.node.toLowerCase()) ?? 0n).toString(),
          slash_bps: slash?.bps ?? 0, slash_reason: slash ? Number(slash.reason) : 0, evidence: slash?.evidence ?? null,
        };
      }),
    );
    replaceCumulativeRewards(d.db, e, built.cumulative);
    for (const b of bundles) putEvidence(d.db, { hash: b.hash, epoch: e, node: b.node, doc: JSON.stringify(b.docs) });
    putReport(
      d.db,
      { epoch: e, report: JSON.stringify(reportToJson(built.report)), slashes: JSON.stringify(slashesJson), inputs: JSON.stringify(inputs), digest, signatures: "{}", status: REPORT_STATE.Built },
      loop.now(),
    );
    markJudged(d.db, e, loop.now());
  })();
  d.metrics.lastEpoch.set(e);
  d.log.info("report.built", {
    epoch: e,
    nodes: nodes.length,
    rewardsTotal: built.report.rewardsTotal,
    slashes: built.slashes.length,
    digest,
    verdicts: Object.fromEntries(nodes.map((n) => [n.node, n.verdict])),
  });
}

/**
 * The report epoch `e` builds on: the latest earlier report of ours (built or cosigned) that was
 * not vetoed, its digest (the new report's `parent`) and its cumulative amounts; none before the
 * first report. Settlement accepts the new report only if that parent is its tip by then
 * (report.ts rebuilds a report whose parent the chain has left behind).
 */
function previousReport(loop: EpochLoop, e: number): { parent: Hex; cumulative: Map<string, bigint> } {
  const { d } = loop;
  const prevEpoch = latestUnvetoedReportBefore(d.db, e);
  if (prevEpoch === null) return { parent: zeroHash, cumulative: new Map() };
  return { parent: reportDigestOf(d.db, prevEpoch)!, cumulative: cumulativeRewards(d.db, prevEpoch) };
}

/**
 * The documents of `node`'s wrong answers among `rows`, in the judge's order (judging.ts: the
 * node's records as read, void ones left out, at most MAX_PER_NODE; a verifier error is not the
 * node's answer), or undefined when one of them has no document.
 */
export function fraudDocuments(db: DB, rows: readonly JudgedRow[], node: string): { spec: string; hash: Hex }[] | undefined {
  const own = rows.filter((r) => r.node === node.toLowerCase() && r.verdict !== CHALLENGE_VERDICT.Void).slice(0, MAX_PER_NODE);
  const out: { spec: string; hash: Hex }[] = [];
  for (const r of own) {
    if (r.verdict !== CHALLENGE_VERDICT.Fraud && r.verdict !== CHALLENGE_VERDICT.Fail) continue;
    if (!r.evidence || !getEvidence(db, r.evidence)) return undefined;
    out.push({ spec: r.spec, hash: r.evidence });
  }
  return out.length ? out : undefined;
}
