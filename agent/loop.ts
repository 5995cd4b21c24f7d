/**
 * The challenge loop of `agent run`: ask the oracle for the next challenge, run it, commit the
 * Merkle root of the result, answer the openings, repeat. A reconciliation loop: every pass
 * starts from "what does the oracle want from me now", so a crash, a restart of the oracle or a
 * lost answer heals on the next pass. Unreachable oracle: exponential backoff with jitter and a
 * countdown in the log. Not registered or jailed: a clear message, then a slow retry.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { AgentError, describeError, rootCause } from "./errors";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff";
import { OracleRejection, type Challenge } from "./client";
import type { OracleTransport } from "./session-client";
import type { Solver } from "./solver-types";
import type { Logger } from "./log";
import type { OracleInfo } from "./client";
import type { SignedProcessReport } from "../protocol/process-report";
import type { AgentMetrics } from "./metrics";
import { deliveryText, verdictAdvice } from "./advice";
import type { FraudRecord } from "./state";

export interface LoopOptions {
  client: OracleTransport;
  solver: Solver;
  log: Logger;
  /** Stop after this many challenges (tests); default: run until aborted. */
  maxChallenges?: number;
  signal?: AbortSignal;
  backoff?: BackoffOptions;
  /** Wait after "not registered" / "jailed" before asking again, ms. */
  statusRetryMs?: number;
  /** Longest wait the oracle's retry-after is honoured for, ms. */
  maxPollMs?: number;
  /**
   * The signed report of GPU processes outside the lease's container for the oracle `info`
   * describes (processes/report.ts); none sent when absent.
   */
  processReport?: (info: OracleInfo) => Promise<SignedProcessReport>;
  /** How often GPU processes are reported, ms. */
  processReportMs?: number;
  /**
   * Called with a node-status problem (AG005/AG006/AG013) so the caller can check the chain:
   * returns the chain's account of it (e.g. "jailed until ...") and how long to wait.
   */
  onStatusProblem?: (err: AgentError) => Promise<{ waitMs?: number; message?: string } | undefined>;
  /** The node's claim, GFLOP/s, when known (for "delivers N % of its claim"). */
  claimGflops?: () => number | undefined;
  metrics?: AgentMetrics;
  /**
   * Called with a fraud verdict before the loop stops answering (run.ts writes it to the data
   * directory, so the next start refuses until `agent ack`).
   */
  onFraud?: (fraud: FraudRecord) => void;
}

/** One epoch's answers as this loop saw them, for the per-epoch summary line. */
interface EpochTally {
  epoch: string;
  challenges: number;
  verdicts: Record<string, number>;
  unanswered: number;
  delivered: number[];
}

export interface LoopStats {
  challenges: number;
  verdicts: Record<string, number>;
  unanswered: number;
  errors: number;
}

/** Hard cap of consecutive failures logged in full; later ones are summarised. */
const MAX_LOUD_FAILURES = 5;

export async function runLoop(o: LoopOptions): Promise<LoopStats> {
  const stats: LoopStats = { challenges: 0, verdicts: {}, unanswered: 0, errors: 0 };
  const tally: { current?: EpochTally } = {};
  try {
    return await loop(o, stats, tally);
  } finally {
    if (tally.current) logEpochSummary(o, tally.current);
  }
}

