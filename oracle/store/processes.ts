/** The processes table: the GPU process lists nodes report (`POST /v1/processes`). */
import type { DB } from "./schema";
import { statement } from "./statement";

const insert = statement<[string, number, string]>("INSERT INTO processes (node, ts, processes) VALUES (?, ?, ?)");

/** Stores one report of `node` (lower case). */
export function insertProcesses(db: DB, node: string, tsMs: number, processes: readonly unknown[]): void {
  insert(db).run(node, tsMs, JSON.stringify(processes));
}
