/**
 * Challenges pushed at their due instant over each node's session (sessions.ts). One timer, set
 * to the earliest undelivered due instant (an indexed read, whatever the fleet size), fires and
 * pushes every challenge due by then to its node's session. A node gets one challenge at a time,
 * as over HTTP: the next is pushed when it has answered the one before, or at once when it opens
 * a session (after a restart, the open one again, with its root and openings if committed).
 *
 * Voiding (DESIGN.md "Voiding"): the oracle's own delays must not count against a node.
 * - A challenge pushed more than `voidLagMs` after its due instant to a node whose session was
 *   open at that instant was delayed by the oracle (its event loop, its database): it is voided,
 *   not delivered. A node that connects after the due instant gets it late by its own doing.
 * - On start, the downtime since the last heartbeat (kept in the database every `heartbeatMs`;
 *   from the epoch's start when the database is new or lost) voids every challenge that fell due
 *   undelivered before the start, and every delivered one whose deadline fell in the downtime or
 *   within `restartGraceMs` of the start. Nothing is delivered before that: a session opened
 *   between the API's start and the first pass gets its challenge once the downtime is voided.
 */
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import { challengePayload, dueOnWallClock, type ChallengeService } from "./challenges";
import { dueChallenge, nextUndeliveredAt, openChallenge, undeliveredBetween, voidChallenge, voidDowntime, type ChallengeRow } from "./store/challenges";
import { CLOCK_LEAD_KEY, getMeta, HEARTBEAT_KEY, setMeta } from "./store/meta";
import { relaxedTransaction } from "./store/relaxed";
import type { DB } from "./store/schema";
import type { NodeSession, SessionHub } from "./sessions";

/** Challenges read and pushed per batch (one transaction each). */
export const DELIVERY_BATCH = 2_000;
/** Longest wait between two looks at the schedule, ms (a plan inserted meanwhile also pokes). */
const MAX_WAIT_MS = 5_000;

export interface DeliveryOptions {
  db: DB;
  hub: SessionHub;
  challenges: ChallengeService;
  /** Chain-aligned clock (due instants, deadlines), ms. */
  now: () => number;
  /** Wall clock (latency), ms. */
  wallNow: () => number;
  voidLagMs: number;
  heartbeatMs: number;
  restartGraceMs: number;
  /** The chain clock's lead over the wall clock, kept with the heartbeat (restored on restart). */
  leadMs?: () => number;
  log: Logger;
  metrics: Metrics;
}

export class Delivery {
  /** Due instants up to here have been looked at (chain-aligned ms). */
  private watermark = 0;
  private timer?: NodeJS.Timeout;
  private beat?: NodeJS.Timeout;
  /** Node (lower case) -> the challenge it is working on, until its deadline. */
  private readonly busy = new Map<string, { id: string; deadline: number }>();
  private stopped = false;
  /** Whether the downtime was voided (start): until then nothing is delivered. */
  private started = false;

  constructor(private readonly o: DeliveryOptions) {}

