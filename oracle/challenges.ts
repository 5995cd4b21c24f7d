/**
 * The challenge life cycle as the API drives it: hand out the next due challenge, take the
 * commitment and answer with the openings, verify the openings and record the verdict.
 *
 * A challenge is planned by the scheduler with a secret `issue_at` time; it is due from then.
 * Its deadline runs from `issue_at`, not from when the node picked it up, so a node gains nothing
 * by polling late. Latency (the throughput measure) runs from pick-up to commitment: computing
 * happens before the root is known, opening is cheap.
 *
 * The rows or items to open are drawn at the commitment from this member's secret opening key of
 * the epoch, the challenge id and the root (protocol/openings.ts), stored with the root, and the
 * answer is checked against exactly those: the node learns them only after its one commitment.
 *
 * Each mutating call validates and verifies first (reads only), then writes its effect and the
 * request nonce in one database transaction that re-checks the state, so a rejected request
 * changes nothing and two racing requests cannot both succeed.
 */
import type { Address, Hex } from "viem";
import { jsonHash } from "../protocol/answer-signature";
import { EVIDENCE_VERSION, evidenceHash, type ChallengeEvidence } from "../protocol/evidence";
import { openingDraw } from "../protocol/openings";
import { recordCaller as record, type Caller } from "./caller";
import { openingsFor } from "./config";
import { httpError, OracleError } from "./errors";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import {
  challengeState,
  dueChallenge,
  getChallenge,
  markIssued,
  openChallenge,
  storeAnswer,
  storeCommitment,
  voidChallenge,
  type ChallengeRow,
  type ChallengeState,
} from "./store/challenges";
import { insertDatasetRecords } from "./store/datasets";
import { putEvidence } from "./store/evidence";
import { epochSeed } from "./store/epochs";
import { relaxedTransaction } from "./store/relaxed";
import type { DB } from "./store/schema";
import { CHALLENGE_VERDICT, type ChallengeVerdict } from "./store/status";
import type { Work } from "./work";

/** Challenge id: hash of (schedule key, epoch, node, round), so it reveals nothing about the seed. */
export { challengeId } from "../protocol/seeds";

/** A challenge as the node receives it (HTTP `next`, or pushed over its session). */
export function challengePayload(row: ChallengeRow): Record<string, unknown> {
  return {
    challengeId: row.id,
    kind: row.kind,
    epoch: String(row.epoch),
    round: row.round,
    seed: row.seed,
    spec: JSON.parse(row.spec),
    deadline: row.deadline,
    ...(row.root ? { root: row.root, openings: JSON.parse(row.openings ?? "[]") } : {}),
  };
}

export class ChallengeService {
  constructor(
    private readonly db: DB,
    private readonly work: Work,
    private readonly opts: {
      openings: number;
      inferOpenings?: number;
      voidLagMs?: number;
      /** This member's secret opening key of an epoch (protocol/keys.ts openingKey). */
      openingKeyOf: (epoch: number) => Hex;
      /** What commitment signatures and evidence documents are bound to, and who issues. */
      chainId: number;
      registry: Address;
      member: Address;
    },
    private readonly log: Logger,
    private readonly metrics: Metrics,
    /** The longest event-loop stall that covered an instant (lag.ts); none: stalls are not looked at. */
    private readonly stallCovering?: (atMs: number) => number,
  ) {}

  /**
   * Whether the oracle's own stall covered `row`'s deadline for at least `voidLagMs`: a frame or
   * request handled after the deadline may then have arrived before it (DESIGN.md "Voiding").
   */
  private stalledAtDeadline(row: ChallengeRow): number | undefined {
    if (!this.stallCovering || this.opts.voidLagMs === undefined || row.deadline === null) return undefined;
    const stall = this.stallCovering(row.deadline);
    return stall >= this.opts.voidLagMs ? stall : undefined;
  }

  get(id: string): ChallengeRow | undefined {
    return getChallenge(this.db, id);
  }

  /** Where challenge `id` is in its life cycle (opened, verdict, deadline), read cheaply. */
  state(id: string): ChallengeState | undefined {
    return challengeState(this.db, id);
  }

  private owned(id: string, node: Address): ChallengeRow {
    const row = this.get(id);
    if (!row) throw httpError.notFound(`no challenge ${id}`);
    if (row.node !== node.toLowerCase()) throw httpError.notYours();
    return row;
  }

