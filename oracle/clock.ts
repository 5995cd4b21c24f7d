/**
 * The oracle's view of chain time. Epoch boundaries are in block time. A devnet that mines many
 * blocks in one second runs ahead of the wall clock and keeps that lead (Hardhat stamps a new block
 * with the wall clock plus its accumulated offset), so the chain's time is modelled as the wall
 * clock plus the largest lead ever observed (block time − wall clock at the moment the latest
 * block was read). The lead only grows, so `now()` never goes backwards; reading an old block
 * of an idle chain cannot pull it back. Request timestamps (auth) and latencies stay on the wall
 * clock.
 */
export class ChainClock {
  private leadMax = 0;
  constructor(private readonly wall: () => number = Date.now) {}

  /** Records the latest block's timestamp (seconds). */
  observe(blockTimestampSec: number): void {
    this.leadMax = Math.max(this.leadMax, blockTimestampSec * 1000 - this.wall());
  }

  /** Restores a lead observed before a restart (so a restarted oracle's time does not run behind). */
  restore(leadMs: number): void {
    if (Number.isFinite(leadMs)) this.leadMax = Math.max(this.leadMax, leadMs);
  }

  now(): number {
    return this.wall() + this.leadMax;
  }

  wallMs(): number {
    return this.wall();
  }

  /** How far chain time is ahead of the wall clock, ms. */
  get leadMs(): number {
    return this.leadMax;
  }
}
