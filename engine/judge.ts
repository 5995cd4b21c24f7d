/**
 * The judge: one node's challenge results over an epoch in, one verdict out. Pure.
 *
 * Verdicts, in order of precedence:
 *  - fraudulent: any answered challenge of this epoch whose verification failed (a wrong
 *    committed result). Slashed FRAUD_SLASH_BPS, with the evidence hashes of the wrong answers.
 *  - unavailable: fewer than `minReachableShare` of this epoch's challenges reached the node.
 *    Not paid, not slashed.
 *  - under-delivering: the gross test, the on-claim test or the capacity test below condemns
 *    the claim. Slashed by how far the claim is overstated, at most OVERCLAIM_MAX_SLASH_BPS.
 *  - honest.
 * Honest and under-delivering nodes are paid on what they delivered: their measured capacity is
 * the claim times the mean of min(ratio, PAY_CAP_RATIO) over the epoch's verified work challenges,
 * late ones included (ratio = measured / claimed throughput, timed from the challenge's due
 * instant), and the caller pays that capacity for the work and the share of rounds answered on
 * time (oracle/judging.ts, engine/rewards.ts). The mean, not the median: a node that rents its
 * GPU out part of the epoch and answers slowly meanwhile is paid for the share of the epoch it
 * really worked, and identities that share one GPU in turn are each measured at their mean.
 *
 * Two deadlines per work challenge, both counted from its due instant (protocol/deadline.ts adds
 * a network floor to each):
 *  - on time: onTimeFactor(p) = exp(onTimeSigmas · σ) / honestFloor times the expected time at
 *    the claim (1.16 by default). An undisturbed honest challenge (ratio >= honestFloor · e^ε)
 *    meets it except with probability Φ(-onTimeSigmas) (3e-5). Only challenges answered on time
 *    count as paid work and uptime; a late one still carries its ratio to the tests below and
 *    to the measured capacity.
 *  - cut-off: cutoffFactor(p) = 1 / shortRatio (2). Past it the oracle stops waiting and the
 *    challenge is missed; a miss then implies a ratio below shortRatio, so counting it as short
 *    (gross test) and not on-claim (on-claim test) changes neither test's bound.
 * A throttled honest challenge (ratio >= throttleFloor · honestFloor = 0.63) lands between the
 * two: it is unpaid, never missed, and judged on its ratio as before.
 *
 * Noise model of an HONEST node (what every bound below assumes). Each work challenge falls at
 * a secret uniform instant of the epoch, so given the node's troubles (a thermal-throttling
 * stretch, a lossy link), each challenge independently is
 *  - disturbed with probability <= `disturbedRate` (it ran throttled or its answer met a network
 *    loss or spike): a disturbed challenge still runs at >= `throttleFloor` of the node's
 *    throughput, except with probability <= `outlierRate` (a hiccup of any size, a missed
 *    deadline);
 *  - otherwise clean: ln(ratio) = ln(η) + ε, ε ~ N(0, σ²), where η >= `honestFloor` is the
 *    node's undisturbed throughput over its claim. `agent bench` claims HONEST_CLAIM_SHARE
 *    (0.85) of the throughput it measures, so η is about 1.18, and stays above the floor of 1.05
 *    unless the bench overestimated the node by more than 12 %.
 *
 * Gross test (this epoch; catches a claim of twice the hardware or more at once). A challenge is
 * short when its ratio is below `shortRatio` (0.5) or it missed its deadline after the node
 * picked it up. Under the model P(short) <= q = outlierRate + Φ((ln shortRatio -
 * ln(throttleFloor · honestFloor)) / σ); the node is condemned when the short count reaches the
 * least k with P(Binomial(c, q) >= k) <= α/3.
 *
 * On-claim test (this epoch and the node's earlier epochs in the oracle's window, 3 by default,
 * every challenge issued in them whether the node picked it up or not, without the epochs it was
 * judged unavailable; catches a moderate overclaim). A challenge is on-claim when it was answered, verified, and
 * delivered at least `onClaimRatio` (1.0) of the claim. Under the model P(on-claim) >= s =
 * (1 - disturbedRate) · Φ((ln honestFloor - ln onClaimRatio) / σ); the node is condemned when
 * the on-claim count over the window's c challenges is below the largest k with
 * P(Binomial(c, s) < k) <= α/3. A node that claims 15 % more than it has delivers about 0.87 of
 * its claim: on-claim less than once in a thousand, against s = 0.33 for the worst honest node. Too
 * few challenges (one or two epochs at the production cadence) can condemn nobody; the test
 * then waits for the window to fill.
 *
 * Capacity test: vram probes late beyond their bound, same binomial rule with q = outlierRate,
 * α/3.
 *
 * By the union bound P(condemn an honest node in an epoch) <= α (1e-6) under the model; the
 * tails are exact binomial sums, no normal approximation. The bound is only as good as the
 * model: judge.test.ts checks it by Monte Carlo at the model's worst case, and the fleet
 * simulator (sim/) measures it under its own, independent noise (throttling stretches, lossy
 * links, retries).
 */
