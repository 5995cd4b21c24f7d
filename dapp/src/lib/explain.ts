/**
 * What the judged figures mean, in words next to each number: throughput against the claim, the
 * on-time share, correctness, the verdict, a slash's reason. The thresholds are the judge's own
 * defaults (engine/judge.ts); an oracle operator may tune them, so the words say "by default".
 * Pure.
 */
import { DEFAULT_JUDGE_PARAMS, FRAUD_SLASH_BPS, onTimeFactor, PAY_CAP_RATIO } from "../../../engine/judge";
import type { EpochInProgress, EpochStat } from "./oracleApi";

/** How one figure reads: the number as text, and a sentence of what it means for the operator. */
export interface Explained {
  value: string;
  words: string;
  /** "good", "warn" or "bad" for colouring; "unknown" when the figure is unknown. */
  tone: "good" | "warn" | "bad" | "unknown";
}

const pct = (v: number) => `${Math.round(v * 100)}%`;

/** Throughput against the claim (the judge's paid mean of measured / claimed, capped at PAY_CAP_RATIO). */
export function explainThroughput(s: Pick<EpochStat, "scoreDeviation" | "answered" | "claimGflops">): Explained {
  if (s.scoreDeviation === null)
    return { value: "unknown", words: "The oracle did not report a throughput for this epoch.", tone: "unknown" };
  if (s.answered === 0)
    return { value: "not measured", words: "No challenge was answered, so no throughput was measured.", tone: "bad" };
  const r = s.scoreDeviation;
  const claim = s.claimGflops !== null ? ` of the ${(s.claimGflops / 1000).toLocaleString("en-US")} TFLOPS claim` : " of the claim";
  const base = `Delivered ${r.toFixed(2)}×${claim}, averaged over the verified work challenges (each counted at most ${PAY_CAP_RATIO}×: pay follows delivered throughput up to that cap).`;
  if (r >= DEFAULT_JUDGE_PARAMS.onClaimRatio) return { value: `${r.toFixed(2)}×`, words: `${base} At or above the claim.`, tone: "good" };
  if (r >= DEFAULT_JUDGE_PARAMS.shortRatio)
    return {
      value: `${r.toFixed(2)}×`,
      words: `${base} Below the claim: the node is paid less, and if it stays below, the judge's on-claim test condemns the claim and it is slashed. Lower the claim or stop other load on the GPU.`,
      tone: "warn",
    };
  return {
    value: `${r.toFixed(2)}×`,
    words: `${base} Under half the claim: challenges this slow count as short in the judge's gross test. Lower the claim to what the machine delivers, or stop other load, or be slashed.`,
    tone: "bad",
  };
}

/** Share of the epoch's challenges passed within the on-time span (what uptime pays). */
export function explainOnTime(s: Pick<EpochStat, "onTime" | "challenges">): Explained {
  if (s.onTime === null || s.challenges === null)
    return { value: "unknown", words: "The oracle did not report how many answers came on time.", tone: "unknown" };
  if (s.challenges === 0) return { value: "no challenge", words: "No challenge was issued to the node in this epoch.", tone: "unknown" };
  const share = s.onTime / s.challenges;
  const words = `${s.onTime} of ${s.challenges} challenges verified within the on-time span (${onTimeFactor().toFixed(2)}× the time the claim allows, by default); uptime pay counts only these.`;
  return { value: pct(share), words, tone: share >= 0.9 ? "good" : share >= DEFAULT_JUDGE_PARAMS.minReachableShare ? "warn" : "bad" };
}

/** Share of answers that verified. */
export function explainCorrectness(s: Pick<EpochStat, "correctness" | "passed" | "answered">): Explained {
  if (s.correctness === null)
    return s.answered === 0
      ? { value: "not measured", words: "No challenge was answered, so nothing could be verified.", tone: "bad" }
      : { value: "unknown", words: "The oracle did not report how many answers verified.", tone: "unknown" };
  const counts = s.passed !== null && s.answered !== null ? `${s.passed} of ${s.answered} answers` : "Answers";
  if (s.correctness >= 1) return { value: pct(1), words: `${counts} matched the oracle's recomputation.`, tone: "good" };
  return {
    value: pct(s.correctness),
    words: `${counts} matched the oracle's recomputation. A wrong committed result is fraud: ${FRAUD_SLASH_BPS / 100}% of the stake is slashed and the node jailed.`,
    tone: "bad",
  };
}

