/**
 * The process_reports table: the signed process reports nodes send (`POST /v1/processes`, the
 * session's `processes` frame), at most a bound per node, pruned after a retention window.
 */
import type { Hex } from "viem";
import type { DB } from "./schema";
import { statement } from "./statement";

export interface ProcessReportRow {
  id: number;
  node: string;
  ts: number;
  received_at: number;
  entries: number;
  report: string;
  signature: Hex;
  digest: Hex;
}

const insert = statement<[string, number, number, number, string, string, string]>(
  "INSERT INTO process_reports (node, ts, received_at, entries, report, signature, digest) VALUES (?, ?, ?, ?, ?, ?, ?)",
);
const latest = statement<[string], { ts: number }>("SELECT ts FROM process_reports WHERE node = ? ORDER BY ts DESC LIMIT 1");
// Keeps the node's newest `keep` reports: the rest, oldest first, go.
const trimNode = statement<[string, string, number]>(
  "DELETE FROM process_reports WHERE node = ? AND id NOT IN (SELECT id FROM process_reports WHERE node = ? ORDER BY ts DESC, id DESC LIMIT ?)",
);
const pruneBefore = statement<[number]>("DELETE FROM process_reports WHERE ts < ?");
const inWindow = statement<[string, number, number, number], ProcessReportRow>(
  "SELECT * FROM process_reports WHERE node = ? AND ts >= ? AND ts <= ? ORDER BY ts ASC LIMIT ?",
);
const countOf = statement<[string], { n: number }>("SELECT COUNT(*) AS n FROM process_reports WHERE node = ?");

/** Stores one report of `node` (lower case). */
export function insertProcessReport(db: DB, row: Omit<ProcessReportRow, "id">): void {
  insert(db).run(row.node, row.ts, row.received_at, row.entries, row.report, row.signature, row.digest);
}

/** The timestamp of the node's newest kept report, undefined when none is kept. */
export function latestReportTs(db: DB, node: string): number | undefined {
  return latest(db).get(node)?.ts;
}

/** Deletes all but the node's newest `keep` reports; returns how many went. */
export function trimNodeReports(db: DB, node: string, keep: number): number {
  return trimNode(db).run(node, node, keep).changes;
}

/** Deletes every report older than `tsMs`; returns how many went. */
export function pruneReportsBefore(db: DB, tsMs: number): number {
  return pruneBefore(db).run(tsMs).changes;
}

/** The node's reports with `fromMs <= ts <= toMs`, oldest first, at most `limit`. */
export function reportsInWindow(db: DB, node: string, fromMs: number, toMs: number, limit: number): ProcessReportRow[] {
  return inWindow(db).all(node, fromMs, toMs, limit);
}

/** How many reports of the node are kept. */
export function reportCount(db: DB, node: string): number {
  return countOf(db).get(node)?.n ?? 0;
}
