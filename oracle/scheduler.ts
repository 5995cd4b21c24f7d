/**
 * The epoch loop as a reconciliation loop. Every pass compares what should be true with what is
 * true, on chain and in the database, and takes the next step for each epoch; no step depends on
 * having seen an event, so a crash or a missed pass heals on the next one:
 *
 *   seed      next epoch (if this oracle proposes it): secret seed stored, then committed on chain
 *   schedule  current epoch, once its commitment is on chain: plan K rounds, each issued to every
 *             active node at one secret time drawn from the epoch's secret randomness, up to the last moment a
 *             challenge can still be answered before the epoch's end
 *   judge     ended epochs: close unanswered challenges, judge every node, compute rewards, build
 *             the report (stored with its inputs)
 *   sign      own signature, then the committee's, until quorum
 *   relay     submitReport unless the chain already has a report for the epoch
 *   finalize  once the dispute window has closed
 *
 * Epoch e spans [genesis + e*len, genesis + (e+1)*len) in chain time; the oracle follows it with
 * its own clock (a devnet's block time follows the wall clock).
 */
import { randomBytes } from "node:crypto";
import { bytesToHex, concatBytes, hexToBytes, keccak256, stringToBytes, zeroHash, type Address, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { challengeSeed, seedCommitment } from "../protocol";
import { pruneNonces } from "./auth";
import { challengeId, JUDGED_COLUMNS, type JudgedRow } from "./challenges";
import { REPORT_STATUS, type Chain, type NodeRecord } from "./chain";
import { proposerOf, type Committee } from "./committee";
import type { OracleConfig } from "./config";
import { verdictHistory, windowRows, type DB } from "./db";
import { OracleError } from "./errors";
import { condemnedStreak, judgeEpoch, MAX_VERDICT_LOOKBACK } from "./judging";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import type { Relay } from "./relay";
import { buildReport, reportDigest, reportFromJson, reportToJson, type ReportInputs } from "./report";
import type { Work } from "./work";
import type { ChainClock } from "./clock";

/** Ended epochs the loop still works on at once (older ones are left as they are). */
export const MAX_BACKLOG_EPOCHS = 16;
/** Grace after the epoch's last deadline for an opening still being verified, ms. */
export const JUDGE_GRACE_MS = 500;
/** A deadline is this many times the expected time at the claim, plus the slack. */
export const DEADLINE_EXPECTED_FACTOR = 3;
/** A seed commitment is not sent later than this before its epoch starts (it must be mined first), ms. */
export const SEED_MARGIN_MS = 1_500;

export interface SchedulerDeps {
  cfg: OracleConfig;
  db: DB;
  chain: Chain;
  relay: Relay;
  account: PrivateKeyAccount;
  work: Work;
  committee: Committee;
  log: Logger;
  metrics: Metrics;
  clock: ChainClock;
}

interface EpochRow {
  epoch: number;
  seed: Hex;
  commitment: Hex;
  committed_at: number | null;
  scheduled_at: number | null;
  judged_at: number | null;
}

interface ReportRow {
  epoch: number;
  report: string;
  slashes: string;
  inputs: string;
  digest: Hex;
  signatures: string;
  status: string;
  tx_hash: string | null;
}

/** 64-bit number from keccak256(key ‖ tag ‖ node ‖ round): the secret draws of an epoch. */
function draw(key: Hex, tag: string, node: string, round: number): bigint {
  const h = keccak256(concatBytes([hexToBytes(key), stringToBytes(tag), hexToBytes(node as Hex), new Uint8Array([round >> 24, round >> 16, round >> 8, round].map((x) => x & 255))]));
  return BigInt(h.slice(0, 18));
}

/**
 * A secret due time in [start, start + min(window, len - span)): at most `issueWindowBps` into
 * the epoch, and early enough that the whole deadline span ends by the epoch's end (at the start
 * when the span is longer than the epoch). `secret` is a 64-bit draw; the modulo's bias is below
 * 2^-40 for any epoch under 2^24 ms.
 */
export function dueTimeMs(startMs: number, lenMs: number, issueWindowBps: number, spanMs: number, secret: bigint): number {
  const windowMs = Math.floor((lenMs * issueWindowBps) / 10_000); // rounds down: never past the window
  const latest = Math.max(1, Math.min(windowMs, lenMs - spanMs));
  return startMs + Number(secret % BigInt(latest));
}

/** The node field of the draws shared by the whole fleet (the round's due time). */
const FLEET = ("0x" + "00".repeat(20)) as Hex;
/** Largest delay of a round planned after its due time passed (the oracle came up late), ms. */
export const LATE_SPREAD_MS = 2_000;

/**
 * The due time of every round of an epoch, the same for every node: drawn once per round from
 * the epoch's secret schedule key, so identities sharing one GPU receive their challenges at the
 * same instant and must compute them concurrently (their measured throughput splits). A round's
 * due time leaves the longest deadline span among its challenges before the epoch's end. A due
 * time already past (the epoch is planned late) becomes due within LATE_SPREAD_MS from now, so
 * nodes are not charged for the oracle's downtime.
 */
export function roundDueTimes(
  items: readonly { round: number; spanMs: number }[],
  o: { scheduleKey: Hex; startMs: number; lenMs: number; issueWindowBps: number; nowMs: number },
): Map<number, number> {
  const span = new Map<number, number>();
  for (const it of items) span.set(it.round, Math.max(span.get(it.round) ?? 0, it.spanMs));
  const out = new Map<number, number>();
  for (const [r, spanMs] of span) {
    let at = dueTimeMs(o.startMs, o.lenMs, o.issueWindowBps, spanMs, draw(o.scheduleKey, "time", FLEET, r));
    if (at < o.nowMs) at = o.nowMs + Number(draw(o.scheduleKey, "late", FLEET, r) % BigInt(LATE_SPREAD_MS));
    out.set(r, at);
  }
  return out;
}

export class Scheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  clock?: { genesis: number; length: number };
  lastPassAt = 0;
  lastError?: string;
  private readonly now: () => number;
  private readonly warned = new Set<string>();

  constructor(private readonly d: SchedulerDeps) {
    this.now = () => d.clock.now();
  }

  epochAt(ms: number): number {
    const c = this.clock!;
    return Math.floor((ms / 1000 - c.genesis) / c.length);
  }
  epochStartMs(e: number): number {
    return (this.clock!.genesis + e * this.clock!.length) * 1000;
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.pass().catch((e) => {
        this.lastError = (e as Error).message;
        this.d.log.error("reconcile.failed", { err: e });
      });
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, this.d.cfg.pollIntervalMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One reconciliation pass. Each step's failure is logged and retried on the next pass. */
  async pass(): Promise<void> {
    if (!this.clock) this.clock = await this.d.chain.epochClock();
    this.d.clock.observe(await this.d.chain.blockTime());
    const nowMs = this.now();
    const cur = this.epochAt(nowMs);
    this.d.log.debug("reconcile.pass", { epoch: cur, chainMs: nowMs, leadMs: this.d.clock.leadMs });
    const committee = await this.d.chain.committee();
    const step = async (name: string, fn: () => Promise<void>) => {
      const t0 = performance.now();
      try {
        await fn();
        const ms = performance.now() - t0;
        if (ms > 2_000) this.d.log.warn("reconcile.slow_step", { step: name, ms: Math.round(ms) });
      } catch (e) {
        this.d.metrics.reconcileErrors.inc({ step: name });
        this.lastError = `${name}: ${(e as Error).message}`;
        this.d.log.error("reconcile.step_failed", { step: name, code: (e as OracleError).code, err: e });
      }
    };
    await step("seed", () => this.reconcileSeeds(cur, committee.members));
    await step("schedule", () => this.reconcileSchedule(cur));
    await step("judge", () => this.reconcileJudgement(cur, nowMs, committee.configVersion, committee.members));
    await step("report", () => this.reconcileReports(committee));
    await step("finalize", () => this.reconcileFinalization());
    pruneNonces(this.d.db, nowMs, this.d.cfg.clockSkewMs);
    this.lastPassAt = nowMs;
  }

  private warnOnce(key: string, event: string, fields: Record<string, unknown>) {
    if (this.warned.has(key)) return;
    if (this.warned.size > 1_000) this.warned.clear();
    this.warned.add(key);
    this.d.log.warn(event, fields);
  }

  isProposer(epoch: number, members: readonly Address[]): boolean {
    if (members.length === 0) return false;
    return proposerOf(epoch, members, this.d.cfg.proposerRotation).toLowerCase() === this.d.account.address.toLowerCase();
  }

  private epochRow(e: number): EpochRow | undefined {
    return this.d.db.prepare("SELECT * FROM epochs WHERE epoch = ?").get(e) as EpochRow | undefined;
  }

  // ---------------------------------------------------------------- seed

  private async reconcileSeeds(cur: number, members: readonly Address[]): Promise<void> {
    const next = Math.max(cur + 1, 0);
    // The current epoch: a commitment sent just before it started may confirm only now.
    for (const e of [cur, next]) {
      if (e < 0 || !this.isProposer(e, members)) continue;
      let row = this.epochRow(e);
      if (!row) {
        if (e !== next) {
          this.warnOnce(`uncommitted:${e}`, "epoch.uncommitted", { code: "OR201", epoch: e });
          continue;
        }
        // Stored before any transaction: a crash after sending still knows the seed it committed.
        const seed = bytesToHex(randomBytes(32));
        this.d.db
          .prepare("INSERT OR IGNORE INTO epochs (epoch, seed, commitment, created_at) VALUES (?, ?, ?, ?)")
          .run(e, seed, seedCommitment(BigInt(e), seed), this.now());
        row = this.epochRow(e)!;
        this.d.log.info("seed.created", { epoch: e, commitment: row.commitment });
      }
      if (row.committed_at !== null) continue;
      const onchain = await this.d.chain.seedCommitment(BigInt(e));
      if (onchain === row.commitment) {
        this.d.db.prepare("UPDATE epochs SET committed_at = ? WHERE epoch = ?").run(this.now(), e);
        this.d.metrics.seedsCommitted.inc();
        this.d.log.info("seed.committed", { epoch: e, commitment: row.commitment });
        continue;
      }
      if (onchain !== zeroHash) {
        this.d.log.error("seed.mismatch", { code: "OR209", epoch: e, onchain, ours: row.commitment });
        continue;
      }
      // Too late when a transaction sent now might be mined in the epoch already.
      if (this.now() + SEED_MARGIN_MS >= this.epochStartMs(e)) {
        if (e === cur) {
          const state = this.d.db.prepare("SELECT COUNT(*) AS n FROM transactions WHERE purpose = ? AND status IN ('signed','sent','mined')").get(`commitSeed:${e}`) as { n: number };
          if (state.n === 0) this.warnOnce(`uncommitted:${e}`, "epoch.uncommitted", { code: "OR201", epoch: e });
          else await this.relaySeed(e, row.commitment); // follow up the in-flight transaction
        }
        continue;
      }
      await this.relaySeed(e, row.commitment);
    }
  }

  private async relaySeed(e: number, commitment: Hex) {
    try {
      await this.d.relay.ensure(
        `commitSeed:${e}`,
        async () => (await this.d.chain.seedCommitment(BigInt(e))) !== zeroHash,
        { contract: "EpochManager", functionName: "commitSeed", args: [BigInt(e), commitment] },
      );
    } catch (err) {
      // Too late for this epoch: nothing to retry (the next epoch gets its own seed).
      if ((err as OracleError).details?.errorName === "EpochManagerEpochStarted") {
        this.warnOnce(`uncommitted:${e}`, "epoch.uncommitted", { code: "OR201", epoch: e, reason: "epoch started before the commitment" });
        return;
      }
      throw err;
    }
  }

  // ---------------------------------------------------------------- schedule

  private async reconcileSchedule(cur: number): Promise<void> {
    if (cur < 0) return;
    const row = this.epochRow(cur);
    if (!row || row.committed_at === null || row.scheduled_at !== null) return;
    const nodes = (await this.d.chain.allNodes()).filter((n) => n.status === "Active");
    const startMs = this.epochStartMs(cur);
    const lenMs = this.clock!.length * 1000;
    const scheduleKey = keccak256(concatBytes([hexToBytes(row.seed), stringToBytes("poai.oracle.schedule")]));
    const insert = this.d.db.prepare(
      "INSERT OR IGNORE INTO challenges (id, epoch, node, round, kind, seed, spec, claim, issue_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const planned: { n: NodeRecord; r: number; kind: "gemm" | "infer"; seed: Hex; spanMs: number; plan: Awaited<ReturnType<NonNullable<Work["gemm"]>["plan"]>> }[] = [];
    for (const n of nodes) {
      for (let r = 0; r < this.d.cfg.epochChallenges; r++) {
        const kinds = this.d.cfg.challengeKinds.filter((k) => this.d.work[k]);
        if (kinds.length === 0) throw new OracleError("OR206", "no challenge kind is available");
        const kind = kinds[Number(draw(scheduleKey, "kind", n.node, r) % BigInt(kinds.length))];
        const seed = challengeSeed(row.seed, n.node, r);
        let plan;
        try {
          plan = await this.d.work[kind]!.plan(row.seed, seed, n.claim, this.d.cfg.challengeTargetMs);
        } catch (e) {
          this.d.log.warn("challenge.unplannable", { node: n.node, kind, err: e });
          continue;
        }
        // The deadline leaves the node 3x its expected time plus slack, counted from the due time.
        const spanMs = Math.ceil(plan.expectedMs * DEADLINE_EXPECTED_FACTOR) + this.d.cfg.deadlineSlackMs;
        planned.push({ n, r, kind, seed, spanMs, plan });
      }
    }
    // One secret instant per round for the whole fleet (identities sharing a GPU answer at once).
    const dueAt = roundDueTimes(planned.map((p) => ({ round: p.r, spanMs: p.spanMs })), {
      scheduleKey, startMs, lenMs, issueWindowBps: this.d.cfg.issueWindowBps, nowMs: this.now(),
    });
    const rows = planned.map(({ n, r, kind, seed, spanMs, plan }) => {
      const issueAt = dueAt.get(r)!;
      return [
        challengeId(cur, n.node, r, scheduleKey), cur, n.node.toLowerCase(), r, kind, seed, JSON.stringify(plan.spec),
        JSON.stringify({ claim: n.claim, operator: n.operator, units: plan.units, mflop: plan.mflop, expectedMs: plan.expectedMs }),
        issueAt, issueAt + spanMs,
      ];
    });
    this.d.db.transaction(() => {
      for (const p of rows) insert.run(...p);
      this.d.db.prepare("UPDATE epochs SET scheduled_at = ? WHERE epoch = ?").run(this.now(), cur);
    })();
    this.d.log.info("epoch.scheduled", { epoch: cur, nodes: nodes.length, challenges: planned.length });
  }

  // ---------------------------------------------------------------- judge and build

  private async reconcileJudgement(cur: number, nowMs: number, configVersion: bigint, members: readonly Address[]): Promise<void> {
    const rows = this.d.db
      .prepare("SELECT * FROM epochs WHERE judged_at IS NULL AND committed_at IS NOT NULL AND epoch < ? AND epoch >= ? ORDER BY epoch")
      .all(cur, cur - MAX_BACKLOG_EPOCHS) as EpochRow[];
    for (const ep of rows) {
      if (!this.isProposer(ep.epoch, members)) continue;
      const challenges = this.d.db.prepare(`SELECT ${JUDGED_COLUMNS} FROM challenges WHERE epoch = ?`).all(ep.epoch) as JudgedRow[];
      const lastDeadline = Math.max(this.epochStartMs(ep.epoch + 1), ...challenges.map((c) => c.deadline ?? 0));
      // Due times run up to the epoch's end minus the deadline span, so answers may still be in
      // flight at the end: wait for every handed-out challenge without a verdict (and one planned
      // late whose deadline is still ahead) until the last deadline plus a grace for the opening
      // being verified.
      const pending = challenges.some((c) => c.verdict === null && (c.issued_at !== null || (c.deadline ?? 0) > nowMs));
      if (pending && nowMs < lastDeadline + JUDGE_GRACE_MS) continue;
      if (ep.scheduled_at === null) {
        this.d.log.warn("epoch.unscheduled", { epoch: ep.epoch, reason: "no challenges were planned (oracle down during the epoch)" });
      }
      await this.judgeAndBuild(ep, challenges, nowMs, configVersion);
    }
  }

  private async judgeAndBuild(ep: EpochRow, challenges: JudgedRow[], nowMs: number, configVersion: bigint): Promise<void> {
    const e = ep.epoch;
    // Nodes: everyone registered now that had challenges planned, plus active nodes (no plan = no pay).
    const registry = new Map<string, NodeRecord>();
    for (const n of await this.d.chain.allNodes()) registry.set(n.node.toLowerCase(), n);
    // Condemned epochs in a row before this one, from this oracle's own verdict history.
    const priorCondemned = new Map<string, number>();
    for (const node of new Set(challenges.map((c) => c.node.toLowerCase()))) {
      priorCondemned.set(node, condemnedStreak(verdictHistory(this.d.db, node, e, MAX_VERDICT_LOOKBACK)));
    }
    const nodes = judgeEpoch(challenges, registry, {
      fraudSlashBps: this.d.cfg.fraudSlashBps,
      overclaimSlashBps: this.d.cfg.overclaimSlashBps,
      overclaimSlashAfterEpochs: this.d.cfg.overclaimSlashAfterEpochs,
      priorCondemned,
      earlier: (node) => windowRows(this.d.db, node, e, this.d.cfg.judgeWindowEpochs),
      nowMs,
    });
    for (const n of nodes) {
      const inARow = 1 + (priorCondemned.get(n.node.toLowerCase()) ?? 0);
      if (n.verdict !== "under-delivering" || n.slash || inARow >= this.d.cfg.overclaimSlashAfterEpochs) continue;
      this.d.log.info("overclaim.slash_deferred", { epoch: e, node: n.node, condemnedInARow: inARow, slashAfter: this.d.cfg.overclaimSlashAfterEpochs });
    }
    const prev = this.previousCumulative(e);
    const available = await this.d.chain.availableBudget();
    const budgetCfg = BigInt(this.d.cfg.epochBudget);
    // Rounds against the claimants: pay the smaller of the configured and the available budget.
    const budget = available < budgetCfg ? available : budgetCfg;
    if (available < budgetCfg) this.d.log.warn("rewards.underfunded", { code: "OR208", epoch: e, available, budget: budgetCfg });
    const inputs: ReportInputs = {
      epoch: String(e),
      seed: ep.seed,
      configVersion: configVersion.toString(),
      budget: budget.toString(),
      uptimeShareBps: this.d.cfg.uptimeShareBps,
      maxSlashes: await this.d.chain.maxSlashes(),
      nodes,
      previousCumulative: Object.fromEntries([...prev].map(([a, v]) => [a, v.toString()])),
    };
    const built = buildReport(inputs);
    if (built.truncated > 0) this.d.log.warn("slashes.truncated", { code: "OR207", epoch: e, truncated: built.truncated });
    const digest = reportDigest(built.report, this.d.chain.chainId, this.d.chain.address("Settlement"));
    const slashesJson = built.slashes.map((s) => ({ ...s, reason: Number(s.reason) }));
    this.d.db.transaction(() => {
      this.d.db.prepare("UPDATE challenges SET verdict = 'missed', reason = 'not answered before the deadline' WHERE epoch = ? AND verdict IS NULL").run(e);
      this.d.db.prepare("DELETE FROM node_epochs WHERE epoch = ?").run(e);
      const ins = this.d.db.prepare(
        "INSERT INTO node_epochs (epoch, node, operator, verdict, stats, reward, slash_bps, slash_reason, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      );
      for (const n of nodes) {
        const { slash, ...stats } = n;
        ins.run(e, n.node.toLowerCase(), n.operator.toLowerCase(), n.verdict, JSON.stringify(stats), (built.rewardsPerNode.get(n.node.toLowerCase()) ?? 0n).toString(), slash?.bps ?? 0, slash ? Number(slash.reason) : 0, slash?.evidence ?? null);
      }
      this.d.db.prepare("DELETE FROM rewards WHERE epoch = ?").run(e);
      const rw = this.d.db.prepare("INSERT INTO rewards (epoch, account, cumulative) VALUES (?, ?, ?)");
      for (const [a, v] of built.cumulative) rw.run(e, a, v.toString());
      this.d.db
        .prepare("INSERT OR REPLACE INTO reports (epoch, report, slashes, inputs, digest, signatures, status, updated_at) VALUES (?, ?, ?, ?, ?, '{}', 'built', ?)")
        .run(e, JSON.stringify(reportToJson(built.report)), JSON.stringify(slashesJson), JSON.stringify(inputs), digest, this.now());
      this.d.db.prepare("UPDATE epochs SET judged_at = ? WHERE epoch = ?").run(this.now(), e);
    })();
    this.d.metrics.lastEpoch.set(e);
    this.d.log.info("report.built", {
      epoch: e,
      nodes: nodes.length,
      rewardsTotal: built.report.rewardsTotal,
      slashes: built.slashes.length,
      digest,
      verdicts: Object.fromEntries(nodes.map((n) => [n.node, n.verdict])),
    });
  }

  /** Cumulative rewards before epoch `e`: the latest earlier report of ours that was not vetoed. */
  private previousCumulative(e: number): Map<string, bigint> {
    const prevEpoch = this.d.db
      .prepare("SELECT MAX(epoch) AS e FROM reports WHERE epoch < ? AND status NOT IN ('vetoed')")
      .get(e) as { e: number | null };
    const out = new Map<string, bigint>();
    if (prevEpoch.e === null) return out;
    for (const r of this.d.db.prepare("SELECT account, cumulative FROM rewards WHERE epoch = ?").all(prevEpoch.e) as { account: string; cumulative: string }[]) {
      out.set(r.account, BigInt(r.cumulative));
    }
    return out;
  }

  // ---------------------------------------------------------------- sign and relay

  private async reconcileReports(committee: { members: Address[]; quorum: number; configVersion: bigint }): Promise<void> {
    const rows = this.d.db
      .prepare("SELECT * FROM reports WHERE status IN ('built', 'signed', 'submitted') ORDER BY epoch LIMIT ?")
      .all(MAX_BACKLOG_EPOCHS) as ReportRow[];
    for (const row of rows) {
      const e = BigInt(row.epoch);
      const onchain = await this.d.chain.reportOf(e);
      if (onchain.status !== REPORT_STATUS.None) {
        const ours = reportFromJson(JSON.parse(row.report));
        const same = onchain.rewardsRoot === ours.rewardsRoot && onchain.statsRoot === ours.statsRoot;
        this.setReportStatus(row.epoch, onchain.status === REPORT_STATUS.Finalized ? "finalized" : onchain.status === REPORT_STATUS.Vetoed ? "vetoed" : "onchain");
        if (row.status === "submitted" && same) {
          // Our transaction landed (seen on a later pass, or after a restart).
          this.d.metrics.reportsRelayed.inc();
          this.d.log.info("report.onchain", { epoch: row.epoch });
        } else {
          this.d.log.info("report.already_onchain", { code: "OR205", epoch: row.epoch, same });
        }
        continue;
      }
      let report = reportFromJson(JSON.parse(row.report));
      if (report.configVersion !== committee.configVersion) {
        // The committee changed: signatures under the old version are void; build again.
        this.d.log.warn("report.config_changed", { epoch: row.epoch, was: report.configVersion, now: committee.configVersion });
        this.d.db.prepare("DELETE FROM reports WHERE epoch = ?").run(row.epoch);
        this.d.db.prepare("UPDATE epochs SET judged_at = NULL WHERE epoch = ?").run(row.epoch);
        continue;
      }
      const sigs: Record<string, Hex> = JSON.parse(row.signatures);
      const me = this.d.account.address.toLowerCase();
      if (!sigs[me] && committee.members.some((m) => m.toLowerCase() === me)) {
        sigs[me] = await this.d.account.sign({ hash: row.digest });
        this.saveSignatures(row.epoch, sigs);
        this.d.log.info("report.signed", { epoch: row.epoch, signer: me, digest: row.digest });
      }
      const valid = Object.keys(sigs).filter((a) => committee.members.some((m) => m.toLowerCase() === a));
      if (valid.length < committee.quorum) {
        const more = await this.d.committee.collect(row, committee.members, sigs);
        for (const [a, s] of Object.entries(more)) sigs[a.toLowerCase()] = s;
        this.saveSignatures(row.epoch, sigs);
      }
      const members = Object.keys(sigs).filter((a) => committee.members.some((m) => m.toLowerCase() === a));
      if (members.length < committee.quorum) {
        this.d.log.warn("report.quorum_missing", { code: "OR204", epoch: row.epoch, have: members.length, need: committee.quorum });
        continue;
      }
      if (row.status === "built") this.setReportStatus(row.epoch, "signed");
      report = reportFromJson(JSON.parse(row.report));
      const chosen = Object.fromEntries(members.map((a) => [a, sigs[a]]));
      const ordered = Object.keys(chosen).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).slice(0, Math.max(committee.quorum, 1));
      const state = await this.d.relay.ensure(
        `submitReport:${row.epoch}`,
        async () => (await this.d.chain.reportOf(e)).status !== REPORT_STATUS.None,
        { contract: "Settlement", functionName: "submitReport", args: [report, JSON.parse(row.slashes), ordered.map((a) => chosen[a])] },
      );
      if (row.status !== "submitted") this.setReportStatus(row.epoch, "submitted");
      this.d.log.info("report.relay", { epoch: row.epoch, state });
      if (state === "done") {
        this.setReportStatus(row.epoch, "onchain");
        this.d.metrics.reportsRelayed.inc();
        this.d.log.info("report.onchain", { epoch: row.epoch });
      }
    }
  }

  private setReportStatus(epoch: number, status: string) {
    this.d.db.prepare("UPDATE reports SET status = ?, updated_at = ? WHERE epoch = ?").run(status, this.now(), epoch);
  }
  private saveSignatures(epoch: number, sigs: Record<string, Hex>) {
    this.d.db.prepare("UPDATE reports SET signatures = ?, updated_at = ? WHERE epoch = ?").run(JSON.stringify(sigs), this.now(), epoch);
  }

  // ---------------------------------------------------------------- finalize

  private async reconcileFinalization(): Promise<void> {
    const rows = this.d.db.prepare("SELECT epoch FROM reports WHERE status = 'onchain' ORDER BY epoch LIMIT ?").all(MAX_BACKLOG_EPOCHS) as { epoch: number }[];
    if (rows.length === 0) return;
    const blockTime = await this.d.chain.blockTime();
    const wall = Math.floor(this.now() / 1000);
    this.d.clock.observe(blockTime);
    for (const { epoch } of rows) {
      const info = await this.d.chain.reportOf(BigInt(epoch));
      if (info.status === REPORT_STATUS.Finalized) {
        this.setReportStatus(epoch, "finalized");
        this.d.metrics.reportsFinalized.inc();
        this.d.log.info("report.finalized", { epoch });
        continue;
      }
      if (info.status === REPORT_STATUS.Vetoed) {
        this.setReportStatus(epoch, "vetoed");
        this.d.log.warn("report.vetoed", { epoch });
        continue;
      }
      // The next block's time is at least max(latest block, wall clock) on an auto-mining devnet.
      if (info.status !== REPORT_STATUS.Pending || Math.max(blockTime, wall) <= Number(info.disputeEndsAt)) continue;
      const state = await this.d.relay.ensure(
        `finalize:${epoch}`,
        async () => (await this.d.chain.reportOf(BigInt(epoch))).status !== REPORT_STATUS.Pending,
        { contract: "Settlement", functionName: "finalize", args: [BigInt(epoch)] },
      );
      if (state === "done") {
        const after = await this.d.chain.reportOf(BigInt(epoch));
        if (after.status === REPORT_STATUS.Finalized) {
          this.setReportStatus(epoch, "finalized");
          this.d.metrics.reportsFinalized.inc();
          this.d.log.info("report.finalized", { epoch });
        }
      }
    }
  }
}
