/**
 * The simulator's one door into engine/: hardware classes, challenge sizing, openings and the
 * judge. Hardware classes (engine/hardware.ts) and gemm sizing (engine/sizing.ts) are the real
 * engine's. PROVISIONAL until engine/gemm.ts and engine/judge.ts land: the number of gemm
 * openings and the judge below are placeholders, switched to the real engine as soon as it exists.
 */
import { HARDWARE_CLASSES, type NodeClaim } from "../engine/hardware";
import { sizeGemm } from "../engine/sizing";
import { MAX_INFER_BATCH } from "../engine/llm/prompts";
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
  /** Time from issue to commitment after which the challenge counts as missed, ms. */
  deadlineMs: number;
}

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
export function planChallenge(kind: ChallengeKind, claim: NodeClaim, targetMs: number, openings: number, deadlineFactor: number, slackMs: number): ChallengePlan {
  if (kind === "gemm") {
    const s = sizeGemm(claim, { targetSeconds: targetMs / 1000 });
    const units = s.batch * s.n; // openings are rows (engine/gemm.ts chooseOpenings)
    const expectedMs = s.expectedSeconds * 1000;
    return { kind, units, openings: Math.min(units, openings), flops: s.flops, expectedMs, deadlineMs: expectedMs * deadlineFactor + slackMs };
  }
  const perItem = inferFlops(1, INFER_PROMPT_LEN);
  const batch = Math.max(1, Math.min(MAX_INFER_BATCH, Math.ceil((claim.gflops * 1e9 * targetMs) / 1000 / perItem)));
  const flops = inferFlops(batch, INFER_PROMPT_LEN);
  const expectedMs = (flops / (claim.gflops * 1e9)) * 1000;
  return { kind, units: batch, openings: Math.min(batch, openings), flops, expectedMs, deadlineMs: expectedMs * deadlineFactor + slackMs };
}

/** Per opened item, probability that the infer verifier flags a substituted model. */
export const INFER_ITEM_DETECTION = { prob: 1, source: "assumed: every opened item of a substituted model is flagged" };

export interface JudgeSample {
  plan: ChallengePlan;
  /** Answered and opened before the deadline. */
  answered: boolean;
  /** Pick-up to commitment, ms (the oracle's throughput measure). */
  latencyMs: number;
  /** Opened rows or items that failed verification. */
  wrongOpened: number;
}

export interface Judgment {
  verdict: Verdict;
  /** measured / claimed throughput the node is paid on (0..). */
  ratio: number;
  slash: "fraud" | "overclaim" | null;
}

/** PROVISIONAL placeholder judge (until engine/judge.ts). */
export function judgeNode(claim: NodeClaim, samples: readonly JudgeSample[]): Judgment {
  void claim;
  if (samples.some((r) => r.answered && r.wrongOpened > 0)) return { verdict: "fraudulent", ratio: 0, slash: "fraud" };
  const passed = samples.filter((r) => r.answered);
  if (passed.length === 0) return { verdict: "unavailable", ratio: 0, slash: null };
  const ratios = passed.map((r) => r.plan.expectedMs / r.latencyMs).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)];
  if (median >= 0.8) return { verdict: "honest", ratio: median, slash: null };
  return { verdict: "under-delivering", ratio: median, slash: ratios.length >= 3 && ratios.every((r) => r < 0.5) ? "overclaim" : null };
}

export { checkClaim } from "../engine/hardware";
