/**
 * The oracle's Prometheus metrics on prom-client, in one `Registry` per oracle (several oracles
 * share a process in the tests and the demo; the library's global registry is never used).
 * `render()` returns the text exposition the API serves at /metrics.
 *
 * Each metric sits behind a thin wrapper that keeps at most MAX_SERIES_PER_METRIC label
 * combinations, so a hostile label value cannot grow memory (prom-client has no such bound).
 */
import { createHistogram, performance } from "node:perf_hooks";
import * as prom from "prom-client";

/** Most label combinations one metric keeps; observations of further ones are dropped. */
export const MAX_SERIES_PER_METRIC = 1_000;

type Labels<L extends string> = Partial<Record<L, string>>;

/** The label combinations a metric has, up to MAX_SERIES_PER_METRIC. */
class SeriesBound {
  private readonly seen = new Set<string>();
  admits(labels: Record<string, string | undefined>): boolean {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (this.seen.has(key)) return true;
    if (this.seen.size >= MAX_SERIES_PER_METRIC) return false;
    this.seen.add(key);
    return true;
  }
}

type Spec<L extends string> = { name: string; help: string; labelNames?: readonly L[] };

export class Counter<L extends string = never> {
  private readonly bound = new SeriesBound();
  private readonly metric: prom.Counter<L>;
  constructor(registry: prom.Registry, spec: Spec<L>) {
    this.metric = new prom.Counter({ ...spec, registers: [registry] });
  }
  inc(labels: Labels<L> = {}, by = 1): void {
    if (this.bound.admits(labels)) this.metric.inc(labels, by);
  }
}

export class Gauge<L extends string = never> {
  private readonly bound = new SeriesBound();
  private readonly metric: prom.Gauge<L>;
  constructor(registry: prom.Registry, spec: Spec<L>) {
    this.metric = new prom.Gauge({ ...spec, registers: [registry] });
  }
  set(value: number, labels: Labels<L> = {}): void {
    if (this.bound.admits(labels)) this.metric.set(labels, value);
  }
}

export class Histogram<L extends string = never> {
  private readonly bound = new SeriesBound();
  private readonly metric: prom.Histogram<L>;
  constructor(registry: prom.Registry, spec: Spec<L> & { buckets: number[] }) {
    this.metric = new prom.Histogram({ ...spec, registers: [registry] });
  }
  observe(value: number, labels: Labels<L> = {}): void {
    if (this.bound.admits(labels)) this.metric.observe(labels, value);
  }
}

/** Interval of the event-loop lag probe, ms. */
const LAG_PROBE_MS = 10;

/**
 * `poai_event_loop_lag_seconds{stat="p50"|"p99"|"max"}` over the interval since the last scrape:
 * a probe timer every LAG_PROBE_MS records how late it fired. (perf_hooks' monitorEventLoopDelay
 * is not used: its reset drops the next interval, so a stall right after a scrape would not show.)
 * Returns the probe's stop.
 */
function eventLoopLag(registry: prom.Registry): () => void {
  const h = createHistogram();
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    // In ns; the histogram takes integers >= 1.
    h.record(Math.max(1, Math.round((now - last - LAG_PROBE_MS) * 1e6)));
    last = now;
  }, LAG_PROBE_MS);
  probe.unref();
  const seconds = (ns: number) => (h.count === 0 ? 0 : ns / 1e9);
  new prom.Gauge({
    name: "poai_event_loop_lag_seconds",
    help: "Event-loop lag since the last scrape: median, 99th percentile and maximum",
    labelNames: ["stat"],
    registers: [registry],
    collect() {
      this.set({ stat: "p50" }, seconds(h.percentile(50)));
      this.set({ stat: "p99" }, seconds(h.percentile(99)));
      this.set({ stat: "max" }, seconds(h.max));
      h.reset();
    },
  });
  return () => clearInterval(probe);
}

/** The queues whose depth the oracle reports (`poai_queue_depth{queue}`). */
export type QueueName = "verification" | "delivery";

