/**
 * The event-loop stall record the voiding rule reads (DESIGN.md "Voiding"): a probe timer every
 * PROBE_MS notes each time it fired more than `minStallMs` late, as the interval the loop was
 * stalled, on the oracle's chain-aligned clock. A request the oracle handles after a deadline
 * is the oracle's fault when a stall of at least `voidLagMs` covered that deadline: the frame may
 * have waited in the socket the whole time. Bounded: the last MAX_STALLS stalls are kept.
 */

/** Probe period, ms. */
export const PROBE_MS = 10;
/** Stalls remembered (older ones are dropped first). */
export const MAX_STALLS = 1_024;

export interface Stall {
  /** Chain-aligned ms: when the loop should have run the probe, and when it did. */
  from: number;
  to: number;
}

export class LagMonitor {
  private readonly stalls: Stall[] = [];
  private timer?: NodeJS.Timeout;
  private last = 0;

  constructor(
    private readonly now: () => number,
    private readonly minStallMs = 50,
  ) {}

  start(): void {
    this.last = this.now();
    this.timer = setInterval(() => {
      const t = this.now();
      if (t - this.last - PROBE_MS >= this.minStallMs) this.note({ from: this.last + PROBE_MS, to: t });
      this.last = t;
    }, PROBE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Records a stall (the probe's own, or one measured elsewhere). */
  note(s: Stall): void {
    if (this.stalls.length >= MAX_STALLS) this.stalls.shift();
    this.stalls.push(s);
  }

  /**
   * The longest stall that covered instant `at` (chain-aligned ms), including one still running
   * up to now (the probe has not fired yet because the loop is only now free); 0 when none.
   */
  stallCovering(at: number): number {
    let longest = 0;
    for (const s of this.stalls) if (s.from <= at && s.to >= at) longest = Math.max(longest, s.to - s.from);
    // The current turn of the loop: the probe last ran at `last`; if that was before `at` and the
    // loop has not let it run since, the loop has been busy from then until now.
    const t = this.now();
    if (this.last + PROBE_MS <= at && t >= at && t - this.last - PROBE_MS >= this.minStallMs) longest = Math.max(longest, t - this.last - PROBE_MS);
    return longest;
  }
}
