/**
 * The reports table: this oracle's epoch reports with the inputs they were built from, the
 * signatures collected and where each report is (status.ts REPORT_STATE).
 */
import type { Hex } from "viem";
import type { DB } from "./schema";
import { sqlList, statement } from "./statement";
import { REPORT_STATE, type ReportState } from "./status";

export interface ReportRow {
  epoch: number;
  /** JSON EpochReport (bigints as strings). */
  report: string;
  /** JSON Slash[]. */
  slashes: string;
  /** JSON, the shared inputs committee members recompute from. */
  inputs: string;
  digest: Hex;
  /** JSON {signer: signature}. */
  signatures: string;
  status: ReportState;
  tx_hash: string | null;
}

/** A report as stored when built or cosigned (JSON already encoded). */
export type NewReport = Pick<ReportRow, "epoch" | "report" | "slashes" | "inputs" | "digest" | "signatures"> & { status: ReportState };

/** Reports still to sign or relay. */
const IN_PROGRESS = [REPORT_STATE.Built, REPORT_STATE.Signed, REPORT_STATE.Submitted];
/** Reports a chain holds: submitted and seen there, or final. */
const ON_CHAIN = [REPORT_STATE.Onchain, REPORT_STATE.Finalized];

const upsert = statement<[number, string, string, string, Hex, string, ReportState, number]>(
  "INSERT OR REPLACE INTO reports (epoch, report, slashes, inputs, digest, signatures, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
);
const inProgress = statement<[number], ReportRow>(`SELECT * FROM reports WHERE status IN ${sqlList(IN_PROGRESS)} ORDER BY epoch LIMIT ?`);
const onchain = statement<[number], { epoch: number }>(`SELECT epoch FROM reports WHERE status = '${REPORT_STATE.Onchain}' ORDER BY epoch LIMIT ?`);
const setStatus = statement<[ReportState, number, number]>("UPDATE reports SET status = ?, updated_at = ? WHERE epoch = ?");
const setSignatures = statement<[string, number, number]>("UPDATE reports SET signatures = ?, updated_at = ? WHERE epoch = ?");
const remove = statement<[number]>("DELETE FROM reports WHERE epoch = ?");
const latestUnvetoedBefore = statement<[number], { e: number | null }>(
  `SELECT MAX(epoch) AS e FROM reports WHERE epoch < ? AND status NOT IN ${sqlList([REPORT_STATE.Vetoed])}`,
);
const latest = statement<[], { e: number | null }>("SELECT MAX(epoch) AS e FROM reports");
const digestOf = statement<[number], { digest: Hex }>("SELECT digest FROM reports WHERE epoch = ?");
const byDigest = statement<[Hex], { epoch: number; status: ReportState }>("SELECT epoch, status FROM reports WHERE digest = ?");
const newestSignatures = statement<[], { epoch: number; signatures: string }>("SELECT epoch, signatures FROM reports ORDER BY epoch DESC LIMIT 1");
const latestOnChain = statement<[], { e: number | null }>(`SELECT MAX(epoch) AS e FROM reports WHERE status IN ${sqlList(ON_CHAIN)}`);

/** Stores a report, replacing any earlier one of its epoch. */
export function putReport(db: DB, r: NewReport, nowMs: number): void {
  upsert(db).run(r.epoch, r.report, r.slashes, r.inputs, r.digest, r.signatures, r.status, nowMs);
}

/** Reports still to sign or relay, oldest first, at most `limit`. */
export function reportsInProgress(db: DB, limit: number): ReportRow[] {
  return inProgress(db).all(limit);
}

/** Epochs whose report is on chain and not final yet, oldest first, at most `limit`. */
export function epochsAwaitingFinalization(db: DB, limit: number): number[] {
  return onchain(db).all(limit).map((r) => r.epoch);
}

export function setReportState(db: DB, epoch: number, status: ReportState, nowMs: number): void {
  setStatus(db).run(status, nowMs, epoch);
}

export function saveSignatures(db: DB, epoch: number, signatures: Record<string, Hex>, nowMs: number): void {
  setSignatures(db).run(JSON.stringify(signatures), nowMs, epoch);
}

export function deleteReport(db: DB, epoch: number): void {
  remove(db).run(epoch);
}

/** The latest epoch before `epoch` with a report of ours that was not vetoed. */
export function latestUnvetoedReportBefore(db: DB, epoch: number): number | null {
  return latestUnvetoedBefore(db).get(epoch)!.e;
}

/** The EIP-712 digest of our report of `epoch` (built or cosigned), if we hold one. */
export function reportDigestOf(db: DB, epoch: number): Hex | undefined {
  return digestOf(db).get(epoch)?.digest;
}

/** Our report (built or cosigned) with this EIP-712 digest, if any. */
export function reportByDigest(db: DB, digest: Hex): { epoch: number; status: ReportState } | undefined {
  return byDigest(db).get(digest);
}

/** The latest epoch with a report of ours, whatever its state. */
export function latestReportEpoch(db: DB): number | null {
  return latest(db).get()!.e;
}

/** The latest epoch whose report of ours is on chain or final. */
export function latestOnChainReportEpoch(db: DB): number | null {
  return latestOnChain(db).get()!.e;
}

/** The newest report of ours (built or cosigned) and the signatures it holds, keyed by signer. */
export function newestReportSignatures(db: DB): { epoch: number; signatures: Record<string, Hex> } | undefined {
  const r = newestSignatures(db).get();
  return r ? { epoch: r.epoch, signatures: JSON.parse(r.signatures) as Record<string, Hex> } : undefined;
}
