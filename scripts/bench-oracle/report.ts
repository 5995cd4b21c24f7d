/**
 * The oracle benchmark's arithmetic, pure: who is to blame for each challenge that did not pass,
 * the per-phase CPU figures, and the extrapolation to production epochs
 *
 *   nodesPerCoreAt1hEpochs = 3600 s / (idle CPU s per node-hour + challenges per node-epoch x CPU s per challenge)
 *
 * (with one-hour epochs a node-hour is a node-epoch; the production profile's challenges per
 * node and epoch come from protocol/committee-params.ts).
 */
import type { ChallengeOutcome } from "../../oracle/store/challenges";
import { CHALLENGE_VERDICT } from "../../oracle/store/status";
import type { ChallengeTrace } from "./load-messages";

export interface Blame {
  /** Verdicts of the measured epochs' challenges. */
  verdicts: Record<string, number>;
  /**
   * Not passed for the oracle's own doing: voided, a verifier error, never pushed to a connected
   * node, or judged late or missed although the node had sent its answer in time.
   */
  missedByOracle: number;
  /** Late or missed because the load generator itself answered after the deadline. */
  missedByLoad: number;
  /** A wrong answer (fail, fraud): the load generator's solver or the verifier is broken. */
  wrong: number;
  /** A few of the oracle's failures, for the report. */
  examples: string[];
}

const MAX_EXAMPLES = 5;

/**
 * Sorts the non-passing challenges by fault. `leadMs` is the oracle's chain clock minus the load
 * generator's wall clock (deadlines are on the chain clock, traces on the wall clock).
 */
export function blame(outcomes: readonly ChallengeOutcome[], traces: readonly ChallengeTrace[], leadMs: number): Blame {
  const byId = new Map(traces.map((t) => [t.id, t]));
  const verdicts: Record<string, number> = {};
  let missedByOracle = 0;
  let missedByLoad = 0;
  let wrong = 0;
  const examples: string[] = [];
  const oracle = (o: ChallengeOutcome, why: string) => {
    missedByOracle++;
    if (examples.length < MAX_EXAMPLES) examples.push(`${o.id} (epoch ${o.epoch}): ${why}`);
  };
  for (const o of outcomes) {
    const v = o.verdict ?? "none";
    verdicts[v] = (verdicts[v] ?? 0) + 1;
    if (v === CHALLENGE_VERDICT.Pass) continue;
    if (v === CHALLENGE_VERDICT.Fail || v === CHALLENGE_VERDICT.Fraud) {
      wrong++;
      continue;
    }
    if (v === CHALLENGE_VERDICT.Void || v === CHALLENGE_VERDICT.Error || v === "none") {
      oracle(o, `${v}: ${o.reason ?? ""}`);
      continue;
    }
    // late or missed
    const t = byId.get(o.id);
    if (o.issued_at === null || !t) {
      oracle(o, `${v}: never pushed to the node`);
      continue;
    }
    const sent = t.openSent ?? t.commitSent;
    const inTime = sent !== undefined && o.deadline !== null && sent + leadMs <= o.deadline && (t.openSent !== undefined || t.error !== undefined);
    if (inTime) oracle(o, `${v}: the node sent its answer ${o.deadline! - (sent! + leadMs)} ms before the deadline${t.error ? ` (${t.error})` : ""}`);
    else missedByLoad++;
  }
  return { verdicts, missedByOracle, missedByLoad, wrong, examples };
}

/** Percentiles of a list of numbers (nearest rank); 0 for an empty list. */
export function percentile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export interface CapacityInputs {
  /** Oracle CPU per connected node per hour with no challenge due, s. */
  idleCpuSecondsPerNodeHour: number;
  /** Oracle CPU per challenge, the idle share taken out, s. */
  cpuSecondsPerChallenge: number;
  /** Challenges per node and epoch at the production cadence. */
  challengesPerNodeEpoch: number;
  /** Production epoch length, s (one hour). */
  epochSeconds?: number;
}

/** Nodes one core serves at the production cadence: the core's seconds over one node's seconds. */
export function nodesPerCore(c: CapacityInputs): number {
  const epoch = c.epochSeconds ?? 3600;
  const perNodeEpoch = c.idleCpuSecondsPerNodeHour * (epoch / 3600) + c.challengesPerNodeEpoch * c.cpuSecondsPerChallenge;
  return perNodeEpoch > 0 ? epoch / perNodeEpoch : Infinity;
}

/** The formula with its numbers, as the report prints it. */
export function capacityFormula(c: CapacityInputs): string {
  const perNode = c.idleCpuSecondsPerNodeHour + c.challengesPerNodeEpoch * c.cpuSecondsPerChallenge;
  return (
    `nodesPerCoreAt1hEpochs = 3600 s / (idle ${fmt(c.idleCpuSecondsPerNodeHour)} s per node-hour + ${c.challengesPerNodeEpoch} challenges per node-epoch x ${fmt(c.cpuSecondsPerChallenge * 1000)} ms per challenge)` +
    ` = 3600 / ${fmt(perNode)} = ${Math.round(nodesPerCore(c)).toLocaleString("en-US")} (extrapolation)`
  );
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toPrecision(3));

/** The oracle's idle CPU as a fixed part and a part per connected node, fitted over fleet sizes. */
export interface IdleFit {
  /** CPU seconds per second whatever the fleet (epoch loop, chain reads, timers). */
  fixedCpuPerSecond: number;
  /** CPU seconds per connected node per hour. */
  perNodeHourSeconds: number;
}

/** Least-squares line through (nodes, idle CPU seconds per second); undefined under two sizes. */
export function fitIdle(points: readonly { nodes: number; cpuPerSecond: number }[]): IdleFit | undefined {
  if (points.length < 2) return undefined;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.nodes, 0) / n;
  const my = points.reduce((a, p) => a + p.cpuPerSecond, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.nodes - mx) ** 2, 0);
  if (sxx === 0) return undefined;
  const slope = points.reduce((a, p) => a + (p.nodes - mx) * (p.cpuPerSecond - my), 0) / sxx;
  return { fixedCpuPerSecond: my - slope * mx, perNodeHourSeconds: Math.max(0, slope) * 3600 };
}

/**
 * Nodes per core with the fixed idle part taken from the core's time instead of spread over the
 * measured fleet: 3600 x (1 - fixed) / (per-node idle + challenges x CPU per challenge).
 */
export function nodesPerCoreFitted(fit: IdleFit, cpuSecondsPerChallenge: number, challengesPerNodeEpoch: number): number {
  const free = 3600 * (1 - Math.max(0, fit.fixedCpuPerSecond));
  const perNode = fit.perNodeHourSeconds + challengesPerNodeEpoch * cpuSecondsPerChallenge;
  return perNode > 0 ? free / perNode : Infinity;
}
