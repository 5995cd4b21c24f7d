/**
 * The challenge deadline rule: a challenge's deadline is its due time plus this many times the
 * time an honest node of the claimed rating needs, plus the configured slack. The oracle's
 * schedule phase (oracle/epoch/schedule.ts) enforces it; the simulator (sim/) models it.
 */

/** A deadline is this many times the expected time at the claim, plus the slack. */
export const DEADLINE_EXPECTED_FACTOR = 3;
