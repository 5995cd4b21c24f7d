/**
 * The judge: one node's challenge results over an epoch in, one verdict out. Pure.
 *
 * Verdicts, in order of precedence:
 *  - fraudulent: any answered challenge whose verification failed (a wrong committed result).
 *    Slashed FRAUD_SLASH_BPS, with the evidence hashes of the wrong answers.
 *  - unavailable: fewer than `minReachableShare` of the challenges reached the node. Not paid,
 *    not slashed.
 *  - under-delivering: the throughput test or the capacity test below condemns the claim.
 *    Slashed by how far the claim is overstated, at most OVERCLAIM_MAX_SLASH_BPS.
 *  - honest: paid on min(claim, measured throughput).
 *
 * Throughput test (a one-sided sign test; robust to outliers of any size).
 * Noise model of an HONEST node, per work challenge i, independently:
 *   ln(ratio_i) = ln(η) + ε_i with η >= honestFloor (the node delivers at least 90 % of its claim
 *   on average: claims come from `agent bench`) and ε_i ~ N(0, σ²) (efficiency spread across
 *   runs plus timing jitter: 50 ms on a >= 2 s challenge is 2.5 %; σ = 0.08 by default);
 *   in addition, with probability <= outlierRate, the challenge is slow by any amount or misses
 *   its deadline (a hiccup: GC pause, network stall).
 * A challenge is "short" when its ratio is below `shortRatio` (or it missed its deadline after
 * the node acknowledged it). Under the model,
 *   P(short) <= q = outlierRate + (1 - outlierRate) · Φ((ln shortRatio - ln honestFloor) / σ).
 * The node is condemned when the number of short challenges S among c reaches K*, the least k
 * with P(Binomial(c, q) >= k) <= α/2. So P(condemn an honest node in an epoch) <= α/2 for this
 * test (the tail is exact, no normal approximation), and the capacity test below gets the other
 * α/2: α in total, by the union bound. α defaults to 1e-6.
 * A node that overclaims 2x has ratios near 0.5 < shortRatio = 0.7: every challenge is short,
 * so it is condemned as soon as c >= K*(c) (c >= 4 with the defaults; 17 per epoch in production).
 *
 * Capacity test: vram probes late beyond their bound, same binomial rule with q = outlierRate.
 *
 * The bound holds for the model; it is only as good as the model. The simulator and the tests
 * measure the false-condemnation rate under this noise (judge.test.ts, Monte Carlo).
 */
import { encodeAbiParameters, keccak256, type Hex } from "viem";
import { SlashReason } from "./protocol";
import { median } from "./timing";
import type { ChallengeResult } from "./verdict";

/** Reason of an unanswered challenge the node acknowledged but did not finish in time. */
export const DEADLINE_MISSED = "DeadlineMissed";
/** Reason of a challenge that never reached the node (no acknowledgement). */
export const UNREACHABLE = "Unreachable";

/** Most challenges judged per node and epoch (bounds every loop here). */
export const MAX_CHALLENGES_PER_EPOCH = 1024;
export const FRAUD_SLASH_BPS = 5000;
export const OVERCLAIM_MAX_SLASH_BPS = 2000;

export interface JudgeParams {
  /** Largest chance of condemning an honest node in one epoch. */
  alpha: number;
  /** Least mean delivered/claimed ratio of an honest node. */
  honestFloor: number;
  /** Standard deviation of an honest node's ln(ratio). */
  sigma: number;
  /** Chance an honest challenge is slowed arbitrarily or misses its deadline. */
  outlierRate: number;
  /** A challenge below this ratio is short. */
  shortRatio: number;
  /** Share of challenges that must reach the node for it to count as available. */
  minReachableShare: number;
}

export const DEFAULT_JUDGE_PARAMS: JudgeParams = {
  alpha: 1e-6,
  honestFloor: 0.9,
  sigma: 0.08,
  outlierRate: 0.01,
  shortRatio: 0.7,
  minReachableShare: 0.5,
};

export type NodeVerdict = "honest" | "unavailable" | "under-delivering" | "fraudulent";