/** The oracle's metrics. One instance per oracle. */
export function createMetrics() {
  const registry = new prom.Registry();
  const m = {
    challengesIssued: new Counter(registry, { name: "poai_challenges_issued_total", help: "Challenges handed to nodes, by kind", labelNames: ["kind"] }),
    challengesVerified: new Counter(registry, { name: "poai_challenges_verified_total", help: "Challenges whose openings verified, by kind", labelNames: ["kind"] }),
    challengesFailed: new Counter(registry, {
      name: "poai_challenges_failed_total",
      help: "Challenges failed (wrong result, late, missed), by kind and reason",
      labelNames: ["kind", "reason"],
    }),
    verificationSeconds: new Histogram(registry, {
      name: "poai_verification_seconds",
      help: "Time to verify one challenge's openings, by kind",
      labelNames: ["kind"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    }),
    reportsRelayed: new Counter(registry, { name: "poai_reports_relayed_total", help: "Epoch reports submitted on chain" }),
    reportsFinalized: new Counter(registry, { name: "poai_reports_finalized_total", help: "Epoch reports finalized on chain" }),
    seedsCommitted: new Counter(registry, { name: "poai_seeds_committed_total", help: "Epoch seed commitments submitted on chain" }),
    txRetries: new Counter(registry, { name: "poai_tx_retries_total", help: "Transaction retries and fee bumps, by purpose", labelNames: ["purpose"] }),
    requests: new Counter(registry, { name: "poai_http_requests_total", help: "API requests, by route and status", labelNames: ["route", "status"] }),
    requestSeconds: new Histogram(registry, {
      name: "poai_request_duration_seconds",
      help: "API request latency of the requests served, by route",
      labelNames: ["route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
    requestsRejected: new Counter(registry, { name: "poai_http_rejected_total", help: "API requests rejected, by error code", labelNames: ["code"] }),
    lastEpoch: new Gauge(registry, { name: "poai_last_processed_epoch", help: "Last epoch whose report this oracle built" }),
    reconcileErrors: new Counter(registry, { name: "poai_reconcile_errors_total", help: "Reconciliation passes that ended in an error, by step", labelNames: ["step"] }),
    relayTransactions: new Gauge(registry, {
      name: "poai_relay_transactions",
      help: "The relay's stored transactions, by status (set on every reconciliation pass)",
      labelNames: ["status"],
    }),
    sessionsOpened: new Counter(registry, { name: "poai_sessions_opened_total", help: "Agent sessions accepted" }),
    sessions: new Gauge(registry, { name: "poai_sessions", help: "Agent sessions open now" }),
    challengesVoided: new Counter(registry, {
      name: "poai_challenges_voided_total",
      help: "Challenges voided for the oracle's own delay or downtime, by reason",
      labelNames: ["reason"],
    }),
    sessionOpenSeconds: new Histogram(registry, {
      name: "poai_session_open_seconds",
      help: "Time to accept one session opening: schema, nonce, signature recovery, registry check, keys (wall time, registry reads included)",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    reconcileStepSeconds: new Histogram(registry, {
      name: "poai_reconcile_step_seconds",
      help: "Time of one step of the epoch loop's reconciliation pass, by step (wall time, chain calls included)",
      labelNames: ["step"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    }),
    deliverySeconds: new Histogram(registry, {
      name: "poai_delivery_seconds",
      help: "Time of one look at the schedule by delivery: read what is due, mark it issued, push it",
      buckets: [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5],
    }),
    deliveryLagSeconds: new Histogram(registry, {
      name: "poai_delivery_lag_seconds",
      help: "Delay from a challenge's due instant to its push to a connected node",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    // The health monitor's readings (health.ts), set on every probe.
    rpcUp: new Gauge(registry, { name: "poai_rpc_up", help: "1 when the RPC answered the last probe in time, 0 when it refused, failed or hung" }),
    rpcProbeFailures: new Counter(registry, {
      name: "poai_rpc_probe_failures_total",
      help: "Health probes of the RPC that failed, by reason (refused, timeout, http <status>, error)",
      labelNames: ["reason"],
    }),
    chainHead: new Gauge(registry, { name: "poai_chain_head_block", help: "The chain's latest block number at the last probe" }),
    chainHeadAge: new Gauge(registry, { name: "poai_chain_head_age_seconds", help: "Time since the chain's head last advanced, on the oracle's clock" }),
    chainHalted: new Gauge(registry, { name: "poai_chain_halted", help: "1 while the head has not advanced for headStallMs with a transaction waiting to be mined" }),
    walletBalance: new Gauge(registry, { name: "poai_wallet_balance_wei", help: "Native balance of the oracle's wallet, which pays its transactions' gas (wei)" }),
    rewardsBudget: new Gauge(registry, {
      name: "poai_rewards_budget_available",
      help: "RewardsDistributor.availableBudget(): funded rewards not yet promised to a report (token base units)",
    }),
    rewardsBudgetEpochs: new Gauge(registry, { name: "poai_rewards_budget_epochs", help: "Whole epochs of epochBudget the available rewards budget still pays (rounded down)" }),
    relayEpochsBehind: new Gauge(registry, { name: "poai_relay_epochs_behind", help: "Ended epochs after the chain's latest report (0: the last ended epoch is reported)" }),
    relayOldestPending: new Gauge(registry, { name: "poai_relay_oldest_pending_tx_seconds", help: "Age of the oldest transaction of the relay still in flight since its first broadcast (0: none)" }),
    reportSignatures: new Gauge(registry, { name: "poai_report_signatures", help: "Committee members' signatures held for the newest report of this oracle" }),
    committeeQuorum: new Gauge(registry, { name: "poai_committee_quorum", help: "Signatures a report needs (EpochManager.quorum)" }),
    slashesIssued: new Counter(registry, {
      name: "poai_slashes_issued_total",
      help: "Slashes carried by this oracle's reports confirmed on chain, by reason (fraud, overclaim, lease)",
      labelNames: ["reason"],
    }),
    ready: new Gauge(registry, { name: "poai_ready", help: "1 when every health check passes (GET /healthz answers 200), 0 otherwise" }),
    healthCheck: new Gauge(registry, { name: "poai_health_check", help: "1 when the named health check passes, 0 when it fails", labelNames: ["check"] }),
  };
  const queueDepth = new Gauge(registry, { name: "poai_queue_depth", help: "Items waiting in one of the oracle's queues", labelNames: ["queue"] });
  const stopLag = eventLoopLag(registry);
  return {
    ...m,
    registry,
    /** Sets how many items wait in `queue` now. */
    setQueueDepth(queue: QueueName, depth: number): void {
      queueDepth.set(depth, { queue });
    },
    /** The text exposition (format 0.0.4) of this oracle's metrics. */
    render(): Promise<string> {
      return registry.metrics();
    },
    /** Stops the event-loop lag probe (the oracle's `stop()`). */
    close(): void {
      stopLag();
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
