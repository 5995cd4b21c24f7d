/**
 * A digest of every table's rows: equal before and after a rejected request means the request
 * wrote nothing. The oracle's own heartbeat (the meta keys it rewrites every second, whatever
 * the requests) is left out: it records that the oracle is up, not anything a request did.
 */
import { createHash } from "node:crypto";
import type { DB } from "../../oracle/store/schema";
import { CLOCK_LEAD_KEY, HEARTBEAT_KEY } from "../../oracle/store/meta";

export function dbSnapshot(db: DB): string {
  const h = createHash("sha256");
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as { name: string }[];
  for (const { name } of tables) {
    const rows = db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).all() as Record<string, unknown>[];
    const kept = name === "meta" ? rows.filter((r) => r.key !== HEARTBEAT_KEY && r.key !== CLOCK_LEAD_KEY) : rows;
    h.update(name + JSON.stringify(kept));
  }
  return h.digest("hex");
}