const VERDICT_WORDS: Record<string, string> = {
  honest: "Honest: paid for its verified work and on-time share.",
  "under-delivering":
    "Under-delivering: the judge's tests found the claim overstated with statistical confidence. Paid on the throughput it delivered; repeated, it is slashed by how far the claim is overstated. Lower the claim or stop other load.",
  unavailable: `Unavailable: fewer than ${pct(DEFAULT_JUDGE_PARAMS.minReachableShare)} of the epoch's challenges reached the node (by default). Not paid, not slashed: check the agent is running and connected.`,
  fraudulent: `Fraudulent: a committed result did not match the oracle's recomputation. ${FRAUD_SLASH_BPS / 100}% of the stake is slashed and the node jailed; the evidence hash is in the report. Check the GPU (memory errors, drivers) before restarting, or appeal if the oracle is wrong.`,
};

/** The verdict in words, and what is consistent with the figures beside it. */
export function explainVerdict(s: Pick<EpochStat, "verdict" | "scoreDeviation" | "answered">): Explained {
  if (s.verdict === null) return { value: "unknown", words: "The oracle has not returned a verdict for this epoch.", tone: "unknown" };
  const words = VERDICT_WORDS[s.verdict] ?? `The oracle's verdict is "${s.verdict}".`;
  const tone = s.verdict === "honest" ? "good" : s.verdict === "fraudulent" ? "bad" : "warn";
  // An honest verdict below the claim: the judge needs confidence over its window before it condemns.
  if (s.verdict === "honest" && s.scoreDeviation !== null && s.answered !== 0 && s.scoreDeviation < DEFAULT_JUDGE_PARAMS.onClaimRatio) {
    return {
      value: s.verdict,
      words: `${words} It delivered only ${s.scoreDeviation.toFixed(2)}× its claim: honest means the judge could not yet condemn the claim with confidence (it weighs several epochs, so noise never slashes an honest node), and it is paid only for what it delivered. If this persists the verdict becomes under-delivering and the node is slashed: lower the claim or stop other load.`,
      tone: "warn",
    };
  }
  return { value: s.verdict, words, tone };
}

const SLASH_WORDS: Record<string, string> = {
  fraud: "a committed result did not match the oracle's recomputation of the opened rows or items (a wrong answer)",
  overclaim: "the throughput the node delivered stayed below its claim with statistical confidence (the claim is overstated)",
  "lease violation": "during a booked lease, foreign processes ran on the GPU or the node was unavailable",
};

/** What a slash's reason means, in words. */
export function slashReasonWords(reason: string): string {
  return SLASH_WORDS[reason] ?? `the report gives reason "${reason}"`;
}

/**
 * The line about the epoch in progress, consistent with the chain's current epoch: the oracle's
 * counts are of the node's last challenged epoch, which may be an earlier one.
 */
export function inProgressLine(live: EpochInProgress | null, chainEpoch: bigint | undefined): string | null {
  if (!live) return null;
  const counts = `${live.issued} challenge${live.issued === 1 ? "" : "s"}, ${live.passed} passed${live.failed > 0 ? `, ${live.failed} failed` : ""}`;
  if (chainEpoch === undefined || BigInt(live.epoch) === chainEpoch) return `Epoch ${live.epoch} in progress: ${counts} so far.`;
  if (BigInt(live.epoch) < chainEpoch)
    return `No challenge yet in epoch ${chainEpoch} (the chain's current epoch); the node was last challenged in epoch ${live.epoch}: ${counts}.`;
  return `Epoch ${live.epoch} (the oracle's clock is ahead of the chain's epoch ${chainEpoch}): ${counts} so far.`;
}
