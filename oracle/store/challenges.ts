/**
 * The challenges table: each planned challenge with its secret due time, its deadline, the
 * node's commitment and answer, and the verdict. The challenge service (challenges.ts) writes the
 * life cycle, the schedule phase plans, the judge phase reads and closes.
 */
import type { Hex } from "viem";
import { NODE_VERDICT } from "../../engine/rewards";
import type { ChallengeKind } from "../work";
import type { DB } from "./schema";
import { sqlList, statement } from "./statement";
import { CHALLENGE_VERDICT, type ChallengeVerdict } from "./status";

export interface ChallengeRow {
  id: string;
  epoch: number;
  node: string;
  round: number;
  kind: ChallengeKind;
  seed: Hex;
  /** JSON, as sent to the node. */
  spec: string;
  /** JSON, the node's on-chain claim when planned. */
  claim: string;
  /** ms, secret time from which the challenge is due. */
  issue_at: number;
  /** ms wall clock, handed to the node (latency start). */
  issued_at: number | null;
  deadline: number | null;
  root: Hex | null;
  /** ms wall clock, root received (latency end). */
  committed_at: number | null;
  /** JSON number[]. */
  openings: string | null;
  /** JSON openings as received (bounded by the body limit). */
  answer: string | null;
  opened_at: number | null;
  verdict: ChallengeVerdict | null;
  reason: string | null;
  verify_ms: number | null;
  /** keccak256 of the evidence of a failure. */
  evidence: Hex | null;
}

/**
 * The columns the judge reads (judging.ts): never the openings or the answer, which hold the
 * opened rows (hundreds of kB per gemm challenge).
 */
const JUDGED_COLUMNS = "epoch, node, round, kind, spec, claim, issued_at, deadline, committed_at, verdict, evidence";
export type JudgedRow = Pick<ChallengeRow, "epoch" | "node" | "round" | "kind" | "spec" | "claim" | "issued_at" | "deadline" | "committed_at" | "verdict" | "evidence">;

/** A challenge as the schedule phase plans it (no issue, answer or verdict yet). */
export type NewChallenge = Pick<ChallengeRow, "id" | "epoch" | "node" | "round" | "kind" | "seed" | "spec" | "claim" | "issue_at"> & { deadline: number };

const byId = statement<[string], ChallengeRow>("SELECT * FROM challenges WHERE id = ?");
const openOf = statement<[string, number], ChallengeRow>(
  "SELECT * FROM challenges WHERE node = ? AND issued_at IS NOT NULL AND verdict IS NULL AND deadline > ? AND opened_at IS NULL ORDER BY issue_at LIMIT 1",
);
const dueOf = statement<[string, number, number], ChallengeRow>(
  "SELECT * FROM challenges WHERE node = ? AND issued_at IS NULL AND verdict IS NULL AND issue_at <= ? AND deadline > ? ORDER BY issue_at LIMIT 1",
);
const issued = statement<[number, string]>("UPDATE challenges SET issued_at = ? WHERE id = ?");
const committed = statement<[Hex, number, string, string]>("UPDATE challenges SET root = ?, committed_at = ?, openings = ? WHERE id = ? AND root IS NULL");
const answered = statement<[string, number, ChallengeVerdict, string, number, Hex | null, string]>(
  "UPDATE challenges SET answer = ?, opened_at = ?, verdict = ?, reason = ?, verify_ms = ?, evidence = ? WHERE id = ? AND opened_at IS NULL AND verdict IS NULL",
);
const nextUndelivered = statement<[number], { at: number | null }>(
  "SELECT MIN(issue_at) AS at FROM challenges WHERE issued_at IS NULL AND verdict IS NULL AND issue_at > ?",
);
const undeliveredIn = statement<[number, number, string, number, number, number], ChallengeRow>(
  "SELECT * FROM challenges WHERE issued_at IS NULL AND verdict IS NULL AND (issue_at > ? OR (issue_at = ? AND id > ?)) AND issue_at <= ? AND deadline > ? ORDER BY issue_at, id LIMIT ?",
);
const voidOne = statement<[string, string]>(
  `UPDATE challenges SET verdict = '${CHALLENGE_VERDICT.Void}', reason = ? WHERE id = ? AND verdict IS NULL AND opened_at IS NULL`,
);
const voidUndeliveredBefore = statement<[string, number]>(
  `UPDATE challenges SET verdict = '${CHALLENGE_VERDICT.Void}', reason = ? WHERE issued_at IS NULL AND verdict IS NULL AND issue_at < ?`,
);
const voidPlannedOfEpoch = statement<[string, number, number]>(
  `UPDATE challenges SET verdict = '${CHALLENGE_VERDICT.Void}', reason = ? WHERE epoch = ? AND issued_at IS NULL AND verdict IS NULL AND issue_at < ?`,
);
const voidDeadlineIn = statement<[string, number, number]>(
  `UPDATE challenges SET verdict = '${CHALLENGE_VERDICT.Void}', reason = ? WHERE issued_at IS NOT NULL AND opened_at IS NULL AND verdict IS NULL AND deadline > ? AND deadline <= ?`,
);
const insertPlanned = statement<[string, number, string, number, ChallengeKind, Hex, string, string, number, number]>(
  "INSERT OR IGNORE INTO challenges (id, epoch, node, round, kind, seed, spec, claim, issue_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
);
const judgedOfEpoch = statement<[number], JudgedRow>(`SELECT ${JUDGED_COLUMNS} FROM challenges WHERE epoch = ?`);
const closeUnanswered = statement<[number]>(
  `UPDATE challenges SET verdict = '${CHALLENGE_VERDICT.Missed}', reason = 'not answered before the deadline' WHERE epoch = ? AND verdict IS NULL`,
);
const lastSlash = statement<[string, number, number], { epoch: number | null }>(
  "SELECT MAX(epoch) AS epoch FROM node_epochs WHERE node = ? AND epoch >= ? AND epoch < ? AND slash_reason != 0",
);
const windowOf = statement<[string, number, number, string, number, number], JudgedRow>(
  `SELECT ${JUDGED_COLUMNS} FROM challenges WHERE node = ? AND epoch >= ? AND epoch < ? AND epoch NOT IN (SELECT epoch FROM node_epochs WHERE node = ? AND verdict = '${NODE_VERDICT.Unavailable}' AND epoch >= ? AND epoch < ?) ORDER BY epoch, round`,
);
const progressOf = statement<[number, string, string], { epoch: number; planned: number; issued: number | null; passed: number | null; failed: number | null }>(
  `SELECT epoch, COUNT(*) AS planned, SUM(issued_at IS NOT NULL AND issue_at <= ?) AS issued, SUM(verdict = '${CHALLENGE_VERDICT.Pass}') AS passed, SUM(verdict IN ${sqlList([CHALLENGE_VERDICT.Fail, CHALLENGE_VERDICT.Fraud])}) AS failed FROM challenges WHERE node = ? AND epoch = (SELECT MAX(epoch) FROM challenges WHERE node = ?) GROUP BY epoch`,
);