  /** The earliest due challenge of `node`: one already handed out and still open, else a new one. */
  /** `nowMs` is chain-aligned time (issue times, deadlines); `wallMs` the wall clock (latency). */
  next(auth: Caller, nowMs: number, wallMs = nowMs): Record<string, unknown> | undefined {
    const node = auth.signer.toLowerCase();
    return relaxedTransaction(this.db, () => {
      record(this.db, auth);
      let row = openChallenge(this.db, node, nowMs);
      if (!row) {
        row = dueChallenge(this.db, node, nowMs);
        if (!row) return undefined;
        // Polled: the node chose when to ask, so it is timed from the due instant.
        this.issue(row, wallMs, dueOnWallClock(row, nowMs, wallMs));
      }
      return challengePayload(row);
    });
  }

  /**
   * Marks `row` handed out now; its latency runs from `startWallMs` (wall clock), which the
   * caller picks by the rule of dueOnWallClock. The caller holds the transaction.
   */
  issue(row: ChallengeRow, wallMs: number, startWallMs: number): void {
    // Never after the hand-out itself: a node is not timed from a later instant than it got it.
    const start = Math.min(wallMs, startWallMs);
    markIssued(this.db, row.id, start);
    row.issued_at = start;
    this.metrics.challengesIssued.inc({ kind: row.kind });
    this.log.info("challenge.issued", { id: row.id, epoch: row.epoch, node: row.node, round: row.round, kind: row.kind });
  }

  commit(auth: Caller, id: string, root: Hex, nowMs: number, wallMs = nowMs): { openings: number[] } {
    const row = this.owned(id, auth.signer);
    if (row.issued_at === null) throw httpError.state("challenge not handed out yet");
    if (row.root !== null) throw httpError.state("challenge already committed");
    if (row.verdict !== null) throw httpError.state(`challenge already ${row.verdict}`);
    if (row.deadline !== null && nowMs > row.deadline) {
      const stall = this.stalledAtDeadline(row);
      if (stall !== undefined && voidChallenge(this.db, id, `the oracle's loop was stalled ${Math.round(stall)} ms across the deadline`)) {
        this.metrics.challengesVoided.inc({ reason: "lag" });
        this.log.warn("challenge.voided", { id, node: row.node, reason: "lag", stallMs: Math.round(stall) });
        throw new OracleError("OR115", "challenge deadline passed while the oracle was stalled: the challenge is void, not counted", { status: 409, details: { voided: true } });
      }
      throw httpError.deadline();
    }
    const spec = JSON.parse(row.spec);
    const w = this.work[row.kind];
    if (!w) throw httpError.state(`challenge kind ${row.kind} not served by this oracle`);
    const openings = w.chooseOpenings(spec, openingDraw(this.opts.openingKeyOf(row.epoch), row.id, root), openingsFor(this.opts, row.kind));
    relaxedTransaction(this.db, () => {
      record(this.db, auth);
      if (!storeCommitment(this.db, id, root, wallMs, openings)) throw httpError.state("challenge already committed");
    });
    this.log.info("challenge.committed", { id, node: row.node, ms: wallMs - (row.issued_at ?? wallMs) });
    return { openings };
  }

