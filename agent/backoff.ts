/**
 * Reconnect delays: exponential backoff with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): delay = random in [cap/2, cap] where cap = min(maxMs, baseMs * 2^attempt).
 * Half the cap is kept as a floor so a node that lost its oracle does not hammer it, and the
 * random half spreads a fleet's reconnects after an oracle restart. Pure: the random source is
 * passed in.
 */
export interface BackoffOptions {
  /** Delay cap of the first retry, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/** Largest exponent used: 2^30 * baseMs already exceeds any sensible maxMs. */
const MAX_EXPONENT = 30;

export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  if (!Number.isInteger(attempt) || attempt < 0) throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`);
  if (!(opts.baseMs > 0) || !(opts.maxMs >= opts.baseMs)) throw new RangeError("backoff needs 0 < baseMs <= maxMs");
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, MAX_EXPONENT));
  const r = random();
  // Rounded up to whole ms: a delay is never shorter than its floor cap/2.
  return Math.ceil(cap / 2 + (cap / 2) * Math.min(Math.max(r, 0), 1));
}