/** A challenge's draws as the oracle reveals them after the epoch (read-api.ts `draws`): never the answer. */
export type ChallengeDraws = Pick<ChallengeRow, "id" | "node" | "round" | "kind" | "seed" | "spec" | "issue_at" | "deadline" | "root" | "openings" | "verdict">;
const drawsOf = statement<[number, string, number], ChallengeDraws>(
  "SELECT id, node, round, kind, seed, spec, issue_at, deadline, root, openings, verdict FROM challenges WHERE epoch = ? AND id > ? ORDER BY id LIMIT ?",
);
const lastDeadlineOf = statement<[number], { at: number | null; n: number }>("SELECT MAX(deadline) AS at, COUNT(*) AS n FROM challenges WHERE epoch = ?");

/** The draws of an epoch's challenges after id `after` (keyset paging by id), at most `limit`. */
export function challengeDraws(db: DB, epoch: number, after: string, limit: number): ChallengeDraws[] {
  return drawsOf(db).all(epoch, after, limit);
}

/** The latest deadline among an epoch's challenges (null when it has none), and their number. */
export function lastDeadline(db: DB, epoch: number): { at: number | null; n: number } {
  return lastDeadlineOf(db).get(epoch)!;
}

/** What happened to one challenge, for an operator's or a benchmark's account of an epoch. */
export type ChallengeOutcome = Pick<ChallengeRow, "id" | "epoch" | "node" | "round" | "issue_at" | "issued_at" | "deadline" | "committed_at" | "opened_at" | "verdict" | "reason">;
const outcomesOf = statement<[number, number], ChallengeOutcome>(
  "SELECT id, epoch, node, round, issue_at, issued_at, deadline, committed_at, opened_at, verdict, reason FROM challenges WHERE epoch >= ? AND epoch <= ? ORDER BY epoch, issue_at, id",
);

export function getChallenge(db: DB, id: string): ChallengeRow | undefined {
  return byId(db).get(id);
}

/** Where a challenge's life cycle is, without its spec, openings or answer (tens of kB once answered). */
export type ChallengeState = Pick<ChallengeRow, "opened_at" | "verdict" | "deadline">;
const stateOf = statement<[string], ChallengeState>("SELECT opened_at, verdict, deadline FROM challenges WHERE id = ?");

export function challengeState(db: DB, id: string): ChallengeState | undefined {
  return stateOf(db).get(id);
}

/** The node's challenge handed out and still open (not opened, deadline ahead), earliest due first. */
export function openChallenge(db: DB, node: string, nowMs: number): ChallengeRow | undefined {
  return openOf(db).get(node, nowMs);
}

/** The node's earliest challenge due by `nowMs` and not handed out yet, deadline ahead. */
export function dueChallenge(db: DB, node: string, nowMs: number): ChallengeRow | undefined {
  return dueOf(db).get(node, nowMs, nowMs);
}