  /** Voids what fell due while the oracle was down, then starts the timer and the heartbeat. */
  start(up: number, downSinceIfUnknown: number): void {
    const last = Number(getMeta(this.o.db, HEARTBEAT_KEY) ?? NaN);
    const downFrom = Number.isFinite(last) ? last : downSinceIfUnknown;
    const reason = `oracle down from ${new Date(downFrom).toISOString()} to ${new Date(up).toISOString()}`;
    const voided = voidDowntime(this.o.db, downFrom, up, this.o.restartGraceMs, reason);
    if (voided > 0) {
      this.o.metrics.challengesVoided.inc({ reason: "downtime" }, voided);
      this.o.log.warn("challenges.voided", { reason: "downtime", count: voided, downFrom, up });
    }
    this.watermark = up;
    this.started = true;
    // Sessions opened before the start get what they should work on now.
    for (const s of this.o.hub.sessions()) this.deliverNext(s);
    this.heartbeat();
    this.beat = setInterval(() => this.heartbeat(), this.o.heartbeatMs);
    this.beat.unref();
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.beat);
  }

  private heartbeat() {
    relaxedTransaction(this.o.db, () => {
      setMeta(this.o.db, HEARTBEAT_KEY, String(this.o.now()));
      if (this.o.leadMs) setMeta(this.o.db, CLOCK_LEAD_KEY, String(this.o.leadMs()));
    });
  }

  /** Looks at the schedule again (call after planning challenges). */
  poke(): void {
    this.arm();
  }

  private arm() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    const next = nextUndeliveredAt(this.o.db, this.watermark);
    const wait = next === null ? MAX_WAIT_MS : Math.min(MAX_WAIT_MS, Math.max(0, next - this.o.now()));
    this.timer = setTimeout(() => this.fire(), wait);
    this.timer.unref();
  }

  private fire() {
    const t0 = performance.now();
    try {
      const now = this.o.now();
      // Keyset pages over (due instant, id): a whole round falls due at one instant.
      let after = { at: this.watermark, id: "\uffff" };
      for (;;) {
        const rows = undeliveredBetween(this.o.db, after, now, now, DELIVERY_BATCH);
        if (rows.length === 0) break;
        this.pushAll(rows);
        if (rows.length < DELIVERY_BATCH) break;
        const last = rows[rows.length - 1];
        after = { at: last.issue_at, id: last.id };
      }
      this.watermark = now;
    } catch (e) {
      this.o.log.error("delivery.error", { err: e });
    }
    this.o.metrics.deliverySeconds.observe((performance.now() - t0) / 1000);
    this.arm();
  }

  private pushAll(rows: readonly ChallengeRow[]) {
    const out: { s: NodeSession; row: ChallengeRow }[] = [];
    const now = this.o.now();
    const wall = this.o.wallNow();
    relaxedTransaction(this.o.db, () => {
      for (const row of rows) {
        const s = this.o.hub.get(row.node);
        if (!s || this.isBusy(row.node, now)) continue; // delivered when it connects or answers
        const lagMs = now - row.issue_at;
        if (lagMs > this.o.voidLagMs && s.openedAt <= row.issue_at) {
          if (voidChallenge(this.o.db, row.id, `oracle delivered it ${lagMs} ms after its due instant`)) {
            this.o.metrics.challengesVoided.inc({ reason: "lag" });
            this.o.log.warn("challenge.voided", { id: row.id, node: row.node, reason: "lag", lagMs });
          }
          continue;
        }
        // Session open at the due instant: timed from this push (the oracle's own lag, under
        // voidLagMs, is not the node's). Opened later: the node was absent, timed from due.
        this.o.challenges.issue(row, wall, s.openedAt <= row.issue_at ? wall : dueOnWallClock(row, now, wall));
        this.o.metrics.deliveryLagSeconds.observe(Math.max(0, lagMs) / 1000);
        out.push({ s, row });
      }
    });
    for (const { s, row } of out) this.send(s, row);
  }

  private send(s: NodeSession, row: ChallengeRow) {
    if (s.push({ t: "challenge", challenge: challengePayload(row) })) this.busy.set(row.node, { id: row.id, deadline: row.deadline ?? Infinity });
  }

  /** Whether the node still works on a challenge whose deadline is ahead. */
  private isBusy(node: string, now: number): boolean {
    const b = this.busy.get(node);
    return b !== undefined && b.deadline > now;
  }

  /** A session opened: push what the node should work on now. */
  opened(s: NodeSession): void {
    this.busy.delete(s.node.toLowerCase());
    if (this.started) this.deliverNext(s);
  }

  closed(s: NodeSession): void {
    const node = s.node.toLowerCase();
    if (this.o.hub.get(node) === undefined) this.busy.delete(node);
  }

  /**
   * A frame about challenge `id` was handled: once it is answered or closed (or its deadline
   * passed), push the node's next due challenge, if any.
   */
  settled(s: NodeSession, id: string): void {
    const node = s.node.toLowerCase();
    if (this.busy.get(node)?.id !== id) return;
    const row = this.o.challenges.state(id);
    if (row && row.opened_at === null && row.verdict === null && (row.deadline ?? Infinity) > this.o.now()) return;
    this.busy.delete(node);
    this.deliverNext(s);
  }

  private deliverNext(s: NodeSession) {
    const node = s.node.toLowerCase();
    const now = this.o.now();
    if (this.isBusy(node, now)) return;
    const open = openChallenge(this.o.db, node, now);
    if (open) return this.send(s, open);
    // Usually nothing is due: look before opening a transaction.
    if (!dueChallenge(this.o.db, node, now)) return;
    const due = relaxedTransaction(this.o.db, () => {
      const row = dueChallenge(this.o.db, node, now);
      if (!row) return row;
      const wall = this.o.wallNow();
      // Held past its due instant: by the node's own earlier challenge while its session was
      // open (timed from now, when it is free), or by its absence (timed from due).
      this.o.challenges.issue(row, wall, s.openedAt <= row.issue_at ? wall : dueOnWallClock(row, now, wall));
      return row;
    });
    if (due) this.send(s, due);
  }

  get inFlight(): number {
    return this.busy.size;
  }
}
