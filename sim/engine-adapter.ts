/**
 * The simulator's one door into engine/: hardware classes, challenge sizing, openings and the
 * judge. PROVISIONAL: until engine/hardware.ts, engine/sizing.ts, engine/gemm.ts and
 * engine/judge.ts land, this file carries placeholders so the runner can be built; it is
 * switched to the real engine as soon as they exist.
 */

export type ChallengeKind = "gemm" | "infer";
export type Verdict = "honest" | "unavailable" | "under-delivering" | "fraudulent";

export interface HardwareClassInfo {
  id: number;
  name: string;
  /** Published dense peak of the whole node, GFLOP/s, in the class's rated precision. */
  peakGflops: number;
  vramMiB: number;
  /** Share of this class in the simulated fleet. */
  fleetShare: number;
}

export interface ChallengePlan {
  kind: ChallengeKind;
  /** Rows (gemm) or items (infer) the answer commits to. */
  units: number;
  /** Rows or items the oracle opens. */
  openings: number;
  flops: number;
  targetMs: number;
  deadlineMs: number;
}

export interface SimChallengeResult {
  plan: ChallengePlan;
  answered: boolean;
  /** Oracle-measured time from hand-out to the committed root, ms. */
  elapsedMs: number;
  /** Opened rows or items that did not match the recomputation. */
  wrongOpened: number;
}

export interface Judgment {
  verdict: Verdict;
  slashBps: number;
  /** SlashReason, 0 when not slashed. */
  reason: number;
  /** Capacity the node is paid for this epoch, GFLOP/s (before the uptime share). */
  paidGflops: number;
  /** Share of the epoch's challenges answered and verified. */
  uptime: number;
}

export const ROUNDS_PER_EPOCH = 6;

export function hardwareClasses(): HardwareClassInfo[] {
  return [
    { id: 1, name: "H100-SXM", peakGflops: 989_000, vramMiB: 81_920, fleetShare: 0.2 },
    { id: 2, name: "A100-SXM", peakGflops: 312_000, vramMiB: 81_920, fleetShare: 0.25 },
    { id: 3, name: "RTX-4090", peakGflops: 165_000, vramMiB: 24_576, fleetShare: 0.35 },
    { id: 4, name: "RTX-3090", peakGflops: 71_000, vramMiB: 24_576, fleetShare: 0.2 },
  ];
}

export function roundKind(round: number): ChallengeKind {
  return round % 3 === 2 ? "infer" : "gemm";
}

export function planChallenge(kind: ChallengeKind, claimedGflops: number): ChallengePlan {
  const targetMs = 30_000;
  const flops = claimedGflops * 1e9 * (targetMs / 1000);
  return { kind, units: kind === "gemm" ? 4096 : 256, openings: kind === "gemm" ? 16 : 8, flops, targetMs, deadlineMs: targetMs * 3 };
}

/** Per opened item, probability that the infer verifier flags a substituted model. */
export const INFER_ITEM_DETECTION = { prob: 1, source: "provisional: every opened item" };

export function judgeNode(claimedGflops: number, results: readonly SimChallengeResult[]): Judgment {
  const answered = results.filter((r) => r.answered && r.elapsedMs <= r.plan.deadlineMs);
  const uptime = answered.length / Math.max(1, results.length);
  if (answered.some((r) => r.wrongOpened > 0)) return { verdict: "fraudulent", slashBps: 10_000, reason: 1, paidGflops: 0, uptime };
  if (uptime < 0.5) return { verdict: "unavailable", slashBps: 0, reason: 0, paidGflops: 0, uptime };
  const ratios = answered.map((r) => r.plan.targetMs / r.elapsedMs).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)];
  if (median < 0.5) return { verdict: "under-delivering", slashBps: 1000, reason: 2, paidGflops: claimedGflops * median, uptime };
  return { verdict: "honest", slashBps: 0, reason: 0, paidGflops: claimedGflops * Math.min(1, median), uptime };
}
