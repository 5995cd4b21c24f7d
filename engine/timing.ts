/**
 * Timing of one challenge: how long the work took and what throughput that implies against the
 * claim. Times are in milliseconds of the oracle's clock; the node's clock is never trusted.
 *
 * compute time = (commitment received - challenge sent) - round trip time. The round trip is the
 * oracle's running estimate for the node (a small ping); subtracting it removes network delay,
 * and what jitter remains is part of the noise model of the judge (judge.ts). The result is
 * floored at MIN_COMPUTE_SECONDS so a bogus RTT estimate cannot make a ratio infinite.
 *
 * throughput ratio r = (work at the claimed rate) / (measured compute time)
 *                    = measured throughput / claimed throughput.
 * r = 1 is exactly the claim; r = 0.5 is a node delivering half of what it claims.
 */
import { ENGINE_ERRORS } from "./error-codes";
import { PoaiError, type PoaiErrorOptions } from "./errors";

/** Floor of a measured compute time, seconds (1 ms). */
export const MIN_COMPUTE_SECONDS = 0.001;

/** Timing inputs out of order or not positive, or an empty sample (EN321). */
export class TimingError extends PoaiError {
  override name = "TimingError";
  readonly reason = "TimingBadInput";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super(ENGINE_ERRORS.TimingBadInput, shortMessage, opts);
  }
}

export interface ChallengeTiming {
  /** Oracle clock when the challenge was sent. */
  issuedAtMs: number;
  /** Oracle clock when the signed commitment arrived. */
  committedAtMs: number;
  /** Oracle's estimate of the round trip to the node. */
  rttMs: number;
}

/** Seconds of compute: (committed - issued - rtt) / 1000, floored at MIN_COMPUTE_SECONDS. */
export function computeSeconds(t: ChallengeTiming): number {
  const { issuedAtMs, committedAtMs, rttMs } = t;
  if (![issuedAtMs, committedAtMs, rttMs].every(Number.isFinite) || committedAtMs < issuedAtMs || rttMs < 0) {
    throw new TimingError(`issued ${issuedAtMs}, committed ${committedAtMs}, rtt ${rttMs}`);
  }
  return Math.max(MIN_COMPUTE_SECONDS, (committedAtMs - issuedAtMs - rttMs) / 1000);
}

/** measured / claimed throughput = expectedSeconds / elapsedSeconds. */
export function throughputRatio(expectedSeconds: number, elapsedSeconds: number): number {
  if (!(expectedSeconds > 0) || !(elapsedSeconds > 0) || !Number.isFinite(expectedSeconds) || !Number.isFinite(elapsedSeconds)) {
    throw new TimingError(`expected ${expectedSeconds} s, elapsed ${elapsedSeconds} s`);
  }
  return expectedSeconds / elapsedSeconds;
}

/** Measured throughput in GFLOP/s of a challenge of `flops` done in `elapsedSeconds`. */
export function measuredGflops(flops: number, elapsedSeconds: number): number {
  if (!(flops > 0) || !(elapsedSeconds > 0)) throw new TimingError(`flops ${flops}, elapsed ${elapsedSeconds}`);
  return flops / elapsedSeconds / 1e9;
}

/** Median of a non-empty list (average of the middle two for an even length). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new TimingError("median of an empty list");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Quantile q in [0, 1] by nearest rank. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) throw new TimingError("quantile of an empty list");
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
