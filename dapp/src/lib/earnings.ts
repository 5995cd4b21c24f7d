/**
 * An operator's earnings over epochs: the per-node rewards of the oracle's stats summed per
 * epoch, the running total, and which epochs the chain's finalized cumulative root covers. Pure.
 */
import type { EpochStat } from "./oracleApi";

export interface EpochEarning {
  epoch: number;
  /** Sum of the operator's nodes' rewards of this epoch (wei); null if any node's is unknown. */
  amount: bigint | null;
  /** Running total up to this epoch (wei), over the known amounts. */
  cumulative: bigint;
  /** Covered by the chain's finalized rewards root (epoch <= rootEpoch): claimable or claimed. */
  finalized: boolean;
}

/** Epochs of earnings drawn at most (the latest). */
export const MAX_EARNING_EPOCHS = 200;

/**
 * Per-epoch earnings of several nodes (each node's stats list), oldest first. `rootEpoch` is the
 * epoch of the chain's finalized root (null when none is finalized).
 */
export function earningsByEpoch(perNode: readonly (readonly EpochStat[])[], rootEpoch: number | null): EpochEarning[] {
  const byEpoch = new Map<number, bigint | null>();
  for (const stats of perNode) {
    for (const s of stats) {
      const prev = byEpoch.has(s.epoch) ? byEpoch.get(s.epoch)! : 0n;
      byEpoch.set(s.epoch, prev === null || s.reward === null ? null : prev + s.reward);
    }
  }
  const epochs = [...byEpoch.keys()].sort((a, b) => a - b).slice(-MAX_EARNING_EPOCHS);
  let running = 0n;
  return epochs.map((epoch) => {
    const amount = byEpoch.get(epoch)!;
    running += amount ?? 0n;
    return { epoch, amount, cumulative: running, finalized: rootEpoch !== null && epoch <= rootEpoch };
  });
}

/**
 * Claimable = the cumulative amount of the proof for the chain's root minus what was claimed,
 * never negative (a cumulative amount below what was claimed leaves nothing).
 */
export function claimableOf(cumulative: bigint, claimed: bigint): bigint {
  return cumulative > claimed ? cumulative - claimed : 0n;
}

/** Judged by the oracle after the finalized root: earned, not yet claimable (report pending or unreported). */
export function pendingOf(earnings: readonly EpochEarning[]): bigint {
  return earnings.reduce((sum, e) => (e.finalized || e.amount === null ? sum : sum + e.amount), 0n);
}
