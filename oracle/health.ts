/**
 * The oracle's readiness: a monitor that probes, on its own timer and with its own short
 * timeout, what the epoch loop needs from outside (the RPC answering, the chain's head advancing,
 * the wallet able to pay for gas, the rewards budget, the chain's reports keeping up), and the
 * checks `GET /healthz` answers from its last readings (200 when every check passes, 503 with
 * the failing ones otherwise). It runs beside the passes, so a hung RPC that holds a pass for
 * the length of its retries is named within one probe period plus `rpcProbeTimeoutMs`.
 *
 * Each change of a check is logged once, when it happens: `rpc.unreachable` (OR005, with the
 * reason: refused, timeout, http <status>) and `rpc.recovered`, `chain.head_stalled` (OR217) and
 * `chain.head_advancing`, `wallet.low_balance` (OR216) and `wallet.funded`, `rewards.budget_low`
 * (OR208), `relay.lagging`, `event_loop.lagging`, and `health.not_ready` / `health.ready`.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import type { Address } from "viem";
import type { Chain, ChainProbe } from "./chain";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import type { Relay } from "./relay";
import type { DB } from "./store/schema";
import { committedEpochsBetween } from "./store/epochs";
import { latestOnChainReportEpoch, latestReportEpoch, newestReportSignatures } from "./store/reports";
import { unreachableReason } from "./rpc-errors";
import { ORACLE_VERSION } from "./read-api";

/** The epoch loop counts as healthy while its last pass is this recent, ms (or 20 poll intervals if longer). */
const HEALTHY_PASS_AGE_MS = 10_000;
const HEALTHY_PASS_INTERVALS = 20;
/** Resolution of the event-loop delay histogram, ms. */
const LAG_RESOLUTION_MS = 20;

export interface HealthOptions {
  healthProbeMs: number;
  rpcProbeTimeoutMs: number;
  headStallMs: number;
  minWalletBalanceWei: bigint;
  maxRelayLagEpochs: number;
  maxEventLoopLagMs: number;
  /** Rewards one epoch pays (config `epochBudget`): the budget's unit of `poai_rewards_budget_epochs`. */
  epochBudget: bigint;
  pollIntervalMs: number;
}

export interface HealthDeps {
  chain: Chain;
  account: Address;
  relay: Relay;
  db: DB;
  epochs: { genesis: number; length: number };
  /** Chain-aligned time, ms. */
  now: () => number;
  /** The oracle's wall clock, ms (the head's advance is timed on it). */
  wall: () => number;
  /** The epoch loop's progress; absent when the loop does not run on its own (tests drive it). */
  loop?: { readonly lastPassAt: number; readonly lastError?: string };
  log: Logger;
  metrics: Metrics;
}

export interface Check {
  ok: boolean;
  /** What was measured, as JSON writes it (bigints as decimal strings). */
  value: unknown;
  /** The bound the value is held to. */
  limit?: unknown;
  detail?: string;
}

export type CheckName = "rpc" | "chain_head" | "wallet_balance" | "relay_lag" | "event_loop" | "epoch_loop";

export interface HealthBody {
  ready: boolean;
  /** The same as `ready` (the field the first releases answered). */
  ok: boolean;
  checks: Partial<Record<CheckName, Check>>;
  /** Present when not ready: OR005 when the RPC check fails, OR218 otherwise. */
  error?: { code: "OR005" | "OR218"; message: string };
  lastProcessedEpoch: number | null;
  lastReportedEpoch: number | null;
  lastPassAt: number;
  lastError: string | null;
  version: string;
}

/** The host of an RPC URL (its path and query may hold an API key: never logged). */
const rpcHost = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
};

export class HealthMonitor {
  private readonly probe: ChainProbe;
  private readonly lag: IntervalHistogram;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private running?: Promise<void>;

  // Last readings.
  private rpc: { ok: boolean; reason?: string; at: number; since: number; latencyMs?: number } = { ok: false, reason: "not probed yet", at: 0, since: 0 };
  private head?: { number: number; advancedAt: number };
  private halted = false;
  private pendingTxs = 0;
  /** The first probe that saw a transaction waiting since the head last advanced (wall ms). */
  private waitingSince?: number;
  private balance?: bigint;
  private budget?: bigint;
  private epochsBehind = 0;
  private lagMs = 0;
  private readonly failing = new Set<string>();
  private wasReady?: boolean;

  constructor(
    private readonly d: HealthDeps,
    private readonly o: HealthOptions,
  ) {
    this.probe = d.chain.probe(o.rpcProbeTimeoutMs);
    this.lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  }

