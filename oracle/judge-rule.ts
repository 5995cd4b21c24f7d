/**
 * The verdict of one node over one epoch from its challenge samples. Delegates the statistical
 * decision to the engine's judge where it exists (engine/judge.ts); this file only maps the
 * oracle's records onto it.
 */
import type { Hex } from "viem";
import type { Verdict } from "./rewards";

export interface JudgeSample {
  verdict: "pass" | "fail" | "fraud" | "late" | "missed" | "error";
  answered: boolean;
  elapsedMs?: number;
  expectedMs: number;
  mflop: number;
  claimedGflops: number;
  evidence: Hex | null;
}

export interface NodeJudgment {
  verdict: Verdict;
  /** measured / claimed throughput (median over passed challenges); 0 without any. */
  ratio: number;
  slashOverclaim: boolean;
  evidence?: Hex;
}

/** Below this ratio of measured to claimed throughput a node is under-delivering. */
export const UNDER_DELIVERY_RATIO = 0.8;
/** Below this ratio in every passed challenge (and at least OVERCLAIM_MIN_SAMPLES) the claim is slashed. */
export const OVERCLAIM_RATIO = 0.5;
export const OVERCLAIM_MIN_SAMPLES = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function judgeNode(samples: readonly JudgeSample[]): NodeJudgment {
  const fraud = samples.find((s) => s.verdict === "fraud" || s.verdict === "fail");
  const passed = samples.filter((s) => s.verdict === "pass" && s.elapsedMs !== undefined);
  const ratios = passed.map((s) => s.expectedMs / s.elapsedMs!);
  const ratio = ratios.length ? median(ratios) : 0;
  if (fraud) return { verdict: "fraudulent", ratio, slashOverclaim: false, evidence: fraud.evidence ?? undefined };
  if (passed.length === 0) return { verdict: "unavailable", ratio: 0, slashOverclaim: false };
  if (ratio >= UNDER_DELIVERY_RATIO) return { verdict: "honest", ratio, slashOverclaim: false };
  const slashOverclaim = ratios.length >= OVERCLAIM_MIN_SAMPLES && ratios.every((r) => r < OVERCLAIM_RATIO);
  return { verdict: "under-delivering", ratio, slashOverclaim, evidence: slashOverclaim ? passed[0].evidence ?? undefined : undefined };
}