/** The earliest due instant after `afterMs` of a challenge not yet delivered (null: none planned). */
export function nextUndeliveredAt(db: DB, afterMs: number): number | null {
  return nextUndelivered(db).get(afterMs)?.at ?? null;
}

/**
 * Challenges not yet delivered that fell due after `after` (a due instant, and the id of the
 * last row seen at that instant: keyset paging) and by `toMs`, deadline after `nowMs`, in
 * (due instant, id) order.
 */
export function undeliveredBetween(db: DB, after: { at: number; id: string }, toMs: number, nowMs: number, limit: number): ChallengeRow[] {
  return undeliveredIn(db).all(after.at, after.at, after.id, toMs, nowMs, limit);
}

/** Voids one unanswered challenge (the oracle's own fault); false when it was answered or closed. */
export function voidChallenge(db: DB, id: string, reason: string): boolean {
  return voidOne(db).run(reason, id).changes === 1;
}

/**
 * After downtime `(downFromMs, upAtMs)`: voids every challenge that fell due before `upAtMs` and
 * was never delivered, and every delivered one whose deadline fell in the downtime or within
 * `graceMs` after it (the node could not answer). Returns how many were voided.
 */
export function voidDowntime(db: DB, downFromMs: number, upAtMs: number, graceMs: number, reason: string): number {
  return db.transaction(() => voidUndeliveredBefore(db).run(reason, upAtMs).changes + voidDeadlineIn(db).run(reason, downFromMs, upAtMs + graceMs).changes)();
}

/** Voids the epoch's challenges due before `beforeMs` and not delivered (just planned after a lost database). */
export function voidPlannedBefore(db: DB, epoch: number, beforeMs: number, reason: string): number {
  return voidPlannedOfEpoch(db).run(reason, epoch, beforeMs).changes;
}

export function markIssued(db: DB, id: string, wallMs: number): void {
  issued(db).run(wallMs, id);
}

/** Stores the node's root and the openings asked for; false when it was committed already. */
export function storeCommitment(db: DB, id: string, root: Hex, wallMs: number, openings: readonly number[]): boolean {
  return committed(db).run(root, wallMs, JSON.stringify(openings), id).changes === 1;
}

/** Stores the answer and its verdict; false when the challenge was answered already. */
export function storeAnswer(
  db: DB,
  id: string,
  a: { answer: unknown; openedAt: number; verdict: ChallengeVerdict; reason: string; verifyMs: number; evidence: Hex | null },
): boolean {
  return answered(db).run(JSON.stringify(a.answer), a.openedAt, a.verdict, a.reason, a.verifyMs, a.evidence, id).changes === 1;
}

/** Inserts planned challenges; one already planned (same id or epoch, node and round) is kept. */
export function insertChallenges(db: DB, rows: readonly NewChallenge[]): void {
  const s = insertPlanned(db);
  for (const r of rows) s.run(r.id, r.epoch, r.node, r.round, r.kind, r.seed, r.spec, r.claim, r.issue_at, r.deadline);
}

/** Every challenge of an epoch, the judged columns only. */
export function judgedChallenges(db: DB, epoch: number): JudgedRow[] {
  return judgedOfEpoch(db).all(epoch);
}

/** Challenges of the epoch still without a verdict become missed. */
export function closeUnansweredChallenges(db: DB, epoch: number): void {
  closeUnanswered(db).run(epoch);
}

/**
 * A node's challenge records of the `window - 1` epochs before `epoch`, after its last slash in
 * them (a slash answers the epochs before it) and without the epochs it was judged unavailable,
 * oldest first: the earlier part of the judge's window. Read through the (node, epoch) index,
 * only the judged columns; bounded by the window (at most MAX_JUDGE_WINDOW_EPOCHS, the config's
 * limit) and the per-epoch challenge limit.
 */
export function windowRows(db: DB, node: string, epoch: number, window: number): JudgedRow[] {
  if (window <= 1) return [];
  const n = node.toLowerCase();
  const from = epoch - window + 1;
  const slashed = lastSlash(db).get(n, from, epoch)!;
  const start = slashed.epoch === null ? from : slashed.epoch + 1;
  // Epochs the node was judged unavailable are left out: the judge counts every issued challenge.
  return windowOf(db).all(n, start, epoch, n, start, epoch);
}

/**
 * Counts of a node's latest epoch with challenges: planned, issued by `nowMs`, passed, failed
 * (the planned times stay secret).
 */
export function latestProgress(db: DB, node: string, nowMs: number) {
  const n = node.toLowerCase();
  return progressOf(db).get(nowMs, n, n);
}

/** Every challenge of epochs `from`..`to` (inclusive) with its timings and verdict, never its answer. */
export function challengeOutcomes(db: DB, from: number, to: number): ChallengeOutcome[] {
  return outcomesOf(db).all(from, to);
}
