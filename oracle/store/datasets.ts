/**
 * The datasets table: the records verified infer challenges yield (prompt tokens and verified
 * output fingerprint), one per opened item, served by `GET /v1/datasets`.
 */
import type { DB } from "./schema";
import { statement } from "./statement";

export interface DatasetRow {
  id: number;
  epoch: number;
  node: string;
  challenge_id: string;
  item_index: number;
  /** JSON. */
  record: string;
  created_at: number;
}

const insert = statement<[number, string, string, number, string, number]>(
  "INSERT OR IGNORE INTO datasets (epoch, node, challenge_id, item_index, record, created_at) VALUES (?, ?, ?, ?, ?, ?)",
);
const newest = statement<[number], DatasetRow>("SELECT * FROM datasets ORDER BY id DESC LIMIT ?");
const ofEpoch = statement<[number, number], DatasetRow>("SELECT * FROM datasets WHERE epoch = ? ORDER BY id LIMIT ?");

/** Stores a challenge's records; one already stored (same challenge and item) is kept. */
export function insertDatasetRecords(db: DB, c: { epoch: number; node: string; challengeId: string }, records: readonly { index: number; record: unknown }[], nowMs: number): void {
  const s = insert(db);
  for (const r of records) s.run(c.epoch, c.node, c.challengeId, r.index, JSON.stringify(r.record), nowMs);
}

/** The newest records (no epoch), or an epoch's records oldest first; at most `limit`. */
export function datasetRecords(db: DB, epoch: number | undefined, limit: number): DatasetRow[] {
  return epoch === undefined ? newest(db).all(limit) : ofEpoch(db).all(epoch, limit);
}
