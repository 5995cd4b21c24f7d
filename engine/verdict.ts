/**
 * The verdict of one challenge: correctness from its verifier, timing from timing.ts, in one
 * record the judge (judge.ts), the oracle's database and the simulator all share.
 */
import type { Hex } from "viem";
import { computeSeconds, throughputRatio, type ChallengeTiming } from "./timing";

export type ChallengeKind = "gemm" | "infer" | "vram";

export interface ChallengeResult {
  kind: ChallengeKind;
  /** keccak256 of the challenge spec (what the node was asked). */
  challengeHash: Hex;
  /** The node committed and opened in time; false for a timeout or no answer. */
  answered: boolean;
  /** The verifier accepted the answer (false when unanswered). */
  correct: boolean;
  /** The verifier's reason for a rejection, or why it is unanswered. */
  reason: string | null;
  /** keccak256 of the evidence of a wrong answer. */
  evidence: Hex | null;
  /** Seconds the work takes at the claimed throughput (gemm, infer); null for vram. */
  expectedSeconds: number | null;
  /** Measured compute seconds (timing.ts); null when unanswered or for vram. */
  elapsedSeconds: number | null;
  /** measured / claimed throughput; null when unanswered or for vram. */
  ratio: number | null;
  /** Response latency, ms (vram: probe latency; others: commit latency). */
  latencyMs: number | null;
  /** vram: the probe came back within its bound. */
  inTime: boolean | null;
}

/** What a verifier returns, whatever the kind. */
export interface VerificationOutcome {
  ok: boolean;
  reason: string | null;
  evidence: Hex | null;
}

/** A challenge the node did not answer (timeout, refused, malformed beyond parsing). */
export function unansweredResult(kind: ChallengeKind, challengeHash: Hex, reason: string): ChallengeResult {
  return {
    kind, challengeHash, answered: false, correct: false, reason, evidence: null,
    expectedSeconds: null, elapsedSeconds: null, ratio: null, latencyMs: null, inTime: null,
  };
}

/** A gemm or infer challenge that was answered and verified. */
export function workResult(
  kind: "gemm" | "infer",
  challengeHash: Hex,
  expectedSeconds: number,
  outcome: VerificationOutcome,
  timing: ChallengeTiming,
): ChallengeResult {
  const elapsedSeconds = computeSeconds(timing);
  return {
    kind,
    challengeHash,
    answered: true,
    correct: outcome.ok,
    reason: outcome.ok ? null : outcome.reason,
    evidence: outcome.ok ? null : outcome.evidence,
    expectedSeconds,
    elapsedSeconds,
    ratio: throughputRatio(expectedSeconds, elapsedSeconds),
    latencyMs: timing.committedAtMs - timing.issuedAtMs,
    inTime: null,
  };
}

/** A vram probe: correct answer, and whether it came within the latency bound. */
export function vramResult(
  challengeHash: Hex,
  v: { correct: boolean; reason: string | null; evidence: Hex | null; latencyMs: number; boundMs: number },
): ChallengeResult {
  return {
    kind: "vram",
    challengeHash,
    answered: true,
    correct: v.correct,
    reason: v.correct ? (v.latencyMs <= v.boundMs ? null : "VramTooSlow") : v.reason,
    evidence: v.correct ? null : v.evidence,
    expectedSeconds: null,
    elapsedSeconds: null,
    ratio: null,
    latencyMs: v.latencyMs,
    inTime: v.latencyMs <= v.boundMs,
  };
}
