/**
 * The epochs table: each epoch's secret seed (stored before its commitment is sent) and the
 * progress marks of the epoch loop (committed, scheduled, judged).
 */
import type { Hex } from "viem";
import type { DB } from "./schema";
import { statement } from "./statement";

export interface EpochRow {
  epoch: number;
  /** Secret until the report reveals it. */
  seed: Hex;
  commitment: Hex;
  created_at: number;
  /** The on-chain commitment was seen. */
  committed_at: number | null;
  /** The epoch's challenges were planned. */
  scheduled_at: number | null;
  /** Verdicts and rewards computed, report built. */
  judged_at: number | null;
  /**
   * Stored again after a lost database (the seed re-derived, the commitment found on chain):
   * what the lost database knew of the epoch's challenges before this instant is gone.
   */
  recovered_at: number | null;
}

const byEpoch = statement<[number], EpochRow>("SELECT * FROM epochs WHERE epoch = ?");
const insert = statement<[number, Hex, Hex, number]>("INSERT OR IGNORE INTO epochs (epoch, seed, commitment, created_at) VALUES (?, ?, ?, ?)");
const committed = statement<[number, number]>("UPDATE epochs SET committed_at = ? WHERE epoch = ?");
const recovered = statement<[number, Hex, Hex, number, number, number]>(
  "INSERT OR IGNORE INTO epochs (epoch, seed, commitment, created_at, committed_at, recovered_at) VALUES (?, ?, ?, ?, ?, ?)",
);
const scheduled = statement<[number, number]>("UPDATE epochs SET scheduled_at = ? WHERE epoch = ?");
const judged = statement<[number | null, number]>("UPDATE epochs SET judged_at = ? WHERE epoch = ?");
const unjudged = statement<[number, number], EpochRow>(
  "SELECT * FROM epochs WHERE judged_at IS NULL AND committed_at IS NOT NULL AND epoch < ? AND epoch >= ? ORDER BY epoch",
);
const committedBetween = statement<[number, number], { n: number }>(
  "SELECT COUNT(*) AS n FROM epochs WHERE committed_at IS NOT NULL AND epoch > ? AND epoch < ?",
);
const seedOf = statement<[number], { seed: Hex }>("SELECT seed FROM epochs WHERE epoch = ?");

export function getEpoch(db: DB, epoch: number): EpochRow | undefined {
  return byEpoch(db).get(epoch);
}

/** Stores a new epoch's seed and commitment; an existing row is kept as it is. */
export function insertEpoch(db: DB, epoch: number, seed: Hex, commitment: Hex, nowMs: number): void {
  insert(db).run(epoch, seed, commitment, nowMs);
}

/** Stores an epoch recovered after a lost database: committed, and recovered at `nowMs`. */
export function insertRecoveredEpoch(db: DB, epoch: number, seed: Hex, commitment: Hex, nowMs: number): void {
  recovered(db).run(epoch, seed, commitment, nowMs, nowMs, nowMs);
}

export function markCommitted(db: DB, epoch: number, nowMs: number): void {
  committed(db).run(nowMs, epoch);
}

export function markScheduled(db: DB, epoch: number, nowMs: number): void {
  scheduled(db).run(nowMs, epoch);
}

export function markJudged(db: DB, epoch: number, nowMs: number): void {
  judged(db).run(nowMs, epoch);
}

/** Judges the epoch again on the next pass (its report was dropped). */
export function clearJudged(db: DB, epoch: number): void {
  judged(db).run(null, epoch);
}

/** Committed epochs in [from, before) not judged yet, oldest first. */
export function unjudgedEpochs(db: DB, before: number, from: number): EpochRow[] {
  return unjudged(db).all(before, from);
}

/** The epoch's seed, if this oracle has it. */
export function epochSeed(db: DB, epoch: number): Hex | undefined {
  return seedOf(db).get(epoch)?.seed;
}

/** How many epochs in (`after`, `before`) this oracle committed a seed for. */
export function committedEpochsBetween(db: DB, after: number, before: number): number {
  return committedBetween(db).get(after, before)!.n;
}
