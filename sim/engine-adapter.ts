/**
 * The simulator's one door into engine/: hardware classes, challenge sizing, openings and the
 * judge, all the real engine's: hardware classes (engine/hardware.ts), gemm sizing
 * (engine/sizing.ts), openings over rows (engine/gemm/spec.ts), the challenge record and the judge
 * (engine/verdict.ts, engine/judge.ts). The simulator only supplies what a real fleet would:
 * timings, and which opened rows were wrong.
 */
import { HARDWARE_CLASSES, type NodeClaim } from "../engine/hardware";
import { GPU_MIN_TARGET_SECONDS, sizeGemm } from "../engine/sizing";
import { keccak256, stringToBytes } from "viem";
import { DEADLINE_MISSED, judgeNode as engineJudge, UNREACHABLE, type JudgeParams } from "../engine/judge";
import { MAX_INFER_BATCH } from "../engine/llm/prompts";
import { SlashReason } from "../protocol";
import { unansweredResult, workResult, type ChallengeResult } from "../engine/verdict";
import { inferFlops } from "../engine/llm/costs";

export type ChallengeKind = "gemm" | "infer";
export type Verdict = "honest" | "unavailable" | "under-delivering" | "fraudulent";
export type { NodeClaim };

export interface HardwareClassInfo {
  id: number;
  name: string;
  /** Published dense peak of one device, GFLOP/s, in the class's rated precision. */
  peakGflops: number;
  vramMiB: number;
  /** Share of this class in the simulated fleet. */
  fleetShare: number;
}

export interface ChallengePlan {
  kind: ChallengeKind;
  /** Merkle leaves the answer commits to (gemm: groups of rows; infer: items). */
  units: number;
  /** Leaves the oracle opens. */
  openings: number;
  flops: number;
  /** Time at the claimed throughput, ms. */
  expectedMs: number;
  /** Time from the due instant to the cut-off, after which the challenge counts as missed, ms. */
  deadlineMs: number;
  /** Time from the due instant within which an answer is on time (paid), ms. */
  onTimeMs: number;
}

/** The deadline spans of a challenge expected to take `expectedMs` (protocol/deadline.ts). */
export type DeadlineRule = (expectedMs: number) => { onTimeMs: number; cutoffMs: number };

/**
 * The simulated fleet's mix of GPU classes (the simulator's assumption, not the engine's). The
 * CPU class has no datasheet peak and is left out.
 */
const FLEET_SHARES: Record<number, number> = { 1: 0.12, 2: 0.08, 3: 0.12, 4: 0.08, 5: 0.1, 6: 0.22, 7: 0.12, 8: 0.08, 9: 0.08 };

export function hardwareClasses(): HardwareClassInfo[] {
  return HARDWARE_CLASSES.filter((c) => c.kind === "gpu").map((c) => ({
    id: c.id,
    name: c.name,
    peakGflops: c.peakTflops[c.ratedPrecision]! * 1000,
    vramMiB: c.vramMiB,
    fleetShare: FLEET_SHARES[c.id] ?? 0,
  }));
}

/** Prompt length of a simulated infer challenge; its batch fills the target time, up to MAX_INFER_BATCH. */
export const INFER_PROMPT_LEN = 64;

/** The challenge of `kind` the oracle plans for `claim` (engine sizing). */
export function planChallenge(kind: ChallengeKind, claim: NodeClaim, targetMs: number, openings: number, deadline: DeadlineRule): ChallengePlan {
  if (kind === "gemm") {
    const s = sizeGemm(claim, { targetSeconds: targetMs / 1000 });
    const units = s.batch * s.n; // openings are rows (engine/gemm/spec.ts chooseOpenings)
    const expectedMs = s.expectedSeconds * 1000;
    const d = deadline(expectedMs);
    return { kind, units, openings: Math.min(units, openings), flops: s.flops, expectedMs, deadlineMs: d.cutoffMs, onTimeMs: d.onTimeMs };
  }
  // The engine sizes no infer batch for GPUs: with the embedded tiny model even the largest batch
  // takes ~2 ms on a GPU. Modelled as a production model whose batch fills the target time.
  const perItem = inferFlops(1, INFER_PROMPT_LEN);
  const expectedMs = Math.max(targetMs, GPU_MIN_TARGET_SECONDS * 1000);
  const flops = (claim.gflops * 1e9 * expectedMs) / 1000;
  const batch = Math.max(1, Math.min(MAX_INFER_BATCH, Math.ceil(flops / perItem)));
  const d = deadline(expectedMs);
  return { kind, units: batch, openings: Math.min(batch, openings), flops, expectedMs, deadlineMs: d.cutoffMs, onTimeMs: d.onTimeMs };
}

export interface JudgeSample {
  plan: ChallengePlan;
  /** Picked up by the node (the challenge reached it). */
  reached: boolean;
  /** Committed and opened before the cut-off. */
  answered: boolean;
  /** Committed within the on-time span (paid). */
  onTime: boolean;
  /** Oracle clock from the latency start (the due instant) to receiving the commitment, ms. */
  latencyMs: number;
  /** The oracle's running estimate of the node's round trip, ms (engine/timing.ts subtracts it). */
  rttEstimateMs: number;
  /** Opened rows or items that failed verification. */
  wrongOpened: number;
}

export interface Judgment {
  verdict: Verdict;
  /** Paid throughput / claimed throughput (engine: paidGflops / claim, at most PAY_CAP_RATIO). */
  ratio: number;
  /** Median measured / claimed throughput of the epoch's work challenges, uncapped (0 without any). */
  medianRatio: number;
  slashBps: number;
  slash: "fraud" | "overclaim" | null;
}

const CHALLENGE_HASH = keccak256(stringToBytes("poai.sim.challenge"));
const EVIDENCE = keccak256(stringToBytes("poai.sim.evidence"));

function toResults(samples: readonly JudgeSample[]): ChallengeResult[] {
  return samples.map((s) => {
    if (!s.answered) return unansweredResult(s.plan.kind, CHALLENGE_HASH, s.reached ? DEADLINE_MISSED : UNREACHABLE);
    const ok = s.wrongOpened === 0;
    return { ...workResult(
      s.plan.kind,
      CHALLENGE_HASH,
      s.plan.expectedMs / 1000,
      { ok, reason: ok ? null : "GemmRowMismatch", evidence: ok ? null : EVIDENCE },
      { issuedAtMs: 0, committedAtMs: s.latencyMs, rttMs: Math.min(s.rttEstimateMs, s.latencyMs) },
    ), inTime: s.onTime };
  });
}

/**
 * The engine's judge (engine/judge.ts) over one node's epoch, from the simulator's samples;
 * `earlier` are its samples of the previous epochs of the judge's window.
 */
export function judgeNode(claim: NodeClaim, samples: readonly JudgeSample[], params: Partial<JudgeParams> = {}, earlier: readonly JudgeSample[] = []): Judgment {
  const j = engineJudge(toResults(samples), claim.gflops, params, toResults(earlier));
  const slash = j.slashReason === SlashReason.Fraud ? "fraud" : j.slashReason === SlashReason.Overclaim ? "overclaim" : null;
  return { verdict: j.verdict, ratio: j.paidGflops / claim.gflops, medianRatio: j.stats.work.medianRatio ?? 0, slashBps: j.slashBps, slash };
}

export { DEFAULT_JUDGE_PARAMS, MAX_JUDGE_WINDOW_EPOCHS, type JudgeParams } from "../engine/judge";
export { checkClaim } from "../engine/hardware";
