/**
 * The node_epochs table: each node's verdict, stats, reward and slash of one judged epoch. The
 * judge phase writes an epoch's rows at once; the judge reads a node's history back, the read
 * API serves it.
 */
import type { Hex } from "viem";
import type { Verdict } from "../../engine/rewards";
import { SlashReason } from "../../engine/slash-reason";
import { REPORT_STATE } from "./status";
import type { DB } from "./schema";
import { statement } from "./statement";

export interface NodeEpochRow {
  epoch: number;
  node: string;
  operator: string;
  verdict: Verdict;
  /** JSON, the node's report inputs without the slash. */
  stats: string;
  /** Decimal, this epoch. */
  reward: string;
  slash_bps: number;
  slash_reason: number;
  evidence: Hex | null;
}

const history = statement<[string, number, number], { epoch: number; verdict: Verdict; slashReason: number }>(
  "SELECT epoch, verdict, slash_reason AS slashReason FROM node_epochs WHERE node = ? AND epoch < ? ORDER BY epoch DESC LIMIT ?",
);
const deleteEpoch = statement<[number]>("DELETE FROM node_epochs WHERE epoch = ?");
const insert = statement<[number, string, string, Verdict, string, string, number, number, Hex | null]>(
  "INSERT INTO node_epochs (epoch, node, operator, verdict, stats, reward, slash_bps, slash_reason, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
);
const latest = statement<[], Pick<NodeEpochRow, "node" | "epoch" | "verdict" | "reward">>(
  "SELECT node, epoch, verdict, reward FROM node_epochs WHERE (node, epoch) IN (SELECT node, MAX(epoch) FROM node_epochs GROUP BY node)",
);
const countsOf = statement<[number], { verdict: Verdict; n: number }>("SELECT verdict, COUNT(*) AS n FROM node_epochs WHERE epoch = ? GROUP BY verdict");
const ofNode = statement<[string, number], NodeEpochRow>("SELECT * FROM node_epochs WHERE node = ? ORDER BY epoch DESC LIMIT ?");

const openFraud = statement<[number, number, number, number], { node: string; epoch: number }>(
  `SELECT n.node AS node, MIN(n.epoch) AS epoch FROM node_epochs n LEFT JOIN reports r ON r.epoch = n.epoch
   WHERE n.slash_reason = ? AND n.epoch < ? AND n.epoch >= ?
     AND (r.status IS NULL OR r.status NOT IN ('${REPORT_STATE.Finalized}', '${REPORT_STATE.Vetoed}') OR (r.status = '${REPORT_STATE.Finalized}' AND r.updated_at >= ?))
   GROUP BY n.node`,
);

/**
 * Nodes with a fraud incident open at `atMs` that covers epoch `before`: judged fraudulent (a
 * fraud slash in their report) in an epoch in [from, before) whose report was not finalized by
 * `atMs` (the slash then executes and jails the node) and is not vetoed. The schedule asks at
 * the epoch's start; the judge asks with the epoch's start too, so an epoch planned while the
 * incident was open stays covered after the slash executes. Each with the incident's first epoch.
 */
export function openFraudIncidents(db: DB, before: number, from: number, atMs: number): Map<string, number> {
  return new Map(openFraud(db).all(Number(SlashReason.Fraud), before, from, atMs).map((r) => [r.node.toLowerCase(), r.epoch]));
}

/** A node's verdicts in epochs before `before`, newest first, at most `limit` rows. */
export function verdictHistory(db: DB, node: string, before: number, limit: number): { epoch: number; verdict: Verdict; slashReason: number }[] {
  return history(db).all(node.toLowerCase(), before, limit);
}

/** Replaces an epoch's node rows (`node` and `operator` stored in lower case). */
export function replaceNodeEpochs(db: DB, epoch: number, rows: readonly Omit<NodeEpochRow, "epoch">[]): void {
  deleteEpoch(db).run(epoch);
  const s = insert(db);
  for (const r of rows) s.run(epoch, r.node.toLowerCase(), r.operator.toLowerCase(), r.verdict, r.stats, r.reward, r.slash_bps, r.slash_reason, r.evidence);
}

/** Every node's latest judged epoch. */
export function latestNodeEpochs(db: DB): Pick<NodeEpochRow, "node" | "epoch" | "verdict" | "reward">[] {
  return latest(db).all();
}

/** A node's judged epochs, newest first, at most `limit`. */
export function nodeEpochsOf(db: DB, node: string, limit: number): NodeEpochRow[] {
  return ofNode(db).all(node.toLowerCase(), limit);
}

/** How many nodes got each verdict in `epoch`. */
export function verdictCounts(db: DB, epoch: number): Partial<Record<Verdict, number>> {
  return Object.fromEntries(countsOf(db).all(epoch).map((r) => [r.verdict, r.n]));
}
