/**
 * `startOracle(config)`: opens the database, connects to the chain, starts the API and the epoch
 * loop, and returns a handle with `stop()`. The demo and the tests run it in-process; the CLI
 * (cli.ts) runs it as a service. Wiring only: the routes' work lives in challenges.ts,
 * committee.ts, processes.ts, access.ts and read-api.ts.
 */
import { privateKeyToAccount } from "viem/accounts";
import type { Address, Hex } from "viem";
import { epochKeys, memberSecret, openingKey } from "../protocol/keys";
import { startApi, type ApiService } from "./api";
import { accessChecks } from "./access";
import { TokenBuckets } from "./ratelimit";
import { Chain, loadDeployment, REPORT_STATUS } from "./chain";
import { ChallengeService } from "./challenges";
import { Committee } from "./committee";
import type { OracleConfig } from "./config";
import { openDb, type DB } from "./store/schema";
import { OracleError } from "./errors";
import { createLogger, type Logger } from "./logger";
import { createMetrics, type Metrics } from "./metrics";
import { Relay } from "./relay";
import { recordProcessReport, type ProcessReportPolicy } from "./processes";
import * as read from "./read-api";
import type { ReadContext } from "./read-api";
import { Scheduler } from "./scheduler";
import { GemmWork } from "./work-gemm";
import { DEFAULT_INFER_OPTIONS, InferWork } from "./work-infer";
import { defaultVerifyThreads, WorkerPool } from "./pool";
import { ChainClock } from "./clock";
import type { Work } from "./work";
import { SessionHub, type SessionMessage, type NodeSession } from "./sessions";
import { Delivery } from "./delivery";
import { LagMonitor } from "./lag";
import { HealthMonitor } from "./health";
import { SlashReason, type SlashEntry } from "../protocol";
import { CLOCK_LEAD_KEY, getMeta } from "./store/meta";

export interface OracleHandle {
  url: string;
  port: number;
  address: Address;
  db: DB;
  chain: Chain;
  scheduler: Scheduler;
  metrics: Metrics;
  /** The worker pool that verifies answers and judges epochs. */
  pool: WorkerPool;
  stop(): Promise<void>;
}

/** `poai_slashes_issued_total{reason}` and `slash.issued`'s reason, by the contract's reason code. */
const SLASH_REASON_LABEL: Record<number, string> = { [SlashReason.Fraud]: "fraud", [SlashReason.Overclaim]: "overclaim", [SlashReason.LeaseViolation]: "lease" };

