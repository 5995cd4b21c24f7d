/**
 * Per-key token buckets: each key holds up to `burst` tokens, refilled at `ratePerSec`; a request
 * takes one. Pure apart from the clock the caller passes in. The number of buckets is bounded:
 * when full, the least recently used bucket is dropped (which can only favour that key, never
 * block another).
 */

/** Most keys tracked at once. */
export const MAX_BUCKETS = 100_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
  ) {}

  /** Takes a token for `key` at time `nowMs`; returns 0 when allowed, else the ms until one is free. */
  take(key: string, nowMs: number): number {
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key); // re-inserted below: Map order is the LRU order
      b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) / 1000) * this.ratePerSec);
      b.at = nowMs;
    } else {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value as string);
      b = { tokens: this.burst, at: nowMs };
    }
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    // Round up: the caller must not retry before a whole token is back.
    return Math.ceil(((1 - b.tokens) / this.ratePerSec) * 1000);
  }
}
