/**
 * The timing noise model: what an oracle measures when it times a node's answer.
 *
 * elapsed = network round trip (+ jitter, + occasional spike) + compute time, or nothing when
 * the request is dropped. Compute time = FLOPs / (peak * efficiency * throttle * run noise):
 * - efficiency: a node's achieved share of its class's published peak (clocks, cooling, drivers,
 *   kernel quality), drawn once per node, uniform in [EFFICIENCY_MIN, EFFICIENCY_MAX];
 * - throttle: thermal throttling episodes, a random stretch of some epochs where throughput
 * *   drops to 60-90 %;
 * - run noise: challenge-to-challenge variation, log-normal with 3 % spread.
 * Network: a per-node base round trip (datacenter 10-120 ms, home/edge 40-300 ms) with
 * log-normal jitter; flaky nodes lose 2-8 % of their exchanges (each loss costs a 2 s retry)
 * and hit latency spikes of 0.3-4 s on 2-10 % of them; healthy nodes lose 0.1 % and spike
 * (0.2-2 s) on 0.2 %.
 */
import type { Rng } from "./rng";

export const EFFICIENCY_MIN = 0.7;
export const EFFICIENCY_MAX = 0.95;
/** Log-space standard deviation of one challenge's compute time around the node's mean. */
export const RUN_NOISE_SIGMA = 0.03;
/** Chance that a node has a thermal-throttling episode in a given epoch. */
export const THROTTLE_EPISODE_PROB = 0.05;
export const THROTTLE_FACTOR_MIN = 0.6;
export const THROTTLE_FACTOR_MAX = 0.9;
/** Episode length as a share of the epoch. */
export const THROTTLE_SHARE_MIN = 0.1;
export const THROTTLE_SHARE_MAX = 0.5;

export type NetworkProfile = "healthy" | "flaky";

export interface NodeTiming {
  /** Achieved share of the hardware's published peak. */
  efficiency: number;
  /** Median network round trip to the oracle, ms. */
  rttMs: number;
  /** Log-space jitter of the round trip. */
  jitterSigma: number;
  /** Probability that a request or its answer is lost. */
  dropRate: number;
  /** Probability that a request hits a latency spike. */
  spikeRate: number;
  spikeMinMs: number;
  spikeMaxMs: number;
}

export function drawNodeTiming(rng: Rng, profile: NetworkProfile): NodeTiming {
  const efficiency = rng.range(EFFICIENCY_MIN, EFFICIENCY_MAX);
  const datacenter = rng.chance(0.6);
  const rttMs = datacenter ? rng.range(10, 120) : rng.range(40, 300);
  if (profile === "flaky") {
    return {
      efficiency,
      rttMs,
      jitterSigma: 0.5,
      dropRate: rng.range(0.02, 0.08),
      spikeRate: rng.range(0.02, 0.1),
      spikeMinMs: 300,
      spikeMaxMs: 4000,
    };
  }
  return { efficiency, rttMs, jitterSigma: 0.25, dropRate: 0.001, spikeRate: 0.002, spikeMinMs: 200, spikeMaxMs: 2000 };
}

export interface ThrottleEpisode {
  /** Start and end as shares of the epoch, in [0, 1]. */
  from: number;
  to: number;
  factor: number;
}

/** The throttling episode of one node in one epoch, if any. */
export function drawThrottle(rng: Rng): ThrottleEpisode | null {
  if (!rng.chance(THROTTLE_EPISODE_PROB)) return null;
  const share = rng.range(THROTTLE_SHARE_MIN, THROTTLE_SHARE_MAX);
  const from = rng.range(0, 1 - share);
  return { from, to: from + share, factor: rng.range(THROTTLE_FACTOR_MIN, THROTTLE_FACTOR_MAX) };
}

/** Throughput factor at time t (share of the epoch). */
export function throttleAt(ep: ThrottleEpisode | null, t: number): number {
  return ep !== null && t >= ep.from && t < ep.to ? ep.factor : 1;
}

/** Compute time in ms of `flops` on hardware of `peakGflops` at the node's efficiency. */
export function computeMs(flops: number, peakGflops: number, efficiency: number, throttle: number, rng: Rng): number {
  const rate = peakGflops * 1e9 * efficiency * throttle; // FLOP/s
  return (flops / rate) * 1000 * Math.exp(RUN_NOISE_SIGMA * rng.normal());
}

/**
 * One request/answer exchange over the node's network: the round-trip time in ms, or null
 * when the exchange is lost.
 */
export function networkMs(t: NodeTiming, rng: Rng): number | null {
  if (rng.chance(t.dropRate)) return null;
  let ms = rng.logNormal(t.rttMs, t.jitterSigma);
  if (rng.chance(t.spikeRate)) ms += rng.range(t.spikeMinMs, t.spikeMaxMs);
  return ms;
}
