/**
 * The demo's fleet: honest nodes claiming a conservative share of what `bench` measured on this
 * machine (they all share its cores, so claims leave room), and two cheaters: one registered
 * with far more throughput than the machine has, one that commits made-up rows.
 */
import type { BehaviourName } from "../../agent/behaviours";

export interface NodeSpec {
  name: string;
  behaviour: BehaviourName;
  honest: boolean;
  /** Claim as a share of the measured GFLOP/s (honest: well below 1; overclaim: far above). */
  claimShare: number;
}

export const DEMO_FLEET: readonly NodeSpec[] = [
  { name: "honest-1", behaviour: "honest", honest: true, claimShare: 0.3 },
  { name: "honest-2", behaviour: "honest", honest: true, claimShare: 0.2 },
  { name: "honest-3", behaviour: "honest", honest: true, claimShare: 0.1 },
  // 2.5x the machine, over 8x an honest claim: slow enough to be measured (below half its
  // claim, the oracle's overclaim rule), fast enough to answer before the deadline (3x the
  // claimed time + slack) even with the cores shared, so the oracle can prove the overclaim
  // instead of only seeing late answers.
  { name: "overclaim", behaviour: "overclaim", honest: false, claimShare: 2.5 },
  { name: "forger", behaviour: "forge-rows", honest: false, claimShare: 0.2 },
];

/** Smallest claim registered, GFLOP/s (the registry refuses zero). */
export const MIN_CLAIM_GFLOPS = 1;

export function claimFor(spec: NodeSpec, measuredGflops: number): number {
  // Rounded down: an honest claim never exceeds its share of the measurement.
  return Math.max(MIN_CLAIM_GFLOPS, Math.floor(measuredGflops * spec.claimShare));
}