  /**
   * Takes the openings and the node key's ChallengeAnswer signature over them, the spec and the
   * root. The signature is checked with the answer, off the event loop (work.ts
   * answerSignatureResult): an answer the node key did not sign is counted as not answered.
   */
  async open(auth: Caller, id: string, openings: readonly ({ index: number } & Record<string, unknown>)[], signature: Hex, extra: Record<string, unknown>, nowMs: number) {
    const row = this.owned(id, auth.signer);
    if (row.root === null) throw httpError.state("challenge not committed yet");
    if (row.opened_at !== null || row.verdict !== null) throw httpError.state(`challenge already ${row.verdict ?? "opened"}`);
    const asked: number[] = JSON.parse(row.openings ?? "[]");
    const given = openings.map((o) => o.index);
    if (given.length !== asked.length || given.some((g, i) => g !== asked[i])) {
      throw httpError.openings(`expected openings for indices [${asked.join(", ")}] in that order`);
    }
    const late = row.deadline !== null && nowMs > row.deadline;
    const stall = late ? this.stalledAtDeadline(row) : undefined;
    const w = this.work[row.kind]!;
    const t0 = performance.now();
    let verdict: ChallengeVerdict;
    let reason: string;
    let evidence: Hex | null = null;
    let records: { index: number; record: unknown }[] = [];
    try {
      const seed = epochSeed(this.db, row.epoch);
      if (!seed) throw new Error(`no seed for epoch ${row.epoch}`);
      const signed = { chainId: this.opts.chainId, registry: this.opts.registry, node: row.node as Address, challenge: row.id as Hex, spec: jsonHash(row.spec), signature };
      const r = await w.verify(seed, JSON.parse(row.spec), row.root, openings, asked, signed);
      records = r.ok ? (r.records ?? []) : [];
      // Lateness the oracle's own stall explains is void, not late. An answer that is not the
      // node's word on its commitment is not an answer (work.ts VerifyResult.unattributable).
      verdict = late
        ? stall !== undefined ? CHALLENGE_VERDICT.Void : CHALLENGE_VERDICT.Late
              : r.ok ? CHALLENGE_VERDICT.Pass : r.unattributable ? CHALLENGE_VERDICT.Missed : r.fraud ? CHALLENGE_VERDICT.Fraud : CHALLENGE_VERDICT.Fail;
      reason = late ? (stall !== undefined ? `the oracle's loop was stalled ${Math.round(stall)} ms across the deadline` : "opened after the deadline") : r.reason;
    } catch (e) {
      verdict = CHALLENGE_VERDICT.Error;
      reason = `verification error: ${(e as Error).message}`.slice(0, 300);
      this.log.error("challenge.verify_error", { code: "OR206", id, err: e });
    }
    const verifyMs = performance.now() - t0;
    // A wrong answer's evidence: the document anyone can re-verify (protocol/evidence.ts),
    // stored with the verdict; its hash is the challenge's evidence.
    let doc: string | undefined;
    if (verdict === CHALLENGE_VERDICT.Fraud || verdict === CHALLENGE_VERDICT.Fail) {
      const e: ChallengeEvidence = {
        v: EVIDENCE_VERSION, chainId: this.opts.chainId, registry: this.opts.registry.toLowerCase() as Address, member: this.opts.member.toLowerCase() as Address,
        epoch: row.epoch, node: row.node as Address, id: row.id as Hex, round: row.round, kind: row.kind, seed: row.seed, spec: row.spec,
        root: row.root, signature, openings: asked, answer: [...openings], reason: reason.slice(0, 300),
      };
      doc = JSON.stringify(e);
      evidence = evidenceHash(doc);
    }
    const after = this.state(id);
    if (after && (after.opened_at !== null || after.verdict !== null)) throw httpError.state("challenge already answered");
    relaxedTransaction(this.db, () => {
      record(this.db, auth);
      if (!storeAnswer(this.db, id, { answer: { openings, extra }, openedAt: nowMs, verdict, reason, verifyMs, evidence })) {
        throw httpError.state("challenge already answered");
      }
      insertDatasetRecords(this.db, { epoch: row.epoch, node: row.node, challengeId: id }, records, nowMs);
      if (doc !== undefined) putEvidence(this.db, { hash: evidence!, epoch: row.epoch, node: row.node, doc });
    });
    this.metrics.verificationSeconds.observe(verifyMs / 1000, { kind: row.kind });
    if (verdict === CHALLENGE_VERDICT.Pass) this.metrics.challengesVerified.inc({ kind: row.kind });
    else this.metrics.challengesFailed.inc({ kind: row.kind, reason: verdict });
    this.log.info("challenge.verdict", { id, node: row.node, epoch: row.epoch, verdict, reason, verifyMs: +verifyMs.toFixed(2) });
    return { verdict, reason };
  }
}

/**
 * The due instant of `row` on the wall clock, from one reading of both clocks at the hand-out
 * (`nowMs` chain-aligned, `wallMs` wall): the latency of a node that was absent at the due
 * instant, or polled, starts here, whatever it did meanwhile. Never after `wallMs`.
 */
export function dueOnWallClock(row: Pick<ChallengeRow, "issue_at">, nowMs: number, wallMs: number): number {
  return wallMs - Math.max(0, nowMs - row.issue_at);
}
