/**
 * The schedule phase: once the current epoch's commitment is on chain, plan K rounds, each issued
 * to every active node at one secret time drawn from the epoch's secret randomness (draws.ts), up
 * to the last moment a challenge can still be answered before the epoch's end. An epoch recovered
 * after a lost database voids its rounds due before the recovery (DESIGN.md "Voiding": what was
 * delivered and answered of them is gone, and the same challenge is not issued twice).
 */
import type { Hex } from "viem";
import { challengeSeed } from "../../protocol";
import { deadlineSpans } from "../../protocol/deadline";
import type { NodeRecord } from "../chain";
import { challengeId } from "../challenges";
import { OracleError } from "../errors";
import { insertChallenges, voidPlannedBefore, type NewChallenge } from "../store/challenges";
import { getEpoch, markScheduled } from "../store/epochs";
import { openFraudIncidents } from "../store/node-epochs";
import type { Work } from "../work";
import { MAX_BACKLOG_EPOCHS, type EpochLoop } from "./context";
import { draw, roundDueTimes, scheduleKeyOf } from "./draws";

/** Plans the current epoch `cur` once its commitment is on chain; a planned epoch is left as it is. */
export async function reconcileSchedule(loop: EpochLoop, cur: number): Promise<void> {
  const { d } = loop;
  if (cur < 0) return;
  const row = getEpoch(d.db, cur);
  if (!row || row.committed_at === null || row.scheduled_at !== null) return;
  // One incident, one slash: a node with an open fraud incident is not challenged until its slash
  // executes (it is then jailed) or its report is vetoed.
  const open = openFraudIncidents(d.db, cur, cur - MAX_BACKLOG_EPOCHS, loop.epochStartMs(cur));
  const active = (await d.chain.allNodes()).filter((n) => n.status === "Active");
  const nodes = active.filter((n) => !open.has(n.node.toLowerCase()));
  if (nodes.length < active.length) d.log.info("incident.not_challenged", { epoch: cur, nodes: active.filter((n) => open.has(n.node.toLowerCase())).map((n) => n.node) });
  const startMs = loop.epochStartMs(cur);
  const lenMs = loop.epochLengthMs();
  const scheduleKey = scheduleKeyOf(row.seed);
  const planned: { n: NodeRecord; r: number; kind: "gemm" | "infer"; seed: Hex; spanMs: number; onTimeMs: number; plan: Awaited<ReturnType<NonNullable<Work["gemm"]>["plan"]>> }[] = [];
  for (const n of nodes) {
    for (let r = 0; r < d.cfg.epochChallenges; r++) {
      const kinds = d.cfg.challengeKinds.filter((k) => d.work[k]);
      if (kinds.length === 0) throw new OracleError("OR206", "no challenge kind is available");
      const kind = kinds[Number(draw(scheduleKey, "kind", n.node, r) % BigInt(kinds.length))];
      const seed = challengeSeed(row.seed, n.node, r);
      let plan;
      try {
        plan = await d.work[kind]!.plan(row.seed, seed, n.claim, d.cfg.challengeTargetMs);
      } catch (e) {
        d.log.warn("challenge.unplannable", { node: n.node, kind, err: e });
        continue;
      }
      // Both spans from the judge's noise model plus the network floor, counted from the due
      // instant (protocol/deadline.ts): paid when on time, missed after the cut-off.
      const { onTimeMs, cutoffMs: spanMs } = deadlineSpans(plan.expectedMs, d.cfg.deadlineSlackMs);
      planned.push({ n, r, kind, seed, spanMs, onTimeMs, plan });
    }
  }
  // One secret instant per round for the whole fleet (identities sharing a GPU answer at once).
  // Recovered after a lost database: rounds due before the recovery keep their time and are void.
  const lostBefore = row.recovered_at ?? undefined;
  const dueAt = roundDueTimes(planned.map((p) => ({ round: p.r, spanMs: p.spanMs })), {
    scheduleKey, startMs, lenMs, issueWindowBps: d.cfg.issueWindowBps, nowMs: loop.now(), keptBeforeMs: lostBefore,
  });
  const rows = planned.map(({ n, r, kind, seed, spanMs, onTimeMs, plan }): NewChallenge => {
    const issueAt = dueAt.get(r)!;
    return {
      id: challengeId(cur, n.node, r, scheduleKey), epoch: cur, node: n.node.toLowerCase(), round: r, kind, seed, spec: JSON.stringify(plan.spec),
      claim: JSON.stringify({ claim: n.claim, operator: n.operator, units: plan.units, mflop: plan.mflop, expectedMs: plan.expectedMs, onTimeMs }),
      issue_at: issueAt, deadline: issueAt + spanMs,
    };
  });
  let voided = 0;
  d.db.transaction(() => {
    insertChallenges(d.db, rows);
    if (lostBefore !== undefined) voided = voidPlannedBefore(d.db, cur, lostBefore, `due before the oracle recovered from a lost database at ${new Date(lostBefore).toISOString()}`);
    markScheduled(d.db, cur, loop.now());
  })();
  if (voided > 0) {
    d.metrics.challengesVoided.inc({ reason: "lost-database" }, voided);
    d.log.warn("challenges.voided", { reason: "lost-database", epoch: cur, count: voided, recoveredAt: lostBefore });
  }
  d.log.info("epoch.scheduled", { epoch: cur, nodes: nodes.length, challenges: planned.length });
}