import { ENGINE_ERRORS } from "./error-codes";
import { PoaiError, type PoaiErrorOptions } from "./errors";
import { encodeAbiParameters, keccak256, zeroHash, type Hex } from "viem";
import { SlashReason } from "./slash-reason";
import { binomialTail, criticalCount, lowerCriticalCount, normalCdf } from "./stats";
import { median } from "./timing";
import type { ChallengeResult } from "./verdict";

/** Reason of an unanswered challenge the node acknowledged but did not finish in time. */
export const DEADLINE_MISSED = "DeadlineMissed";
/** Reason of a challenge that never reached the node (no acknowledgement). */
export const UNREACHABLE = "Unreachable";

/** Most challenges judged per node and epoch (bounds every loop here). */
export const MAX_CHALLENGES_PER_EPOCH = 1024;
/** Most epochs in the on-claim test's window, this one included (the oracle's judgeWindowEpochs). */
export const MAX_JUDGE_WINDOW_EPOCHS = 8;
/** Most earlier results the on-claim test reads (a window of a few epochs). */
export const MAX_WINDOW_RESULTS = 4096;
export const FRAUD_SLASH_BPS = 5000;
export const OVERCLAIM_MAX_SLASH_BPS = 2000;
/**
 * Share of its measured throughput an honest node claims (`agent bench` on a GPU): the room
 * between this and the judge's honestFloor absorbs a bench that overestimated the node.
 */
export const HONEST_CLAIM_SHARE = 0.85;
/**
 * Pay follows measured throughput up to this multiple of the claim: an honest node claiming
 * HONEST_CLAIM_SHARE of what it has is paid for all of it (1 / 0.85 = 1.18), while stake stays
 * sized to the claim within this factor.
 */
export const PAY_CAP_RATIO = 1.3;

export interface JudgeParams {
  /** Largest chance of condemning an honest node in one epoch (split over the three tests). */
  alpha: number;
  /** Least undisturbed delivered/claimed throughput of an honest node. */
  honestFloor: number;
  /** Standard deviation of an undisturbed challenge's ln(ratio). */
  sigma: number;
  /** Most an honest challenge is disturbed (throttled, or its answer met a network loss or spike). */
  disturbedRate: number;
  /** Least throughput share of a disturbed honest challenge (a throttled GPU runs at >= this). */
  throttleFloor: number;
  /** Chance an honest challenge is slowed arbitrarily or misses its deadline. */
  outlierRate: number;
  /** Gross test: a challenge below this ratio is short. */
  shortRatio: number;
  /** On-claim test: a challenge at or above this ratio is on-claim. */
  onClaimRatio: number;
  /** Share of challenges that must reach the node for it to count as available. */
  minReachableShare: number;
  /**
   * An answered challenge expected to take less than this at the claim is checked for
   * correctness only: its time is within network noise (the embedded model's infer batch takes
   * milliseconds on a GPU), so it enters neither throughput test nor the pay mean.
   */
  minTimedSeconds: number;
  /** The on-time deadline leaves an undisturbed honest challenge this many σ of noise. */
  onTimeSigmas: number;
}

export const DEFAULT_JUDGE_PARAMS: JudgeParams = {
  alpha: 1e-6,
  honestFloor: 1.05,
  sigma: 0.05,
  disturbedRate: 0.6,
  throttleFloor: 0.6,
  outlierRate: 0.02,
  shortRatio: 0.5,
  onClaimRatio: 1,
  minReachableShare: 0.5,
  minTimedSeconds: 0.25,
  onTimeSigmas: 4,
};

