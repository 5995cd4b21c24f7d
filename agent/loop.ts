/**
 * The challenge loop of `agent run`: ask the oracle for the next challenge, run it, commit the
 * Merkle root of the result, answer the openings, repeat. A reconciliation loop: every pass
 * starts from "what does the oracle want from me now", so a crash, a restart of the oracle or a
 * lost answer heals on the next pass. Unreachable oracle: exponential backoff with jitter and a
 * countdown in the log. Not registered or jailed: a clear message, then a slow retry.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { AgentError, describeError } from "./errors";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff";
import type { Challenge } from "./client";
import type { OracleTransport } from "./session-client";
import type { Solver } from "./solver-types";
import type { Logger } from "./log";
import type { GpuProcess } from "./gpu";

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
  /** GPU processes on this machine (nvidia-smi), undefined when not available. */
  gpuProcesses?: () => Promise<GpuProcess[] | undefined>;
  /** How often GPU processes are reported, ms. */
  processReportMs?: number;
  /**
   * Called with a node-status problem (AG005/AG006/AG013) so the caller can check the chain:
   * returns the chain's account of it (e.g. "jailed until ...") and how long to wait.
   */
  onStatusProblem?: (err: AgentError) => Promise<{ waitMs?: number; message?: string } | undefined>;
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
  const backoff = o.backoff ?? DEFAULT_BACKOFF;
  const maxPoll = o.maxPollMs ?? 5_000;
  let attempt = 0;
  let lastProcessReport = 0;
  let saidNoGpu = false;
  const wait = (ms: number) => sleep(ms, undefined, { signal: o.signal }).catch(() => undefined);

  // Loop bound: one challenge per pass, until aborted or maxChallenges is reached.
  while (!o.signal?.aborted && (o.maxChallenges === undefined || stats.challenges < o.maxChallenges)) {
    try {
      if (o.gpuProcesses && Date.now() - lastProcessReport >= (o.processReportMs ?? 30_000)) {
        lastProcessReport = Date.now();
        const procs = await o.gpuProcesses();
        if (procs === undefined && !saidNoGpu) {
          saidNoGpu = true;
          o.log("info", "gpu.none", "nvidia-smi not available: reporting no GPU processes");
        }
        await o.client.processes(procs ?? []).catch((err) => o.log("warn", "processes.failed", `could not report GPU processes: ${describeError(err)}`));
      }

      const next = await o.client.next();
      if (attempt > 0) o.log("info", "oracle.back", `oracle ${o.client.baseUrl} reachable again`);
      attempt = 0;
      if ("retryAfterMs" in next) {
        await wait(Math.min(Math.max(next.retryAfterMs, 50), maxPoll));
        continue;
      }
      await handleChallenge(o, next.challenge, stats);
    } catch (err) {
      if (o.signal?.aborted) break;
      if (err instanceof AgentError && err.reason === "OracleUnreachable") {
        const delay = backoffDelay(attempt, backoff);
        attempt++;
        o.log("warn", "oracle.unreachable", `${err.shortMessage}; retry ${attempt} in ${(delay / 1000).toFixed(1)} s`, { retryInMs: delay, attempt });
        await wait(delay);
        continue;
      }
      if (err instanceof AgentError && ["NotRegistered", "Jailed", "Exiting", "WrongChain"].includes(err.code)) {
        if (err.reason === "WrongChain") throw err;
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
  return stats;
}

async function handleChallenge(o: LoopOptions, ch: Challenge, stats: LoopStats): Promise<void> {
  stats.challenges++;
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
    openings = (await o.client.commit(ch.challengeId, solved.root)).openings;
  }
  const answer = await o.client.open(ch.challengeId, solved.open(openings), solved.extra);
  const verdict = String(answer.verdict);
  stats.verdicts[verdict] = (stats.verdicts[verdict] ?? 0) + 1;
  o.log(
    verdict === "pass" ? "info" : "warn",
    "challenge.verdict",
    `challenge ${ch.challengeId} (${ch.kind}, epoch ${ch.epoch}): ${verdict}${answer.reason ? ` (${answer.reason})` : ""}; computed in ${computeMs.toFixed(0)} ms on ${solved.provider}, opened ${openings.length}`,
    { challengeId: ch.challengeId, kind: ch.kind, epoch: ch.epoch, round: ch.round, verdict, reason: answer.reason, computeMs: Math.round(computeMs), openings: openings.length, root: solved.root },
  );
}
