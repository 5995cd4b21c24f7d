/**
 * The oracle's view of chain time. Epoch boundaries are in block time, and the next block's time
 * is max(latest block time + 1 s, wall clock) on the chains the oracle runs against (a devnet that
 * mines many blocks in one second runs ahead of the wall clock). `now()` is exactly that:
 * max(wall clock, latest observed block time + 1 s). It never goes backwards, so deadlines and
 * epoch boundaries are seen consistently. Request timestamps (auth) and latencies stay on the
 * wall clock.
 */
export class ChainClock {
  private nextBlockMs = 0;
  constructor(private readonly wall: () => number = Date.now) {}

  /** Records the latest block's timestamp (seconds). */
  observe(blockTimestampSec: number): void {
    this.nextBlockMs = Math.max(this.nextBlockMs, (blockTimestampSec + 1) * 1000);
  }

  now(): number {
    return Math.max(this.wall(), this.nextBlockMs);
  }

  wallMs(): number {
    return this.wall();
  }

  /** How far chain time is ahead of the wall clock, ms. */
  get leadMs(): number {
    return Math.max(0, this.nextBlockMs - this.wall());
  }
}
