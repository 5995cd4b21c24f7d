/**
 * Builds the simulated fleet: node identities with a real hardware class from the engine's
 * table, a behaviour, a claim, the hardware actually held, a network profile and a stake.
 */
import type { PoaiErrorOptions } from "../engine/errors";
import { SimError } from "./errors";
import { BEHAVIOURS, SPECS, OUTSOURCE_HOP_MAX_MS, OUTSOURCE_HOP_MIN_MS, type BehaviourName, type BehaviourSpec } from "./behaviours";
import { minimumStake, type EconomicParams } from "./economics";
import { checkClaim, type HardwareClassInfo, type NodeClaim } from "./engine-adapter";
import { Rng, Stream } from "./rng";
import { drawNodeTiming, type NodeTiming } from "./timing";

/** Largest fleet the simulator builds. */
export const MAX_FLEET = 1_000_000;

/** A fleet size, mix or hardware table the builder does not accept (SM002). */
export class FleetError extends SimError {
  override name = "FleetError";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super("SimFleetBadInput", shortMessage, opts);
  }
}

export interface SimNode {
  index: number;
  behaviour: BehaviourName;
  spec: BehaviourSpec;
  /** The GPU that does the work: held (shared by a sybil group), or rented elsewhere (outsourcer). */
  hw: HardwareClassInfo;
  /** The on-chain claim, checked by the engine's `checkClaim`. */
  claim: NodeClaim;
  /** Sustained throughput of the GPU doing the work, GFLOP/s (peak x efficiency). */
  actualGflops: number;
  /** Peak of the hardware this identity holds (a sybil's GPU split over its identities). */
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

/** Log-space spread of `agent bench` around the sustained throughput it measures. */
export const BENCH_NOISE_SIGMA = 0.02;

/** Behaviour counts: largest remainder, sybil counts rounded to whole groups. */
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

/**
 * The claim for `gflops` of throughput: the held class if one device of it may claim that much,
 * else the smallest class whose peak covers it (a spoofer names a better GPU), else several
 * devices of the largest class. A claim never exceeds count x peak (engine's checkClaim).
 */
export function claimFor(gflops: number, held: HardwareClassInfo, classes: readonly HardwareClassInfo[]): NodeClaim {
  if (gflops <= held.peakGflops) return { gpuModel: held.id, gpuCount: 1, gflops, vramMiB: held.vramMiB };
  const better = classes.filter((c) => c.peakGflops >= gflops).sort((a, b) => a.peakGflops - b.peakGflops)[0];
  if (better) return { gpuModel: better.id, gpuCount: 1, gflops, vramMiB: better.vramMiB };
  const top = [...classes].sort((a, b) => b.peakGflops - a.peakGflops)[0];
  const count = Math.ceil(gflops / top.peakGflops);
  return { gpuModel: top.id, gpuCount: count, gflops, vramMiB: top.vramMiB * count };
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
      // One GPU per group: its efficiency, its network link and the bench an identity shows are shared.
      const shared = drawNodeTiming(new Rng(seed, Stream.node, first), spec.network);
      const actualGflops = hw.peakGflops * shared.efficiency;
      // `agent bench` measures the GPU doing the work; a forger fakes the bench of the full GPU.
      const bench = Math.min(hw.peakGflops, actualGflops * Math.exp(BENCH_NOISE_SIGMA * rng.normal()));
      const claim = claimFor((bench * spec.claimFactor) / (spec.splitsClaim ? spec.identities : 1), hw, classes);
      checkClaim(claim);
      for (let s = 0; s < spec.identities; s++) {
        const index = nodes.length;
        const nodeRng = new Rng(seed, Stream.node, index, 1);
        // One machine, one link: its identities share the link's profile (each exchange still
        // draws its own jitter, loss and spikes).
        const timing = shared;
        nodes.push({
          index,
          behaviour: b,
          spec,
          hw,
          claim,
          actualGflops,
          heldGflops: spec.outsources ? 0 : (hw.peakGflops * (1 - spec.forgedFraction)) / spec.identities,
          rentedGflops: spec.outsources ? hw.peakGflops : 0,
          timing,
          group: first,
          groupSize: spec.identities,
          hopMs: spec.outsources ? nodeRng.range(OUTSOURCE_HOP_MIN_MS, OUTSOURCE_HOP_MAX_MS) : 0,
          stake: minimumStake(econ, claim.gflops),
        });
      }
    }
  }
  return nodes;
}
