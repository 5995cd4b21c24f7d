/**
 * The oracle's view of chain time. Epoch boundaries are in block time; the next block's time is at
 * least max(latest block time + 1, wall clock) on the chains the oracle runs against, and a devnet
 * that mines many blocks in one second runs ahead of the wall clock. `now()` is the wall clock
 * plus the largest lead of the chain seen at the last observation (never behind the wall clock),
 * so seed commitments, challenge times and report timing follow the chain. Request timestamps
 * (auth) stay on the wall clock: nodes sign with theirs.
 */
export class ChainClock {
  private offsetMs = 0;
  constructor(private readonly wall: () => number = Date.now) {}

  /** Records the latest block's timestamp (seconds). */
  observe(blockTimestampSec: number): void {
    // The next block is at least one second after the latest one.
    this.offsetMs = Math.max(0, (blockTimestampSec + 1) * 1000 - this.wall());
  }

  now(): number {
    return this.wall() + this.offsetMs;
  }

  get leadMs(): number {
    return this.offsetMs;
  }
}
