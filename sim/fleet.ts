/**
 * Builds the simulated fleet: node identities with a real hardware class from the engine's
 * table, a behaviour, a claim, the hardware actually held, a network profile and a stake.
 */
import { BEHAVIOURS, SPECS, OUTSOURCE_HOP_MAX_MS, OUTSOURCE_HOP_MIN_MS, type BehaviourName, type BehaviourSpec } from "./behaviours";
import { minimumStake, type EconomicParams } from "./economics";
import type { HardwareClassInfo } from "./engine-adapter";
import { Rng, Stream } from "./rng";
import { drawNodeTiming, type NodeTiming } from "./timing";

/** Largest fleet the simulator builds. */
export const MAX_FLEET = 1_000_000;

export class FleetError extends Error {
  constructor(message: string) {
    super(`SimFleetBadInput: ${message}`);
    this.name = "FleetError";
  }
}

export interface SimNode {
  index: number;
  behaviour: BehaviourName;
  spec: BehaviourSpec;
  hw: HardwareClassInfo;
  /** Throughput in the on-chain claim, GFLOP/s. */
  claimedGflops: number;
  /** Peak of the hardware this identity actually holds (a sybil's GPU split over its identities). */
  heldGflops: number;
  /** Peak of hardware rented elsewhere (outsourcer), GFLOP/s. */
  rentedGflops: number;
  timing: NodeTiming;
  /** Index of the first identity of this node's sybil group (itself when not a sybil). */
  group: number;
  groupSize: number;
  /** Extra round trip to the rented GPU (outsourcer), ms. */
  hopMs: number;
  stake: number;
}

/** Node counts per behaviour: largest remainder, sybil counts rounded to whole groups. */
export function behaviourCounts(n: number, mix: Record<BehaviourName, number>): Record<BehaviourName, number> {
  const total = BEHAVIOURS.reduce((s, b) => s + (mix[b] ?? 0), 0);
  if (!(total > 0)) throw new FleetError("the behaviour mix sums to zero");
  for (const b of BEHAVIOURS) if (!((mix[b] ?? 0) >= 0)) throw new FleetError(`negative share for ${b}`);
  const counts = {} as Record<BehaviourName, number>;
  const rema: { b: BehaviourName; r: number }[] = [];
  let used = 0;
  for (const b of BEHAVIOURS) {
    const exact = (n * (mix[b] ?? 0)) / total;
    const size = SPECS[b].identities;
    const c = Math.floor(exact / size) * size;
    counts[b] = c;
    used += c;
    rema.push({ b, r: exact - c });
  }
  rema.sort((x, y) => y.r - x.r);
  // Hand out the remaining identities to the largest remainders; a sybil group needs room for all.
  for (let i = 0; used < n && i < rema.length * 4; i++) {
    const { b } = rema[i % rema.length];
    const size = SPECS[b].identities;
    if (used + size <= n && (mix[b] ?? 0) > 0) {
      counts[b] += size;
      used += size;
    }
  }
  if (used < n) counts.honest += n - used;
  return counts;
}

function pickClass(classes: readonly HardwareClassInfo[], u: number): HardwareClassInfo {
  const total = classes.reduce((s, c) => s + c.fleetShare, 0);
  let acc = 0;
  for (const c of classes) {
    acc += c.fleetShare / total;
    if (u < acc) return c;
  }
  return classes[classes.length - 1];
}

export function buildFleet(
  seed: number,
  n: number,
  mix: Record<BehaviourName, number>,
  classes: readonly HardwareClassInfo[],
  econ: EconomicParams,
): SimNode[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_FLEET) throw new FleetError(`fleet size must be in [1, ${MAX_FLEET}], got ${n}`);
  if (classes.length === 0) throw new FleetError("no hardware classes");
  const counts = behaviourCounts(n, mix);
  const nodes: SimNode[] = [];
  for (const b of BEHAVIOURS) {
    const spec = SPECS[b];
    for (let j = 0; j < counts[b]; j += spec.identities) {
      const first = nodes.length;
      const rng = new Rng(seed, Stream.fleet, first);
      const hw = pickClass(classes, rng.uniform());
      for (let s = 0; s < spec.identities; s++) {
        const index = nodes.length;
        const nodeRng = new Rng(seed, Stream.node, index);
        const timing = drawNodeTiming(nodeRng, spec.network);
        const claimedGflops = spec.outsources ? hw.peakGflops : hw.peakGflops * spec.claimFactor;
        // A spoofer holds hw and claims more; a forger holds only the share it computes.
        let heldGflops = spec.outsources ? 0 : hw.peakGflops * (1 - spec.forgedFraction);
        heldGflops /= spec.identities;
        nodes.push({
          index,
          behaviour: b,
          spec,
          hw,
          claimedGflops,
          heldGflops,
          rentedGflops: spec.outsources ? hw.peakGflops : 0,
          timing,
          group: first,
          groupSize: spec.identities,
          hopMs: spec.outsources ? nodeRng.range(OUTSOURCE_HOP_MIN_MS, OUTSOURCE_HOP_MAX_MS) : 0,
          stake: minimumStake(econ, claimedGflops),
        });
      }
    }
  }
  return nodes;
}