async function loop(o: LoopOptions, stats: LoopStats, tally: { current?: EpochTally }): Promise<LoopStats> {
  const backoff = o.backoff ?? DEFAULT_BACKOFF;
  const maxPoll = o.maxPollMs ?? 5_000;
  let attempt = 0;
  let lastProcessReport = 0;
  let oracleInfo: OracleInfo | undefined;
  // At most one report in flight; the loop waits for it only when it stops.
  let reporting: Promise<void> | undefined;
  const wait = (ms: number) => sleep(ms, undefined, { signal: o.signal }).catch(() => undefined);

  // Loop bound: one challenge per pass, until aborted or maxChallenges is reached.
  while (!o.signal?.aborted && (o.maxChallenges === undefined || stats.challenges < o.maxChallenges)) {
    try {
      if (o.processReport && !reporting && Date.now() - lastProcessReport >= (o.processReportMs ?? 30_000)) {
        lastProcessReport = Date.now();
        // The oracle's chain, registry and address the report is signed for (asked once; an
        // unreachable oracle is the loop's usual backoff below).
        oracleInfo ??= await o.client.info();
        // Beside the loop, not in its way: a pushed challenge is answered while /proc is read.
        reporting = reportProcesses(o, o.processReport, oracleInfo).finally(() => (reporting = undefined));
      }

      const next = await o.client.next();
      if (attempt > 0) o.log("info", "oracle.back", `oracle ${o.client.baseUrl} reachable again`);
      attempt = 0;
      o.metrics?.connection(o.client.baseUrl, "connected");
      if ("retryAfterMs" in next) {
        await wait(Math.min(Math.max(next.retryAfterMs, 50), maxPoll));
        continue;
      }
      const epoch = String(next.challenge.epoch);
      if (tally.current && tally.current.epoch !== epoch) logEpochSummary(o, tally.current);
      if (!tally.current || tally.current.epoch !== epoch) tally.current = { epoch, challenges: 0, verdicts: {}, unanswered: 0, delivered: [] };
      await handleChallenge(o, next.challenge, stats, tally.current);
    } catch (err) {
      if (err instanceof AgentError && (err.reason === "FraudUnacknowledged" || err.reason === "BadUrl")) throw err;
      if (o.signal?.aborted) break;
      if (err instanceof AgentError && err.reason === "OracleUnreachable") {
        const delay = backoffDelay(attempt, backoff);
        attempt++;
        o.metrics?.connection(o.client.baseUrl, "unreachable");
        const cause = rootCause(err);
        o.log("warn", "oracle.unreachable", `${err.shortMessage}${cause && !err.shortMessage.includes(cause) ? ` (${cause})` : ""}; retry ${attempt} in ${(delay / 1000).toFixed(1)} s`, { retryInMs: delay, attempt, cause });
        await wait(delay);
        continue;
      }
      if (err instanceof AgentError && ["NotRegistered", "Jailed", "Exiting", "WrongChain"].includes(err.reason)) {
        if (err.reason === "WrongChain") throw err;
        o.metrics?.connection(o.client.baseUrl, "refused");
        const chain = o.onStatusProblem ? await o.onStatusProblem(err).catch(() => undefined) : undefined;
        // Bounded: at least 1 s (no hammering), at most 10 min (a lifted jail is noticed).
        const delay = Math.min(Math.max(chain?.waitMs ?? o.statusRetryMs ?? 30_000, 1_000), 10 * 60_000);
        o.log("error", "node.status", `${chain?.message ?? err.message}; asking again in ${(delay / 1000).toFixed(0)} s`, { code: err.code, retryInMs: delay });
        await wait(delay);
        continue;
      }
      stats.errors++;
      const quiet = stats.errors > MAX_LOUD_FAILURES;
      o.log(quiet ? "debug" : "error", "loop.error", describeError(err), { code: err instanceof AgentError ? err.code : undefined });
      await wait(Math.min(1_000 * stats.errors, maxPoll));
    }
  }
  await reporting;
  return stats;
}

/** Builds, logs and sends one process report; a failure is logged, never thrown (the loop goes on). */
async function reportProcesses(o: LoopOptions, build: NonNullable<LoopOptions["processReport"]>, info: OracleInfo): Promise<void> {
  try {
    const report = await build(info);
    const r = report.report;
    const leased = r.leaseCgroup !== "" || r.leaseContainerId !== "";
    // During a lease a listed process is foreign to the renter: warned; outside one, the operator's own jobs.
    if (r.processes.length > 0) {
      o.log(leased ? "warn" : "debug", "processes.foreign", `${r.processes.length} GPU process(es) outside the agent${leased ? " and the lease's container" : ""}: ${r.processes.map((p) => `${p.pid} ${p.command.slice(0, 60)}`).join("; ")}`, {
        processes: r.processes.length,
      });
    }
    await o.client.processes(report);
  } catch (err) {
    o.log("warn", "processes.failed", `could not report GPU processes: ${describeError(err)}`);
  }
}

