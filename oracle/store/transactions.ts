/**
 * The transactions table: every transaction the relay signed, with its raw bytes (a crash between
 * signing and sending re-sends the same transaction, not a second one) and where it is
 * (status.ts TX_STATUS). Only the relay writes it; others ask through `hasLiveTransaction`.
 */
import type { Hex } from "viem";
import type { DB } from "./schema";
import { sqlList, statement } from "./statement";
import { LIVE_TX_STATUSES, TX_STATUS, type TxStatus } from "./status";

export interface TxRow {
  id: number;
  /** commitSeed:<e> | submitReport:<e> | finalize:<e> */
  purpose: string;
  nonce: number;
  hash: Hex;
  raw: Hex;
  max_fee: string;
  priority_fee: string;
  status: TxStatus;
  created_at: number;
  /** The latest broadcast (a re-broadcast moves it). */
  sent_at: number | null;
  /** The first broadcast of this transaction: its stuck clock (a re-broadcast does not move it). */
  first_sent_at: number | null;
}

const ofPurpose = statement<[string], TxRow>("SELECT * FROM transactions WHERE purpose = ? ORDER BY id");
const setStatus = statement<[TxStatus, number | null, string | null, number | null, number | null, number]>(
  "UPDATE transactions SET status = ?, block = COALESCE(?, block), error = COALESCE(?, error), sent_at = COALESCE(?, sent_at), first_sent_at = COALESCE(first_sent_at, ?) WHERE id = ?",
);
const insert = statement<[string, string, number, Hex, Hex, string, string, number]>(
  `INSERT INTO transactions (purpose, sender, nonce, hash, raw, max_fee, priority_fee, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, '${TX_STATUS.Signed}', ?)`,
);
const countsByStatus = statement<[], { status: TxStatus; n: number }>("SELECT status, COUNT(*) AS n FROM transactions GROUP BY status");
const oldestLive = statement<[], { t: number | null }>(
  `SELECT MIN(COALESCE(first_sent_at, created_at)) AS t FROM transactions WHERE status IN ${sqlList(LIVE_TX_STATUSES)}`,
);
const oldestSent = statement<[], { t: number | null }>(`SELECT MIN(first_sent_at) AS t FROM transactions WHERE status = '${TX_STATUS.Sent}'`);
const live = statement<[number], TxRow>(`SELECT * FROM transactions WHERE status IN ${sqlList(LIVE_TX_STATUSES)} ORDER BY id LIMIT ?`);
const liveCount = statement<[string], { n: number }>(`SELECT COUNT(*) AS n FROM transactions WHERE purpose = ? AND status IN ${sqlList(LIVE_TX_STATUSES)}`);

/** A purpose's transactions, oldest first. */
export function transactionsOf(db: DB, purpose: string): TxRow[] {
  return ofPurpose(db).all(purpose);
}

/**
 * Sets a transaction's status; a field left out keeps its stored value. `sent_at` records a
 * broadcast: the first one also becomes `first_sent_at`, which later ones leave as it is.
 */
export function setTransactionStatus(db: DB, id: number, status: TxStatus, extra: { block?: number; error?: string; sent_at?: number } = {}): void {
  const sentAt = extra.sent_at ?? null;
  setStatus(db).run(status, extra.block ?? null, extra.error ?? null, sentAt, sentAt, id);
}

/** Stores a transaction just signed (before it is broadcast); returns its id. */
export function insertSignedTransaction(
  db: DB,
  t: { purpose: string; sender: string; nonce: number; hash: Hex; raw: Hex; maxFee: bigint; priorityFee: bigint },
  nowMs: number,
): number {
  return Number(insert(db).run(t.purpose, t.sender, t.nonce, t.hash, t.raw, t.maxFee.toString(), t.priorityFee.toString(), nowMs).lastInsertRowid);
}

/** Whether a transaction of `purpose` is still in flight (signed, sent or mined, not settled). */
export function hasLiveTransaction(db: DB, purpose: string): boolean {
  return liveCount(db).get(purpose)!.n > 0;
}

/** How many stored transactions have each status; every status is present, 0 where none. */
export function transactionCountsByStatus(db: DB): Record<TxStatus, number> {
  const counts = Object.fromEntries(Object.values(TX_STATUS).map((s) => [s, 0])) as Record<TxStatus, number>;
  for (const r of countsByStatus(db).all()) counts[r.status] = r.n;
  return counts;
}

/**
 * When the oldest transaction still in flight was first broadcast (or signed, if never
 * broadcast), ms; with `broadcastOnly`, of those the node took and has not mined. Null when none.
 */
export function oldestLiveTransactionAt(db: DB, broadcastOnly = false): number | null {
  return (broadcastOnly ? oldestSent : oldestLive)(db).get()!.t;
}

/** Transactions still in flight (signed, sent or mined), oldest first, at most `limit`. */
export function liveTransactions(db: DB, limit: number): TxRow[] {
  return live(db).all(limit);
}