/**
 * On-time deadline over the expected time at the claim: exp(onTimeSigmas · σ) / honestFloor
 * (1.163 by default). An undisturbed honest challenge's ratio is honestFloor · e^ε or more, so it
 * misses this only when ε < -onTimeSigmas · σ.
 */
export function onTimeFactor(p: Pick<JudgeParams, "onTimeSigmas" | "sigma" | "honestFloor"> = DEFAULT_JUDGE_PARAMS): number {
  return Math.exp(p.onTimeSigmas * p.sigma) / p.honestFloor;
}

/**
 * Cut-off over the expected time at the claim: 1 / shortRatio (2 by default). An answer later
 * than this has a ratio below shortRatio whatever it computed, so the oracle stops waiting and the
 * tests lose nothing by counting it missed.
 */
export function cutoffFactor(p: Pick<JudgeParams, "shortRatio"> = DEFAULT_JUDGE_PARAMS): number {
  return 1 / p.shortRatio;
}

export type NodeVerdict = "honest" | "unavailable" | "under-delivering" | "fraudulent";

export interface JudgeStats {
  challenges: number;
  reachable: number;
  answered: number;
  correct: number;
  wrong: number;
  work: {
    count: number;
    /** Gross test: short challenges of this epoch, the count that condemns (null: none can), q. */
    short: number;
    critical: number | null;
    q: number;
    tailProbability: number;
    /** On-claim test over the window (this epoch and the earlier results passed in). */
    windowCount: number;
    onClaim: number;
    /** Condemned below this many on-claim challenges (0: the window is too small to condemn). */
    onClaimCritical: number;
    s: number;
    medianRatio: number | null;
    /** Verified work challenges answered by the on-time deadline (inTime not false). */
    onTime: number;
    /** Mean of min(ratio, PAY_CAP_RATIO) over this epoch's verified work: the measured capacity pay follows. */
    paidRatio: number;
    meanLogRatio: number | null;
  };
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
  /** Throughput to pay on, GFLOP/s: claim x paidRatio (at most PAY_CAP_RATIO x the claim). */
  paidGflops: number;
  stats: JudgeStats;
  notes: string[];
}

/** Judgment inputs out of their domain (EN331). */
export { binomialHead, binomialTail, criticalCount, lowerCriticalCount, normalCdf } from "./stats";

export class JudgeError extends PoaiError {
  override name = "JudgeError";
  readonly reason = "JudgeBadInput";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super(ENGINE_ERRORS.JudgeBadInput, shortMessage, opts);
  }
}

/** q: the most an honest challenge can be short (gross test), under the model. */
export function shortProbability(p: JudgeParams): number {
  const z = (Math.log(p.shortRatio) - Math.log(p.throttleFloor * p.honestFloor)) / p.sigma;
  return Math.min(1, p.outlierRate + normalCdf(z));
}

/** s: the least an honest challenge is on-claim (on-claim test), under the model. */
export function onClaimProbability(p: JudgeParams): number {
  return (1 - p.disturbedRate) * normalCdf((Math.log(p.honestFloor) - Math.log(p.onClaimRatio)) / p.sigma);
}

function checkParams(p: JudgeParams): void {
  const ok =
    p.alpha > 0 && p.alpha < 1 && p.honestFloor > 0 && p.sigma > 0 && p.disturbedRate >= 0 && p.disturbedRate < 1 &&
    p.throttleFloor > 0 && p.throttleFloor <= 1 && p.outlierRate >= 0 && p.outlierRate < 1 && p.shortRatio > 0 &&
    p.shortRatio < p.throttleFloor * p.honestFloor && p.onClaimRatio > 0 && p.onClaimRatio <= p.honestFloor &&
    p.minReachableShare >= 0 && p.minReachableShare <= 1 && p.minTimedSeconds >= 0 &&
    p.onTimeSigmas > 0 && onTimeFactor(p) < cutoffFactor(p);
  if (!ok) throw new JudgeError(`parameters out of range: ${JSON.stringify(p)}`);
}

