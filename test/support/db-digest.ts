/**
 * A digest of every row of every table of an oracle's database, for tests that check a rejected
 * request changed nothing. `skip` leaves out rows an accepted step wrote on purpose (the nonce of
 * an accepted session opening), so a batch that mixes them can still be compared. The oracle's own
 * heartbeat (the meta keys it rewrites every second, whatever the requests) is always left out: it
 * records that the oracle is up, not anything a request did.
 */
import { createHash } from "node:crypto";
import type { DB } from "../../oracle/store/schema";
import { CLOCK_LEAD_KEY, HEARTBEAT_KEY } from "../../oracle/store/meta";

const heartbeat = (table: string, row: Record<string, unknown>) => table === "meta" && (row.key === HEARTBEAT_KEY || row.key === CLOCK_LEAD_KEY);

export type RowFilter = (table: string, row: Record<string, unknown>) => boolean;

/** Table name -> sha256 of its rows in rowid order. */
export function tableDigests(db: DB, skip?: RowFilter): Record<string, string> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as { name: string }[];
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all() as Record<string, unknown>[];
    const kept = rows.filter((r) => !heartbeat(name, r) && !skip?.(name, r));
    out[name] = createHash("sha256").update(JSON.stringify(kept)).digest("hex");
  }
  return out;
}

/** One digest over every table. */
export function dbDigest(db: DB, skip?: RowFilter): string {
  return createHash("sha256").update(JSON.stringify(tableDigests(db, skip))).digest("hex");
}

/** The tables whose rows differ between two `tableDigests`. */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]);
}
