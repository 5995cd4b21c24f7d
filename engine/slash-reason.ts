/**
 * Slash reason codes: the same numbers as `SlashReason` in contracts/interfaces/ISettlement.sol.
 * They live in the engine because the judge (judge.ts) decides them; protocol/ re-exports them.
 */
/** Why a node is slashed; the same numbers as `SlashReason` in contracts/interfaces. */
export enum SlashReason {
  /** A committed result that does not match the recomputation (wrong row, item or probe). */
  Fraud = 1,
  /** Throughput far below the claim with statistical confidence. */
  Overclaim = 2,
  /** A lease violated: foreign processes or unavailability during a booked window. */
  LeaseViolation = 3,
}