function timingEvidence(rows: readonly ChallengeResult[]): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32[]" }, { type: "uint64[]" }, { type: "uint64[]" }],
      [
        rows.map((r) => r.challengeHash),
        // Microseconds, rounded down (the node's measured time, never inflated).
        rows.map((r) => BigInt(Math.floor((r.elapsedSeconds ?? 0) * 1e6))),
        rows.map((r) => BigInt(Math.floor((r.kind === "vram" ? (r.latencyMs ?? 0) / 1000 : (r.expectedSeconds ?? 0)) * 1e6))),
      ],
    ),
  );
}

/**
 * Judges one node's epoch. `claimGflops` is the claim the challenges were sized to. `earlier`
 * are the node's results of the previous epochs of the oracle's window (each measured against
 * the claim it was sized to, none from before its last slash): only the on-claim test reads them.
 */
export function judgeNode(
  results: readonly ChallengeResult[],
  claimGflops: number,
  params: Partial<JudgeParams> = {},
  earlier: readonly ChallengeResult[] = [],
): Judgment {
  const p = { ...DEFAULT_JUDGE_PARAMS, ...params };
  checkParams(p);
  if (!Array.isArray(results) || !Array.isArray(earlier)) throw new JudgeError("results must be a list");
  if (results.length > MAX_CHALLENGES_PER_EPOCH) throw new JudgeError(`${results.length} results > ${MAX_CHALLENGES_PER_EPOCH}`);
  if (earlier.length > MAX_WINDOW_RESULTS) throw new JudgeError(`${earlier.length} earlier results > ${MAX_WINDOW_RESULTS}`);
  if (!(claimGflops > 0)) throw new JudgeError(`claim ${claimGflops} GFLOP/s`);
  const notes: string[] = [];
  const reachedNode = (r: ChallengeResult) => r.answered || r.reason !== UNREACHABLE;
  const reachable = results.filter(reachedNode);
  const answered = results.filter((r) => r.answered);
  const wrong = answered.filter((r) => !r.correct);
  // Timed work: every reachable work challenge but answered ones too short to time.
  const timed = (r: ChallengeResult) => r.kind !== "vram" && !(r.answered && (r.expectedSeconds ?? Infinity) < p.minTimedSeconds);
  const work = reachable.filter(timed);
  const verified = work.filter((r) => r.answered && r.correct && r.ratio !== null);
  const ratios = verified.map((r) => r.ratio as number);
  // On time: verified work answered by the on-time deadline (a caller that does not say is on time).
  const onTimeCount = verified.filter((r) => r.inTime !== false).length;
  // Gross test, this epoch.
  const isShort = (r: ChallengeResult) => (r.answered ? r.ratio !== null && r.ratio < p.shortRatio : r.reason === DEADLINE_MISSED);
  const shortOnes = work.filter(isShort);
  const q = shortProbability(p);
  const criticalWork = criticalCount(work.length, q, p.alpha / 3);
  // On-claim test over the window: earlier timed work, then this epoch's. Every challenge
  // issued in the window counts, picked up or not: a node that leaves some
  // unanswered must not shrink the window below what can condemn it (the caller leaves out the
  // epochs it judged unavailable). Under the model an unreached challenge is a disturbed one.
  const windowWork = [...earlier.filter(timed), ...results.filter(timed)];
  const isOnClaim = (r: ChallengeResult) => r.answered && r.correct && r.ratio !== null && r.ratio >= p.onClaimRatio;
  const onClaim = windowWork.filter(isOnClaim).length;
  const s = onClaimProbability(p);
  const onClaimCritical = lowerCriticalCount(windowWork.length, s, p.alpha / 3);
  // Capacity test.
  const vram = reachable.filter((r) => r.kind === "vram");
  const late = vram.filter((r) => (r.answered ? r.inTime === false : r.reason === DEADLINE_MISSED));
  const criticalVram = criticalCount(vram.length, p.outlierRate, p.alpha / 3);
  const latencies = answered.map((r) => r.latencyMs).filter((x): x is number => x !== null);
  const medianRatio = ratios.length ? median(ratios) : null;
  // Clamped again after the float sum: pay never exceeds the cap times the claim. Verified work
  // that is all too short to time is paid on the claim.
  const untimedVerified = reachable.some((r) => r.kind !== "vram" && !timed(r) && r.correct);
  const paidRatio = ratios.length
    ? Math.min(PAY_CAP_RATIO, ratios.reduce((a, r) => a + Math.min(r, PAY_CAP_RATIO), 0) / ratios.length)
    : untimedVerified ? 1 : 0;
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
      windowCount: windowWork.length,
      onClaim,
      onClaimCritical,
      s,
      medianRatio,
      onTime: onTimeCount,
      paidRatio,
      meanLogRatio: ratios.length ? ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length : null,
    },
    vram: { count: vram.length, late: late.length, critical: criticalVram, tailProbability: late.length === 0 ? 1 : binomialTail(vram.length, p.outlierRate, late.length) },
    latencyMs: { median: latencies.length ? median(latencies) : null, max: latencies.length ? Math.max(...latencies) : null },
  };
  const paidGflops = claimGflops * paidRatio;

  if (wrong.length > 0) {
    notes.push(`${wrong.length} wrong answer(s): ${wrong.map((w) => w.reason).join(", ")}`);
    const evidence = keccak256(
      encodeAbiParameters(
        [{ type: "bytes32[]" }, { type: "bytes32[]" }],
        [wrong.map((w) => w.challengeHash), wrong.map((w) => w.evidence ?? zeroHash)],
      ),
    );
    return { verdict: "fraudulent", slashBps: FRAUD_SLASH_BPS, slashReason: SlashReason.Fraud, evidence, paidGflops: 0, stats, notes };
  }
  if (results.length === 0 || reachable.length < p.minReachableShare * results.length) {
    notes.push(`${reachable.length} of ${results.length} challenges reached the node`);
    return { verdict: "unavailable", slashBps: 0, slashReason: null, evidence: null, paidGflops: 0, stats, notes };
  }
  const grossCondemned = criticalWork !== null && shortOnes.length >= criticalWork;
  const onClaimCondemned = onClaim < onClaimCritical;
  const vramCondemned = criticalVram !== null && late.length >= criticalVram;
  if (onClaimCritical === 0 && windowWork.length > 0) notes.push(`${windowWork.length} work challenges in the window are too few for the on-claim test at alpha ${p.alpha}`);
  if (grossCondemned || onClaimCondemned || vramCondemned) {
    // Delivered share: the median ratio of the condemning test's challenges (a missed one counts
    // 0). The slash grows with the overstatement, is rounded up (against the slashed party) and
    // capped.
    const medianOf = (rows: readonly ChallengeResult[]) => (rows.length ? median(rows.map((r) => (r.answered && r.ratio !== null ? r.ratio : 0))) : 0);
    const delivered = grossCondemned ? medianOf(work) : onClaimCondemned ? medianOf(windowWork) : p.shortRatio;
    // Integer arithmetic on the delivered share in ppm, so the float never adds a basis point.
    const shortfallPpm = 1_000_000 - Math.min(1_000_000, Math.round(delivered * 1_000_000));
    // A condemnation whose challenges delivered the claim at the median (the shorts were missed
    // deadlines) grades to 0: it lowers pay but proposes no slash (the contract refuses 0 bps).
    const slashBps = Math.min(OVERCLAIM_MAX_SLASH_BPS, Math.ceil((OVERCLAIM_MAX_SLASH_BPS * 2 * shortfallPpm) / 1_000_000));
    const evidenceRows = [...(grossCondemned ? work : onClaimCondemned ? windowWork : []), ...(vramCondemned ? vram : [])];
    if (grossCondemned) notes.push(`${shortOnes.length} of ${work.length} work challenges below ${p.shortRatio} of the claim (critical ${criticalWork})`);
    if (onClaimCondemned) notes.push(`${onClaim} of ${windowWork.length} work challenges in the window reached the claim (condemned below ${onClaimCritical})`);
    if (vramCondemned) notes.push(`${late.length} of ${vram.length} capacity probes late (critical ${criticalVram})`);
    if (slashBps === 0) notes.push("the condemning challenges delivered the claim at the median: no slash proposed");
    return {
      verdict: "under-delivering", slashBps, slashReason: slashBps > 0 ? SlashReason.Overclaim : null,
      evidence: slashBps > 0 ? timingEvidence(evidenceRows) : null, paidGflops, stats, notes,
    };
  }
  return { verdict: "honest", slashBps: 0, slashReason: null, evidence: null, paidGflops, stats, notes };
}