export async function startOracle(
  cfg: OracleConfig,
  opts: {
    log?: Logger;
    root?: string;
    work?: Partial<Work>;
    now?: () => number;
    /** false: the epoch loop does not run on its own (tests drive `scheduler.pass()`). */
    runScheduler?: boolean;
  } = {},
): Promise<OracleHandle> {
  const log = opts.log ?? createLogger({ level: cfg.logLevel });
  const metrics = createMetrics();
  const wall = opts.now ?? Date.now;
  const clock = new ChainClock(wall);
  const now = () => clock.now();
  const account = privateKeyToAccount(cfg.oracleKey as Hex);
  const deployment = loadDeployment(cfg.deploymentFile, opts.root);
  const chain = await Chain.connect(cfg.rpcUrl, deployment, cfg.rpcRetries, { registryRefreshMs: cfg.registryRefreshMs });
  const db = openDb(cfg.dbPath);
  clock.restore(Number(getMeta(db, CLOCK_LEAD_KEY) ?? NaN));
  // Verification and judging run on worker threads (verifyThreads 0: inline, on this thread).
  const pool = new WorkerPool({ threads: cfg.verifyThreads ?? defaultVerifyThreads(), maxQueue: cfg.verifyQueueMax });
  const runner = pool.threads > 0 ? pool : undefined;
  const inferWork = cfg.challengeKinds.includes("infer") ? new InferWork(DEFAULT_INFER_OPTIONS, runner) : undefined;
  const work: Work = { gemm: new GemmWork({ maxN: cfg.gemmMaxN }, runner), infer: inferWork, ...opts.work };
  const relay = new Relay(chain, account, db, cfg, log.child({ part: "relay" }), metrics, now);
  const secret = memberSecret(cfg.oracleKey as Hex, { chainId: chain.chainId, epochManager: chain.address("EpochManager") });
  const committee = new Committee(cfg, account, chain, db, log.child({ part: "committee" }), now, { work, secret });
  // Event-loop stalls, on the chain-aligned clock: a deadline one covered voids instead of counting.
  const lag = new LagMonitor(now);
  lag.start();
  const challenges = new ChallengeService(
    db, work, { openings: cfg.openings, inferOpenings: cfg.inferOpenings, voidLagMs: cfg.voidLagMs, openingKeyOf: (e) => openingKey(secret, e),
      chainId: chain.chainId, registry: chain.address("NodeRegistry"), member: account.address },
    log.child({ part: "challenges" }), metrics, (at) => lag.stallCovering(at),
  );
  const scheduler = new Scheduler({ cfg, db, chain, relay, account, memberSecret: secret, work, committee, log: log.child({ part: "scheduler" }), metrics, clock, pool });
  const limits = {
    perSigner: new TokenBuckets(cfg.rateLimitPerSec, cfg.rateLimitBurst),
    perSource: new TokenBuckets(cfg.rateLimitSourcePerSec, cfg.rateLimitSourceBurst),
  };

  const members = await chain.committee();
  if (!members.members.some((m) => m.toLowerCase() === account.address.toLowerCase())) {
    log.warn("oracle.not_member", { code: "OR006", address: account.address, committee: members.members });
  }
  const access = accessChecks(
    chain,
    members.members,
    { cacheMs: cfg.registryCacheMs, negativeCacheMs: cfg.registryNegativeCacheMs, cacheMax: cfg.registryCacheMax },
    now,
  );
  const epochs = await chain.epochClock();
  const reads: ReadContext = {
    db, chain, deployment, oracle: account.address, epochs, clock, now, registryCacheMs: cfg.registryCacheMs,
    keysOf: (e) => epochKeys(secret, e),
  };
  const runsLoop = opts.runScheduler !== false;
  const health = new HealthMonitor(
    { chain, account: account.address, relay, db, epochs, now, wall, loop: runsLoop ? scheduler : undefined, log: log.child({ part: "health" }), metrics },
    {
      healthProbeMs: cfg.healthProbeMs,
      rpcProbeTimeoutMs: cfg.rpcProbeTimeoutMs,
      headStallMs: cfg.headStallMs,
      minWalletBalanceWei: BigInt(cfg.minWalletBalanceWei),
      maxRelayLagEpochs: cfg.maxRelayLagEpochs,
      maxEventLoopLagMs: cfg.maxEventLoopLagMs,
      epochBudget: BigInt(cfg.epochBudget),
      pollIntervalMs: cfg.pollIntervalMs,
    },
  );
  // Slashes go out in a report: each one a confirmed report of ours carried is logged and counted.
  const slashLog = log.child({ part: "relay" });
  relay.onConfirmed = (purpose, call) => {
    if (!purpose.startsWith("submitReport:")) return;
    for (const s of (call.args[1] ?? []) as SlashEntry[]) {
      const reason = SLASH_REASON_LABEL[s.reason] ?? "other";
      metrics.slashesIssued.inc({ reason });
      slashLog.warn("slash.issued", { epoch: Number(purpose.split(":")[1]), node: s.node, bps: s.bps, reason, evidence: s.evidence });
    }
  };

  const reportPolicy: ProcessReportPolicy = {
    chainId: chain.chainId,
    registry: chain.address("NodeRegistry"),
    oracle: account.address,
    clockSkewMs: cfg.clockSkewMs,
    maxReportsPerNode: cfg.processReportsPerNode,
    retentionMs: cfg.processRetentionMs,
    minIntervalMs: cfg.processReportMinIntervalMs,
  };
  const service: ApiService = {
    info: async () => read.info(reads),
    nextChallenge: async (r) => challenges.next(r.auth, r.nowMs, r.wallMs),
    commit: async (r, id, body) => challenges.commit(r.auth, id, body.root as Hex, r.nowMs, r.wallMs),
    async open(r, id, body) {
      const { openings, signature, ...extra } = body;
      return challenges.open(r.auth, id, openings as never, signature as Hex, extra, r.nowMs);
    },
    processes: async (r, body) => recordProcessReport(db, reportPolicy, r.auth, body, r.wallMs),
    committeeSign: async (r, body) => committee.checkAndSign(r.auth, body as never),
    nodes: () => read.nodes(reads),
    nodeStats: async (node) => read.nodeStats(reads, node),
    rewards: (acct) => read.rewards(reads, acct),
    datasets: async (epoch) => read.datasets(reads, epoch),
    draws: async (epoch, after) => read.draws(reads, epoch, after),
    evidence: async (hash) => read.evidence(reads, hash),
    healthz: async () => health.report(),
    // Queue depths, read at scrape time: answers waiting for a verifier thread, and nodes with a
    // pushed challenge not yet answered.
    metricsText: () => {
      metrics.setQueueDepth("verification", pool.queueSize);
      metrics.setQueueDepth("delivery", delivery?.inFlight ?? 0);
      metrics.sessions.set(hub?.size ?? 0);
      return metrics.render();
    },
    requireActiveNode: access.requireActiveNode,
    requireCommitteeMember: access.requireCommitteeMember,
    retryAfterMs: () => 1_000,
  };

  const api = await startApi({
    host: cfg.host,
    port: cfg.port,
    maxBodyBytes: cfg.maxBodyBytes,
    corsOrigin: cfg.corsOrigin,
    timeouts: { headersMs: cfg.httpHeadersTimeoutMs, requestMs: cfg.httpRequestTimeoutMs, keepAliveMs: cfg.httpKeepAliveTimeoutMs },
    auth: () => ({ chainId: chain.chainId, registry: chain.address("NodeRegistry"), clockSkewMs: cfg.clockSkewMs, db, limits, now: wall }),
    service,
    now,
    log: log.child({ part: "api" }),
    metrics,
  });
  // Sessions: the agents' transport (protocol/session.ts); challenges pushed by delivery.ts.
  let delivery: Delivery | undefined = undefined;
  const handle = async (s: NodeSession, m: SessionMessage): Promise<unknown> => {
    const caller = { signer: s.node };
    switch (m.t) {
      case "commit":
        try {
          return challenges.commit(caller, m.id, m.root as Hex, now(), wall());
        } finally {
          delivery!.settled(s, m.id);
        }
      case "open": {
        const { t: _t, id, openings, signature, ...extra } = m;
        try {
          return await challenges.open(caller, id, openings as never, signature as Hex, extra, now());
        } finally {
          delivery!.settled(s, id);
        }
      }
      case "processes": {
        const { t: _t, ...signed } = m;
        return recordProcessReport(db, reportPolicy, caller, signed, wall());
      }
    }
  };
  const hub = new SessionHub({
    chainId: chain.chainId,
    registry: chain.address("NodeRegistry"),
    oracle: account.address,
    db,
    clockSkewMs: cfg.clockSkewMs,
    maxPayloadBytes: cfg.maxBodyBytes,
    limiter: limits.perSigner,
    sourceLimiter: new TokenBuckets(cfg.sessionOpensPerSec, cfg.sessionOpenBurst),
    maxSessions: cfg.maxSessions,
    maxConnectionsPerSource: cfg.maxConnectionsPerSource,
    handshakeMs: cfg.sessionHandshakeMs,
    heartbeatMs: cfg.sessionHeartbeatMs,
    wallNow: wall,
    now,
    requireActiveNode: access.requireActiveNode,
    handlers: {
      handle,
      opened: (s) => {
        metrics.sessions.set(hub.size);
        delivery!.opened(s);
      },
      closed: (s) => {
        metrics.sessions.set(hub.size);
        delivery!.closed(s);
      },
    },
    log: log.child({ part: "sessions" }),
    metrics,
  });
  hub.attach(api.server);
  delivery = new Delivery({
    db, hub, challenges, now, wallNow: wall, voidLagMs: cfg.voidLagMs, heartbeatMs: 1_000, restartGraceMs: cfg.restartGraceMs, leadMs: () => clock.leadMs,
    log: log.child({ part: "delivery" }), metrics,
  });
  // Delivery starts on the first pass, once the clock follows the chain; with no heartbeat in the
  // database (new or lost), the downtime counts from the current epoch's start.
  let deliveryStarted = false;
  scheduler.onPassStart = (nowMs) => {
    if (deliveryStarted) return;
    deliveryStarted = true;
    const epochStart = (epochs.genesis + Math.max(0, Math.floor((nowMs / 1000 - epochs.genesis) / epochs.length)) * epochs.length) * 1000;
    delivery!.start(nowMs, epochStart);
  };
  scheduler.onPlanned = () => deliveryStarted && delivery!.poke();

  const url = `http://${cfg.host}:${api.port}`;
  await health.start();
  if (runsLoop) scheduler.start();
  log.info("oracle.started", { url, address: account.address, chainId: chain.chainId, db: cfg.dbPath, epochLength: epochs.length });

  let stopped = false;
  return {
    url,
    port: api.port,
    address: account.address,
    db,
    chain,
    scheduler,
    metrics,
    pool,
    async stop() {
      if (stopped) return;
      stopped = true;
      await health.stop();
      await scheduler.stop();
      delivery!.stop();
      lag.stop();
      await hub.close();
      await api.close();
      await pool.destroy();
      await inferWork?.close();
      metrics.close();
      db.close();
      log.info("oracle.stopped", {});
    },
  };
}

export { OracleError, REPORT_STATUS };