  /** Takes the first readings (so the first answer of /healthz is meaningful), then probes every `healthProbeMs`. */
  async start(): Promise<void> {
    this.lag.enable();
    await this.tick();
    const loop = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.running = this.tick().finally(loop);
      }, this.o.healthProbeMs);
      this.timer.unref();
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.lag.disable();
  }

  /** One probe: reads, metrics, transitions logged. Never throws. */
  async tick(): Promise<void> {
    const { d, o } = this;
    const m = d.metrics;
    const wall = d.wall();
    this.lagMs = this.lag.count > 0 ? this.lag.percentile(99) / 1e6 : 0;
    this.lag.reset();
    const t0 = performance.now();
    try {
      const head = await this.probe.head();
      const [pendingTxs, balance, budget, tip, quorum] = await Promise.all([
        this.probe.pendingTransactions(),
        this.probe.balance(d.account),
        this.probe.availableBudget(),
        this.probe.tip(),
        this.probe.quorum(),
      ]);
      const latencyMs = Math.round(performance.now() - t0);
      if (!this.rpc.ok && this.rpc.at !== 0 && this.rpc.reason !== "not probed yet") {
        d.log.info("rpc.recovered", { rpc: rpcHost(d.chain.rpcUrl), downMs: wall - this.rpc.since });
      }
      if (!this.rpc.ok) this.rpc = { ok: true, at: wall, since: wall, latencyMs };
      else this.rpc = { ...this.rpc, at: wall, latencyMs };
      m.rpcUp.set(1);

      // Head: advancing, or halted while a transaction waits to be mined (an automining devnet
      // mines only when a transaction comes, so an idle head alone says nothing).
      // Halted: no new block for headStallMs since a transaction began to wait (our own in the
      // relay, or any in the node's pending block).
      if (!this.head || head.number !== this.head.number) {
        this.head = { number: head.number, advancedAt: wall };
        this.waitingSince = undefined;
      }
      this.pendingTxs = pendingTxs + (d.relay.oldestPendingAgeMs(true) > 0 ? 1 : 0);
      if (this.pendingTxs === 0) this.waitingSince = undefined;
      else this.waitingSince ??= wall;
      const stalledMs = wall - this.head.advancedAt;
      const halted = this.waitingSince !== undefined && wall - this.waitingSince >= o.headStallMs;
      if (halted && !this.halted) d.log.error("chain.head_stalled", { code: "OR217", block: head.number, stalledMs, pendingTransactions: this.pendingTxs });
      if (!halted && this.halted) d.log.info("chain.head_advancing", { block: head.number });
      this.halted = halted;
      m.chainHead.set(head.number);
      m.chainHeadAge.set(stalledMs / 1000);
      m.chainHalted.set(halted ? 1 : 0);

      const low = balance < o.minWalletBalanceWei;
      const wasLow = this.balance !== undefined && this.balance < o.minWalletBalanceWei;
      if (low && !wasLow) {
        d.log.error("wallet.low_balance", { code: "OR216", address: d.account, balance, min: o.minWalletBalanceWei, advice: "send native tokens to the oracle's address: it pays the gas of every seed commitment, report and finalization" });
      }
      if (!low && wasLow) d.log.info("wallet.funded", { address: d.account, balance });
      this.balance = balance;
      m.walletBalance.set(Number(balance));

      const short = o.epochBudget > 0n && budget < o.epochBudget;
      if (short && (this.budget === undefined || this.budget >= o.epochBudget)) {
        d.log.warn("rewards.budget_low", { code: "OR208", available: budget, epochBudget: o.epochBudget, advice: "fund the RewardsDistributor (docs/oracle.md, Funding the rewards pool)" });
      }
      this.budget = budget;
      m.rewardsBudget.set(Number(budget));
      // Rounds down: whole epochs the budget still pays in full.
      m.rewardsBudgetEpochs.set(o.epochBudget > 0n ? Number(budget / o.epochBudget) : 0);

      // Ended epochs this oracle committed a seed for, after the chain's latest report: the
      // reports it still owes. An epoch that never had a commitment (OR201) cannot be reported
      // and does not count; one left unreported for a named fault counts until a later report lands.
      const cur = Math.floor((d.now() / 1000 - d.epochs.genesis) / d.epochs.length);
      const behind = committedEpochsBetween(d.db, tip.exists ? tip.epoch : -1, cur);
      if (behind > o.maxRelayLagEpochs && this.epochsBehind <= o.maxRelayLagEpochs) {
        d.log.warn("relay.lagging", { epochsBehind: behind, max: o.maxRelayLagEpochs, lastReportedEpoch: tip.exists ? tip.epoch : null });
      }
      this.epochsBehind = behind;
      m.relayEpochsBehind.set(behind);

      m.committeeQuorum.set(quorum);
    } catch (e) {
      const reason = unreachableReason(e);
      if (this.rpc.ok || this.rpc.reason !== reason) {
        d.log.error("rpc.unreachable", { code: "OR005", rpc: rpcHost(d.chain.rpcUrl), reason, ms: Math.round(performance.now() - t0), err: e });
      }
      this.rpc = { ok: false, reason, at: wall, since: this.rpc.ok || this.rpc.at === 0 ? wall : this.rpc.since };
      m.rpcUp.set(0);
      m.rpcProbeFailures.inc({ reason });
    }
    // From the database: what the loop has in flight.
    m.relayOldestPending.set(d.relay.oldestPendingAgeMs() / 1000);
    const sigs = newestReportSignatures(d.db);
    m.reportSignatures.set(sigs ? Object.keys(sigs.signatures).length : 0);

    if (this.lagMs > o.maxEventLoopLagMs && !this.failing.has("event_loop")) d.log.warn("event_loop.lagging", { p99Ms: Math.round(this.lagMs), max: o.maxEventLoopLagMs });
    const body = this.report();
    for (const [name, c] of Object.entries(body.checks)) {
      m.healthCheck.set(c.ok ? 1 : 0, { check: name });
      if (c.ok) this.failing.delete(name);
      else this.failing.add(name);
    }
    m.ready.set(body.ready ? 1 : 0);
    // At the start, before the first pass, only the epoch loop fails: not worth a line.
    const starting = this.wasReady === undefined && !body.ready && (d.loop?.lastPassAt ?? 1) === 0 && Object.entries(body.checks).every(([n, c]) => c.ok || n === "epoch_loop");
    if (body.ready !== this.wasReady && !starting) {
      if (body.ready) d.log.info("health.ready", {});
      else d.log.warn("health.not_ready", { failing: Object.entries(body.checks).filter(([, c]) => !c.ok).map(([n]) => n) });
      this.wasReady = body.ready;
    }
  }

  /** The checks from the last readings; no I/O but the database (cheap), so /healthz never waits on the RPC. */
  report(): HealthBody {
    const { d, o } = this;
    const wall = d.wall();
    const checks: Partial<Record<CheckName, Check>> = {};
    // The last probe must be recent too: a probe that never returns leaves `at` behind.
    const staleMs = 2 * o.healthProbeMs + o.rpcProbeTimeoutMs;
    const rpcFresh = wall - this.rpc.at <= staleMs;
    checks.rpc = {
      ok: this.rpc.ok && rpcFresh,
      value: this.rpc.ok ? (rpcFresh ? "answering" : "no answer to the last probe") : this.rpc.reason,
      detail: `${rpcHost(d.chain.rpcUrl)}${this.rpc.latencyMs !== undefined && this.rpc.ok ? `, ${this.rpc.latencyMs} ms` : ""}${this.rpc.ok ? "" : `, failing for ${wall - this.rpc.since} ms`}`,
    };
    checks.chain_head = {
      ok: !this.halted,
      value: this.head ? { block: this.head.number, sinceAdvanceMs: wall - this.head.advancedAt, pendingTransactions: this.pendingTxs } : null,
      limit: { headStallMs: o.headStallMs },
      ...(this.waitingSince !== undefined ? { detail: `a transaction has waited ${wall - this.waitingSince} ms for a block` } : {}),
      ...(this.halted ? { detail: "block production halted (OR217)" } : {}),
    };
    checks.wallet_balance = {
      ok: this.balance !== undefined && this.balance >= o.minWalletBalanceWei,
      value: this.balance?.toString() ?? null,
      limit: o.minWalletBalanceWei.toString(),
      detail: this.balance !== undefined && this.balance < o.minWalletBalanceWei ? `fund ${d.account} (OR216)` : undefined,
    };
    checks.relay_lag = { ok: this.epochsBehind <= o.maxRelayLagEpochs, value: this.epochsBehind, limit: o.maxRelayLagEpochs };
    checks.event_loop = { ok: this.lagMs <= o.maxEventLoopLagMs, value: Math.round(this.lagMs), limit: o.maxEventLoopLagMs, detail: "p99 over the last probe period, ms" };
    if (d.loop) {
      const maxAge = Math.max(HEALTHY_PASS_AGE_MS, o.pollIntervalMs * HEALTHY_PASS_INTERVALS);
      const age = d.loop.lastPassAt === 0 ? null : d.now() - d.loop.lastPassAt;
      checks.epoch_loop = { ok: age !== null && age < maxAge, value: age, limit: maxAge, detail: age === null ? "no pass completed yet" : "ms since the last completed pass" };
    }
    const failing = Object.entries(checks).filter(([, c]) => !c.ok).map(([n]) => n);
    const ready = failing.length === 0;
    return {
      ready,
      ok: ready,
      checks,
      ...(ready ? {} : { error: { code: failing.includes("rpc") ? ("OR005" as const) : ("OR218" as const), message: `not ready: ${failing.join(", ")} failing` } }),
      lastProcessedEpoch: latestReportEpoch(d.db),
      lastReportedEpoch: latestOnChainReportEpoch(d.db),
      lastPassAt: d.loop?.lastPassAt ?? 0,
      lastError: d.loop?.lastError ?? null,
      version: ORACLE_VERSION,
    };
  }
}
