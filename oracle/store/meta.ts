/** The meta table: small named values the oracle keeps across restarts (e.g. its heartbeat). */
import type { DB } from "./schema";
import { statement } from "./statement";

const read = statement<[string], { value: string }>("SELECT value FROM meta WHERE key = ?");
const write = statement<[string, string]>("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");

export function getMeta(db: DB, key: string): string | undefined {
  return read(db).get(key)?.value;
}

export function setMeta(db: DB, key: string, value: string): void {
  write(db).run(key, value);
}

/** Key of the oracle's heartbeat: the chain-aligned time (ms) it was last known up. */
export const HEARTBEAT_KEY = "alive_at";
/** Key of the largest chain-time lead over the wall clock seen (ms): restored on restart. */
export const CLOCK_LEAD_KEY = "chain_lead_ms";
