/**
 * The demo's fleet: honest nodes claiming a conservative share of what `bench` measured on this
 * machine (they all share its cores, so claims leave room), and three cheaters: one registered
 * with far more throughput than the machine has, one that commits made-up rows, and one that
 * commits made-up rows and grinds its roots against the openings it can predict from public data.
 * Each cheater names its honest counterfactual: the honest node whose earnings are what the
 * cheater's hardware would have earned honestly over the same epochs.
 */
import type { BehaviourName } from "../../redteam/behaviours";

export interface NodeSpec {
  name: string;
  behaviour: BehaviourName;
  honest: boolean;
  /** Claim as a share of the machine's GFLOP/s (honest: well below 1; overclaim: far above). */
  claimShare: number;
  /** Honest claims start from the slowest size measured; the overclaim from the fastest, so it overstates even the machine's best. */
  basis: "slowest" | "fastest";
  /**
   * A cheater's honest counterfactual: the honest node on the same hardware (same agent slot on
   * this machine), or `measured`: an honest node claiming the throughput the cheater really
   * delivered, which the oracle pays at least what it paid the cheater before slashes.
   */
  counterfactual?: string;
}

export const DEMO_FLEET: readonly NodeSpec[] = [
  { name: "honest-1", behaviour: "honest", honest: true, claimShare: 0.3, basis: "slowest" },
  { name: "honest-2", behaviour: "honest", honest: true, claimShare: 0.2, basis: "slowest" },
  { name: "honest-3", behaviour: "honest", honest: true, claimShare: 0.1, basis: "slowest" },
  // 3x the machine at its best, 10x an honest claim or more: its answers take 3x the claimed
  // time or more (the oracle's overclaim rule slashes below half), and still arrive before the
  // deadline (3x the claimed time + the demo's 10 s slack, counted from issue) with the cores
  // shared and its challenges queueing, so the oracle measures the overclaim instead of only
  // seeing late answers.
  // Its challenges are sized to its claim, so it takes far more of the shared cores than an
  // honest node's and delivers more throughput than any honest claim here; its counterfactual is
  // an honest node claiming that delivered throughput. The oracle pays an under-delivering node on
  // its measured throughput (verified work x min(measured/claimed, 1.3), the rate an honest claim
  // of that throughput is paid, which also answers on time and keeps its uptime), so that node
  // earns at least the overclaimer's pay before slashes: only the slash decides.
  { name: "overclaim", behaviour: "overclaim", honest: false, claimShare: 3, basis: "fastest", counterfactual: "measured" },
  // The forgers claim what honest-2 claims on the same slot: honest-2 earns what they would have.
  { name: "forger", behaviour: "forge-rows", honest: false, claimShare: 0.2, basis: "slowest", counterfactual: "honest-2" },
  { name: "grinder", behaviour: "grind-forge", honest: false, claimShare: 0.2, basis: "slowest", counterfactual: "honest-2" },
];

/** Smallest claim registered, GFLOP/s (the registry refuses zero). */
export const MIN_CLAIM_GFLOPS = 1;

export function claimFor(spec: NodeSpec, m: { measuredGflops: number; bestGflops: number }): number {
  const base = spec.basis === "fastest" ? m.bestGflops : m.measuredGflops;
  // Rounded down: an honest claim never exceeds its share of the measurement.
  return Math.max(MIN_CLAIM_GFLOPS, Math.floor(base * spec.claimShare));
}