export interface JudgeStats {
  challenges: number;
  reachable: number;
  answered: number;
  correct: number;
  wrong: number;
  work: { count: number; short: number; critical: number | null; q: number; tailProbability: number; medianRatio: number | null; meanLogRatio: number | null };
  vram: { count: number; late: number; critical: number | null; tailProbability: number };
  latencyMs: { median: number | null; max: number | null };
}

export interface Judgment {
  verdict: NodeVerdict;
  /** Suggested slash in basis points (0 when none); rounded up, against the slashed party. */
  slashBps: number;
  slashReason: SlashReason | null;
  /** keccak256 of the evidence behind a slash. */
  evidence: Hex | null;
  /** Throughput to pay on, GFLOP/s: the claim, or the measured median when below it. */
  paidGflops: number;
  stats: JudgeStats;
  notes: string[];
}

export class JudgeError extends Error {
  constructor(message: string) {
    super(`JudgeBadInput: ${message}`);
    this.name = "JudgeError";
  }
}

/** Complementary error function (Numerical Recipes erfcc, fractional error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** P(Binomial(n, p) >= k), exact sum in log space (n <= MAX_CHALLENGES_PER_EPOCH). */
export function binomialTail(n: number, p: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let s = 0;
  for (let i = k; i <= n; i++) s += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
  return Math.min(1, s);
}

const criticalMemo = new Map<string, number | null>();
/** Most memoised (n, p, a) triples; the memo is cleared beyond it. */
const CRITICAL_MEMO_MAX = 4096;

/** Least k with P(Binomial(n, p) >= k) <= a, or null when even k = n is too likely. */
export function criticalCount(n: number, p: number, a: number): number | null {
  const key = `${n}:${p}:${a}`;
  const hit = criticalMemo.get(key);
  if (hit !== undefined) return hit;
  let found: number | null = null;
  // The tail decreases in k: scan down from n while it stays within a.
  for (let k = n; k >= 0 && binomialTail(n, p, k) <= a; k--) found = k;
  if (criticalMemo.size >= CRITICAL_MEMO_MAX) criticalMemo.clear();
  criticalMemo.set(key, found);
  return found;
}

/** q: the most an honest challenge can be short, under the model. */
export function shortProbability(p: JudgeParams): number {
  const z = (Math.log(p.shortRatio) - Math.log(p.honestFloor)) / p.sigma;
  return p.outlierRate + (1 - p.outlierRate) * normalCdf(z);
}

function checkParams(p: JudgeParams): void {
  const ok =
    p.alpha > 0 && p.alpha < 1 && p.honestFloor > 0 && p.honestFloor <= 1 && p.sigma > 0 && p.outlierRate >= 0 &&
    p.outlierRate < 1 && p.shortRatio > 0 && p.shortRatio < p.honestFloor && p.minReachableShare >= 0 && p.minReachableShare <= 1;
  if (!ok) throw new JudgeError(`parameters out of range: ${JSON.stringify(p)}`);
}

const ZERO = ("0x" + "00".repeat(32)) as Hex;

/**
 * Judges one node's epoch. `claimGflops` is the claim the challenges were sized to.
 */
