/**
 * Process reports (`POST /v1/processes`, the session's `processes` frame): a node's signed list
 * of the GPU processes outside its agent and its lease's container (protocol/process-report.ts),
 * checked, kept bounded and pruned, and read back by a lease's judge.
 *
 * Checks, in order, each a named error that stores nothing: the report names its sender (OR230)
 * and this member (OR231); at most MAX_REPORT_ENTRIES processes (OR232) and every field and the
 * whole text inside its bound (OR233); its timestamp within `clockSkewMs` of this oracle's wall
 * clock (OR234); the signature recovers to the node in this chain's, registry's and API
 * version's domain (OR236); newer than the node's last kept report, by at least
 * `minIntervalMs` (OR235: a replay, a reordering, or a node writing faster than it may).
 *
 * Bounds: at most `maxReportsPerNode` reports per node (the oldest go on insert) and none older
 * than `retentionMs` (deleted on every insert, and by `pruneProcessReports` on each pass of the
 * epoch loop). So the table holds at most maxReportsPerNode x nodes rows of
 * at most MAX_REPORT_BYTES each, and a node can add one row per `minIntervalMs`.
 */
import type { Address, Hex } from "viem";
import {
  checkProcessReport,
  inLease,
  processReportDigest,
  processReportSigner,
  type LeaseContainer,
  type ProcessEntry,
  type ProcessReport,
  type SignedProcessReport,
} from "../protocol/process-report";
import { recordCaller, type Caller } from "./caller";
import { httpError } from "./errors";
import { insertProcessReport, latestReportTs, pruneReportsBefore, reportsInWindow, trimNodeReports } from "./store/processes";
import { relaxedTransaction } from "./store/relaxed";
import type { DB } from "./store/schema";

export interface ProcessReportPolicy {
  chainId: number;
  registry: Address;
  /** This member's address: a report for another member is OR231. */
  oracle: Address;
  clockSkewMs: number;
  maxReportsPerNode: number;
  retentionMs: number;
  minIntervalMs: number;
}

/** Checks a signed report from `auth` and stores it; `wallMs` is this oracle's wall clock. */
export async function recordProcessReport(db: DB, p: ProcessReportPolicy, auth: Caller, s: SignedProcessReport, wallMs: number): Promise<{ recorded: number; digest: Hex }> {
  const r = s.report;
  const node = auth.signer.toLowerCase();
  if (r.node.toLowerCase() !== node) throw httpError.reportNode(`the report names node ${r.node}, the request comes from ${auth.signer}`);
  if (r.oracle.toLowerCase() !== p.oracle.toLowerCase()) throw httpError.reportOracle(`the report is for oracle ${r.oracle}, this one is ${p.oracle}`);
  const size = checkProcessReport(r);
  if (size?.kind === "too-many") throw httpError.reportTooMany(size.message);
  if (size) throw httpError.reportOversized(size.message);
  const skew = Math.abs(r.timestampMs - wallMs);
  if (skew > p.clockSkewMs) throw httpError.reportStale(`the report's timestamp ${r.timestampMs} is ${Math.round(skew / 1000)} s from the oracle's clock (window ${p.clockSkewMs / 1000} s)`);
  const domain = { chainId: p.chainId, registry: p.registry };
  const signer = await processReportSigner(domain, s);
  if (signer?.toLowerCase() !== node) {
    throw httpError.reportSignature(`the report's signature does not recover to ${r.node} in the domain of chain ${p.chainId}, NodeRegistry ${p.registry}, this API version`);
  }
  const digest = processReportDigest(domain, r);
  relaxedTransaction(db, () => {
    // The request's nonce first (copies of one request racing: OR107), then the order, inside
    // the transaction so two reports of one node racing cannot both pass.
    recordCaller(db, auth);
    const last = latestReportTs(db, node);
    if (last !== undefined && (r.timestampMs <= last || r.timestampMs < last + p.minIntervalMs)) {
      throw httpError.reportOrder(`the report's timestamp ${r.timestampMs} is not ${p.minIntervalMs} ms after the node's last report (${last}), nor newer than it`);
    }
    insertProcessReport(db, { node, ts: r.timestampMs, received_at: wallMs, entries: r.processes.length, report: JSON.stringify(r), signature: s.signature, digest });
    trimNodeReports(db, node, p.maxReportsPerNode);
    // On insert too, not only on the loop's pass: an oracle whose loop is stalled still keeps its bound.
    pruneReportsBefore(db, wallMs - p.retentionMs);
  });
  return { recorded: r.processes.length, digest };
}

/** Deletes every report older than the retention window (the epoch loop calls it each pass); returns how many went. */
export function pruneProcessReports(db: DB, wallMs: number, retentionMs: number): number {
  return pruneReportsBefore(db, wallMs - retentionMs);
}

/** One report with the foreign processes it lists: the evidence a lease's judge keeps. */
export interface ForeignEvidence {
  /** The report and signature as the node sent them: anyone can check them against the node's key. */
  signed: SignedProcessReport;
  /** EIP-712 digest of the report (its evidence hash). */
  digest: Hex;
  /** The report's processes outside the lease's container. */
  foreign: ProcessEntry[];
}

export interface ForeignProcesses {
  /** Reports of the node kept for the window (with or without foreign processes): how well it is covered. */
  reports: number;
  /** The reports that list a process outside the lease's container, oldest first. */
  evidence: ForeignEvidence[];
}

/**
 * The reports of `node` timed in `[fromMs, toMs]` that list a compute process outside the lease's
 * container (a lease's judge calls it with the lease's window and container: each one is a
 * violation with its signed report as evidence). The lease is applied here again, whatever the
 * agent excluded, so an agent that was not told of the lease still counts only foreign ones.
 * Bounded: at most `maxReports` rows read (the per-node bound is a natural choice).
 */
export function foreignProcesses(db: DB, node: string, fromMs: number, toMs: number, lease: LeaseContainer, maxReports: number): ForeignProcesses {
  const rows = reportsInWindow(db, node.toLowerCase(), fromMs, toMs, maxReports);
  const evidence: ForeignEvidence[] = [];
  // Loop bound: maxReports rows, each at most MAX_REPORT_ENTRIES processes.
  for (const row of rows) {
    const report = JSON.parse(row.report) as ProcessReport;
    const foreign = report.processes.filter((p) => !inLease(p, lease));
    if (foreign.length > 0) evidence.push({ signed: { report, signature: row.signature }, digest: row.digest, foreign });
  }
  return { reports: rows.length, evidence };
}