/** FLOPs of a gemm challenge (2·batch·n³), undefined for other kinds or a spec without sizes. */
function challengeFlops(ch: Challenge): number | undefined {
  const { n, batch } = ch.spec as { n?: unknown; batch?: unknown };
  return ch.kind === "gemm" && typeof n === "number" && typeof batch === "number" ? 2 * batch * n ** 3 : undefined;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The per-epoch summary line: counts by verdict, and delivered against claimed. */
function logEpochSummary(o: LoopOptions, t: EpochTally): void {
  const counts = Object.entries(t.verdicts).sort(([a], [b]) => a.localeCompare(b)).map(([v, n]) => `${n} ${v}`);
  if (t.unanswered) counts.push(`${t.unanswered} unanswered`);
  const delivered = median(t.delivered);
  const claim = o.claimGflops?.();
  const delivery = deliveryText(delivered, claim);
  const bad = Object.keys(t.verdicts).filter((v) => v !== "pass" && v !== "void");
  const level = t.verdicts.fraud || t.verdicts.fail ? "error" : bad.length > 0 || t.unanswered > 0 ? "warn" : "info";
  o.log(level, "epoch.summary", `epoch ${t.epoch} at ${o.client.baseUrl}: ${t.challenges} challenge(s), ${counts.join(", ") || "none answered"}${delivery ? `; ${delivery.replace("this machine delivers", "delivered")} (median)` : ""}`, {
    epoch: t.epoch,
    oracle: o.client.baseUrl,
    challenges: t.challenges,
    verdicts: t.verdicts,
    unanswered: t.unanswered,
    deliveredGflops: delivered === undefined ? undefined : Math.round(delivered),
    claimGflops: claim,
  });
}

async function handleChallenge(o: LoopOptions, ch: Challenge, stats: LoopStats, tally: EpochTally): Promise<void> {
  stats.challenges++;
  tally.challenges++;
  const t0 = performance.now();
  o.log("info", "challenge.received", `challenge ${ch.challengeId}: ${ch.kind} epoch ${ch.epoch} round ${ch.round}`, {
    challengeId: ch.challengeId,
    kind: ch.kind,
    epoch: ch.epoch,
    round: ch.round,
  });
  const solved = await o.solver.solve(ch);
  if (!solved) {
    stats.unanswered++;
    tally.unanswered++;
    o.metrics?.verdict(o.client.baseUrl, ch.kind, "unanswered");
    o.log("info", "challenge.skipped", `challenge ${ch.challengeId} left unanswered (behaviour ${o.solver.name})`, { challengeId: ch.challengeId });
    return;
  }
  const computeMs = performance.now() - t0;
  let openings: number[];
  if (ch.root !== undefined) {
    // Committed before a restart of this agent: the same honest work gives the same root.
    if (ch.root.toLowerCase() !== solved.root.toLowerCase()) {
      o.log("warn", "challenge.lost", `challenge ${ch.challengeId} was committed with another root before a restart; it cannot be opened`, { challengeId: ch.challengeId });
      return;
    }
    openings = ch.openings ?? [];
  } else {
    try {
      openings = (await o.client.commit(ch.challengeId, solved.root)).openings;
    } catch (err) {
      // Committed after the deadline: the oracle counts it as missed; say how far off the claim this machine is.
      if (!(err instanceof OracleRejection) || err.oracleCode !== "OR115") throw err;
      const flops = challengeFlops(ch);
      const deliveredGflops = flops === undefined ? undefined : flops / ((performance.now() - t0) * 1e6);
      const verdict = /void/.test(err.message) ? "void" : "missed";
      stats.verdicts[verdict] = (stats.verdicts[verdict] ?? 0) + 1;
      tally.verdicts[verdict] = (tally.verdicts[verdict] ?? 0) + 1;
      if (deliveredGflops !== undefined) tally.delivered.push(deliveredGflops);
      o.metrics?.verdict(o.client.baseUrl, ch.kind, verdict);
      const claimGflops = o.claimGflops?.();
      const { level, advice } = verdict === "void" ? verdictAdvice({ verdict }) : verdictAdvice({ verdict: "late", deliveredGflops, claimGflops });
      o.log(level, "challenge.verdict", `challenge ${ch.challengeId} (${ch.kind}, epoch ${ch.epoch}): ${verdict} (committed after the deadline); computed in ${computeMs.toFixed(0)} ms on ${solved.provider}${advice ? `\n  ${advice}` : ""}`, {
        challengeId: ch.challengeId, kind: ch.kind, epoch: ch.epoch, round: ch.round, verdict, reason: "committed after the deadline", computeMs: Math.round(computeMs),
        deliveredGflops: deliveredGflops === undefined ? undefined : Math.round(deliveredGflops), claimGflops, advice,
      });
      return;
    }
  }
  const opened = solved.open(openings);
  // The answer's time as the oracle sees it, near enough: from receipt to the openings sent.
  const answerMs = performance.now() - t0;
  const answer = await o.client.open(ch.challengeId, opened, { spec: ch.spec, root: solved.root }, solved.extra);
  const verdictMs = performance.now() - t0;
  const verdict = String(answer.verdict);
  stats.verdicts[verdict] = (stats.verdicts[verdict] ?? 0) + 1;
  tally.verdicts[verdict] = (tally.verdicts[verdict] ?? 0) + 1;
  const flops = challengeFlops(ch);
  const deliveredGflops = flops === undefined ? undefined : flops / (answerMs * 1e6);
  if (deliveredGflops !== undefined) tally.delivered.push(deliveredGflops);
  o.metrics?.verdict(o.client.baseUrl, ch.kind, verdict);
  o.metrics?.latency(o.client.baseUrl, ch.kind, computeMs / 1000, verdictMs / 1000);
  if (deliveredGflops !== undefined) o.metrics?.delivered(o.client.baseUrl, ch.kind, deliveredGflops);
  const claimGflops = o.claimGflops?.();
  const { level, advice } = verdictAdvice({ verdict, reason: answer.reason, deliveredGflops, claimGflops });
  o.log(
    level,
    "challenge.verdict",
    `challenge ${ch.challengeId} (${ch.kind}, epoch ${ch.epoch}): ${verdict}${answer.reason ? ` (${answer.reason})` : ""}; computed in ${computeMs.toFixed(0)} ms on ${solved.provider}, opened ${openings.length}${advice ? `\n  ${advice}` : ""}`,
    {
      challengeId: ch.challengeId, kind: ch.kind, epoch: ch.epoch, round: ch.round, verdict, reason: answer.reason, computeMs: Math.round(computeMs), answerMs: Math.round(answerMs),
      openings: openings.length, root: solved.root, deliveredGflops: deliveredGflops === undefined ? undefined : Math.round(deliveredGflops), claimGflops, advice,
    },
  );
  if (verdict === "fraud") {
    o.onFraud?.({ challengeId: ch.challengeId, epoch: String(ch.epoch), kind: ch.kind, reason: String(answer.reason ?? ""), oracle: o.client.baseUrl, at: new Date().toISOString() });
    throw new AgentError("FraudUnacknowledged", `challenge ${ch.challengeId} (epoch ${ch.epoch}) was judged fraud: the agent stops answering`, {
      hint: verdictAdvice({ verdict }).advice,
    });
  }
}