export function judgeNode(results: readonly ChallengeResult[], claimGflops: number, params: Partial<JudgeParams> = {}): Judgment {
  const p = { ...DEFAULT_JUDGE_PARAMS, ...params };
  checkParams(p);
  if (!Array.isArray(results)) throw new JudgeError("results must be a list");
  if (results.length > MAX_CHALLENGES_PER_EPOCH) throw new JudgeError(`${results.length} results > ${MAX_CHALLENGES_PER_EPOCH}`);
  if (!(claimGflops > 0)) throw new JudgeError(`claim ${claimGflops} GFLOP/s`);
  const notes: string[] = [];
  const reachable = results.filter((r) => r.answered || r.reason !== UNREACHABLE);
  const answered = results.filter((r) => r.answered);
  const wrong = answered.filter((r) => !r.correct);
  const work = reachable.filter((r) => r.kind !== "vram");
  const ratios = work.filter((r) => r.answered && r.correct && r.ratio !== null).map((r) => r.ratio as number);
  const isShort = (r: ChallengeResult) => (r.answered ? r.ratio !== null && r.ratio < p.shortRatio : r.reason === DEADLINE_MISSED);
  const shortOnes = work.filter(isShort);
  const q = shortProbability(p);
  const criticalWork = criticalCount(work.length, q, p.alpha / 2);
  const vram = reachable.filter((r) => r.kind === "vram");
  const late = vram.filter((r) => (r.answered ? r.inTime === false : r.reason === DEADLINE_MISSED));
  const criticalVram = criticalCount(vram.length, p.outlierRate, p.alpha / 2);
  const latencies = answered.map((r) => r.latencyMs).filter((x): x is number => x !== null);
  const medianRatio = ratios.length ? median(ratios) : null;
  const stats: JudgeStats = {
    challenges: results.length,
    reachable: reachable.length,
    answered: answered.length,
    correct: answered.length - wrong.length,
    wrong: wrong.length,
    work: {
      count: work.length,
      short: shortOnes.length,
      critical: criticalWork,
      q,
      tailProbability: shortOnes.length === 0 ? 1 : binomialTail(work.length, q, shortOnes.length),
      medianRatio,
      meanLogRatio: ratios.length ? ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length : null,
    },
    vram: { count: vram.length, late: late.length, critical: criticalVram, tailProbability: late.length === 0 ? 1 : binomialTail(vram.length, p.outlierRate, late.length) },
    latencyMs: { median: latencies.length ? median(latencies) : null, max: latencies.length ? Math.max(...latencies) : null },
  };
  const paidGflops = medianRatio === null ? 0 : claimGflops * Math.min(1, medianRatio);

  if (wrong.length > 0) {
    notes.push(`${wrong.length} wrong answer(s): ${wrong.map((w) => w.reason).join(", ")}`);
    const evidence = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32[]" }, { type: "bytes32[]" }],
        [wrong.map((w) => w.challengeHash), wrong.map((w) => w.evidence ?? ZERO)],
      ),
    );
    return { verdict: "fraudulent", slashBps: FRAUD_SLASH_BPS, slashReason: SlashReason.Fraud, evidence, paidGflops: 0, stats, notes };
  }
  if (results.length === 0 || reachable.length < p.minReachableShare * results.length) {
    notes.push(`${reachable.length} of ${results.length} challenges reached the node`);
    return { verdict: "unavailable", slashBps: 0, slashReason: null, evidence: null, paidGflops: 0, stats, notes };
  }
  const workCondemned = criticalWork !== null && shortOnes.length >= criticalWork;
  const vramCondemned = criticalVram !== null && late.length >= criticalVram;
  if (criticalWork === null && work.length > 0) notes.push(`${work.length} work challenges are too few to condemn at alpha ${p.alpha}`);
  if (workCondemned || vramCondemned) {
    // Delivered share: the median ratio, or 0 when no challenge finished. Slash grows with the
    // overstatement and is rounded up (against the slashed party), capped.
    const delivered = workCondemned ? Math.min(1, medianRatio ?? 0) : p.shortRatio;
    const slashBps = Math.min(OVERCLAIM_MAX_SLASH_BPS, Math.ceil(OVERCLAIM_MAX_SLASH_BPS * 2 * (1 - delivered)));
    const evidenceRows = [...(workCondemned ? work : []), ...(vramCondemned ? vram : [])];
    const evidence = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32[]" }, { type: "uint64[]" }, { type: "uint64[]" }],
        [
          evidenceRows.map((r) => r.challengeHash),
          // Microseconds, rounded down (the node's measured time, never inflated).
          evidenceRows.map((r) => BigInt(Math.floor((r.elapsedSeconds ?? 0) * 1e6))),
          evidenceRows.map((r) => BigInt(Math.floor((r.kind === "vram" ? (r.latencyMs ?? 0) / 1000 : (r.expectedSeconds ?? 0)) * 1e6))),
        ],
      ),
    );
    if (workCondemned) notes.push(`${shortOnes.length} of ${work.length} work challenges below ${p.shortRatio} of the claim (critical ${criticalWork})`);
    if (vramCondemned) notes.push(`${late.length} of ${vram.length} capacity probes late (critical ${criticalVram})`);
    return { verdict: "under-delivering", slashBps, slashReason: SlashReason.Overclaim, evidence, paidGflops, stats, notes };
  }
  return { verdict: "honest", slashBps: 0, slashReason: null, evidence: null, paidGflops, stats, notes };
}
