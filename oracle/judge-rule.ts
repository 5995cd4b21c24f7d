/**
 * The verdict of one node over one epoch: the oracle's challenge records mapped onto the
 * engine's judge (engine/judge.ts: fraud first, then availability, then the gross and on-claim
 * tests on measured/claimed throughput, each with a bounded chance of condemning an honest node).
 */
import { keccak256, stringToBytes, type Hex } from "viem";
import { DEADLINE_MISSED, judgeNode as engineJudge, PAY_CAP_RATIO, UNREACHABLE, type Judgment } from "../engine/judge";
import type { ChallengeResult } from "../engine/verdict";
import type { Verdict } from "../engine/rewards";
import { CHALLENGE_VERDICT, type ChallengeVerdict } from "./store/status";

export interface JudgeSample {
  kind: "gemm" | "infer";
  /** The challenge as sent (spec JSON): its hash names the challenge in evidence. */
  spec: string;
  verdict: ChallengeVerdict;
  /** Handed out to the node (pushed over its session, or polled). */
  issued: boolean;
  answered: boolean;
  elapsedMs?: number;
  /** Answered within its on-time span (protocol/deadline.ts): paid. */
  onTime?: boolean;
  expectedMs: number;
  mflop: number;
  evidence: Hex | null;
}

export interface NodeJudgment {
  verdict: Verdict;
  /** Paid capacity / claim (0..PAY_CAP_RATIO); 0 without a passed challenge. */
  ratio: number;
  slashBps: number;
  slashReason: number | null;
  evidence?: Hex;
  engine: Judgment;
}

/** Maps one record to the engine's ChallengeResult; a verifier error is left out (not the node's fault). */
export function toChallengeResult(s: JudgeSample): ChallengeResult | undefined {
  if (s.verdict === CHALLENGE_VERDICT.Error) return undefined;
  const challengeHash = keccak256(stringToBytes(s.spec));
  const answered = s.verdict === CHALLENGE_VERDICT.Pass || s.verdict === CHALLENGE_VERDICT.Fail || s.verdict === CHALLENGE_VERDICT.Fraud;
  if (!answered) {
    return {
      kind: s.kind, challengeHash, answered: false, correct: false,
      reason: s.issued ? DEADLINE_MISSED : UNREACHABLE,
      evidence: null, expectedSeconds: null, elapsedSeconds: null, ratio: null, latencyMs: null, inTime: null,
    };
  }
  const elapsed = s.elapsedMs !== undefined ? Math.max(1, s.elapsedMs) : undefined;
  return {
    kind: s.kind,
    challengeHash,
    answered: true,
    correct: s.verdict === CHALLENGE_VERDICT.Pass,
    reason: s.verdict === CHALLENGE_VERDICT.Pass ? null : "wrong result",
    evidence: s.verdict === CHALLENGE_VERDICT.Pass ? null : s.evidence,
    expectedSeconds: s.expectedMs / 1000,
    elapsedSeconds: elapsed !== undefined ? elapsed / 1000 : null,
    ratio: elapsed !== undefined ? s.expectedMs / elapsed : null,
    latencyMs: elapsed ?? null,
    // Unsaid is on time (the engine pays it); a late answer still carries its ratio to the tests.
    inTime: s.onTime ?? null,
  };
}

const toResults = (xs: readonly JudgeSample[]) => xs.map(toChallengeResult).filter((r): r is ChallengeResult => r !== undefined);

/** `earlier`: the node's records of the previous epochs of the window (each against its own claim). */
export function judgeNode(samples: readonly JudgeSample[], claimGflops: number, earlier: readonly JudgeSample[] = []): NodeJudgment {
  const j = engineJudge(toResults(samples), claimGflops, {}, toResults(earlier));
  return {
    verdict: j.verdict,
    ratio: claimGflops > 0 ? Math.min(PAY_CAP_RATIO, j.paidGflops / claimGflops) : 0,
    slashBps: j.slashBps,
    slashReason: j.slashReason,
    evidence: j.evidence ?? undefined,
    engine: j,
  };
}
