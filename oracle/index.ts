/**
 * `startOracle(config)`: opens the database, connects to the chain, starts the API and the epoch
 * loop, and returns a handle with `stop()`. The demo and the tests run it in-process; the CLI
 * (cli.ts) runs it as a service.
 */
import { privateKeyToAccount } from "viem/accounts";
import type { Address, Hex } from "viem";
import { startApi, type ApiService } from "./api";
import { TokenBuckets } from "./ratelimit";
import { Chain, loadDeployment, REPORT_STATUS } from "./chain";
import { ChallengeService } from "./challenges";
import { Committee } from "./committee";
import type { OracleConfig } from "./config";
import { openDb, type DB } from "./db";
import { httpError, OracleError } from "./errors";
import { createLogger, type Logger } from "./logger";
import { createMetrics, type Metrics } from "./metrics";
import { Relay } from "./relay";
import { buildRewardsTree, rewardsProof } from "../engine/rewards";
import { Scheduler } from "./scheduler";
import { GemmWork } from "./work-gemm";
import { InferWork } from "./work-infer";
import { ChainClock } from "./clock";
import type { Work } from "./work";
import { recordNonce } from "./auth";

export const ORACLE_VERSION = "0.1.0";
/** Rows the public read API returns at most per call. */
export const MAX_READ_ROWS = 1_000;

export interface OracleHandle {
  url: string;
  port: number;
  address: Address;
  db: DB;
  chain: Chain;
  scheduler: Scheduler;
  metrics: Metrics;
  stop(): Promise<void>;
}

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
  const chain = await Chain.connect(cfg.rpcUrl, deployment, cfg.rpcRetries, cfg.registryCacheMs);
  const db = openDb(cfg.dbPath);
  const inferWork = cfg.challengeKinds.includes("infer") ? new InferWork() : undefined;
  const work: Work = { gemm: new GemmWork({ maxN: cfg.gemmMaxN }), infer: inferWork, ...opts.work };
  const relay = new Relay(chain, account, db, cfg, log.child({ part: "relay" }), metrics, now);
  const committee = new Committee(cfg, account, chain, db, log.child({ part: "committee" }), now);
  const challenges = new ChallengeService(db, work, { openings: cfg.openings, inferOpenings: cfg.inferOpenings }, log.child({ part: "challenges" }), metrics);
  const scheduler = new Scheduler({ cfg, db, chain, relay, account, work, committee, log: log.child({ part: "scheduler" }), metrics, clock });
  const limiter = new TokenBuckets(cfg.rateLimitPerSec, cfg.rateLimitBurst);

  const members = await chain.committee();
  if (!members.members.some((m) => m.toLowerCase() === account.address.toLowerCase())) {
    log.warn("oracle.not_member", { code: "OR006", address: account.address, committee: members.members });
  }
  let committeeCache = { at: now(), members: members.members };
  const currentMembers = async () => {
    if (now() - committeeCache.at > cfg.registryCacheMs) committeeCache = { at: now(), members: (await chain.committee()).members };
    return committeeCache.members;
  };
  const epochs = await chain.epochClock();

  const service: ApiService = {
    async info() {
      const cur = Math.floor((now() / 1000 - epochs.genesis) / epochs.length);
      return {
        version: ORACLE_VERSION,
        chainId: chain.chainId,
        registry: chain.address("NodeRegistry"),
        contracts: { ...deployment.addresses },
        oracle: account.address,
        currentEpoch: cur,
        epochStart: epochs.genesis + cur * epochs.length,
        epochLength: epochs.length,
        genesis: epochs.genesis,
        // Challenge deadlines are on this clock (chain time, ms); a node compares with its own clock plus the lead.
        chainTimeMs: now(),
        clockLeadMs: clock.leadMs,
      };
    },
    async nextChallenge(r) {
      return challenges.next(r.auth, r.nowMs, r.wallMs);
    },
    async commit(r, id, body) {
      return challenges.commit(r.auth, id, body.root as Hex, r.nowMs, r.wallMs);
    },
    async open(r, id, body) {
      const { openings, ...extra } = body;
      return challenges.open(r.auth, id, openings as never, extra, r.nowMs);
    },
    async processes(r, body) {
      db.transaction(() => {
        recordNonce(db, r.auth);
        db.prepare("INSERT INTO processes (node, ts, processes) VALUES (?, ?, ?)").run(r.auth.signer.toLowerCase(), r.nowMs, JSON.stringify(body.processes));
      })();
      return { recorded: body.processes.length };
    },
    async committeeSign(r, body) {
      return committee.checkAndSign(r.auth, body as never);
    },
    async nodes() {
      const nodes = await chain.allNodes();
      const latest = db.prepare("SELECT node, epoch, verdict, reward FROM node_epochs WHERE (node, epoch) IN (SELECT node, MAX(epoch) FROM node_epochs GROUP BY node)").all() as {
        node: string;
        epoch: number;
        verdict: string;
        reward: string;
      }[];
      const byNode = new Map(latest.map((l) => [l.node, l]));
      return {
        nodes: nodes.slice(0, MAX_READ_ROWS).map((n) => ({
          node: n.node,
          operator: n.operator,
          status: n.status,
          stake: n.stake.toString(),
          unbonding: n.unbonding.toString(),
          jailedUntil: n.jailedUntil.toString(),
          claim: n.claim,
          latest: byNode.get(n.node.toLowerCase()) ?? null,
        })),
      };
    },
    async nodeStats(node) {
      const rows = db.prepare("SELECT * FROM node_epochs WHERE node = ? ORDER BY epoch DESC LIMIT ?").all(node.toLowerCase(), MAX_READ_ROWS) as {
        epoch: number;
        verdict: string;
        stats: string;
        reward: string;
        slash_bps: number;
        slash_reason: number;
        evidence: string | null;
      }[];
      const current = db
        .prepare("SELECT epoch, COUNT(*) AS planned, SUM(issued_at IS NOT NULL AND issue_at <= ?) AS issued, SUM(verdict = 'pass') AS passed, SUM(verdict IN ('fail','fraud')) AS failed FROM challenges WHERE node = ? AND epoch = (SELECT MAX(epoch) FROM challenges WHERE node = ?) GROUP BY epoch")
        .get(now(), node.toLowerCase(), node.toLowerCase()) as Record<string, number> | undefined;
      return {
        node,
        epochs: rows.map((r) => {
          const s = JSON.parse(r.stats);
          return {
            epoch: r.epoch,
            verdict: r.verdict,
            challenges: s.challenges,
            passed: s.passed,
            answered: s.answered,
            latencyMs: s.meanLatencyMs,
            scoreDeviation: s.scoreDeviationPpm / 1_000_000,
            correctness: s.answered ? s.passed / s.answered : 0,
            reward: r.reward,
            slash: r.slash_bps ? { bps: r.slash_bps, reason: r.slash_reason, evidence: r.evidence } : null,
          };
        }),
        // The epoch in progress: counts only (planned times stay secret).
        inProgress: current ? { epoch: current.epoch, issued: current.issued ?? 0, passed: current.passed ?? 0, failed: current.failed ?? 0 } : null,
      };
    },
    async rewards(acct) {
      const hasRoot = await chain.read("RewardsDistributor", "hasRoot");
      if (!hasRoot) throw httpError.notFound("no rewards root is finalized yet");
      const [root, rootEpoch] = await Promise.all([
        chain.read("RewardsDistributor", "merkleRoot"),
        chain.read("RewardsDistributor", "rootEpoch"),
      ]);
      const rows = db.prepare("SELECT account, cumulative FROM rewards WHERE epoch = ?").all(Number(rootEpoch)) as { account: string; cumulative: string }[];
      const tree = buildRewardsTree(new Map(rows.map((r) => [r.account, BigInt(r.cumulative)])));
      if (tree.root !== root) throw httpError.notFound(`this oracle has no record of the rewards tree of epoch ${rootEpoch}`);
      const p = rewardsProof(tree, acct);
      if (!p) return { epoch: Number(rootEpoch), root, account: acct, cumulativeAmount: "0", proof: [] };
      return { epoch: Number(rootEpoch), root, account: acct, cumulativeAmount: p.cumulativeAmount.toString(), proof: p.proof };
    },
    async datasets(epoch) {
      const rows = (
        epoch === undefined
          ? db.prepare("SELECT * FROM datasets ORDER BY id DESC LIMIT ?").all(MAX_READ_ROWS)
          : db.prepare("SELECT * FROM datasets WHERE epoch = ? ORDER BY id LIMIT ?").all(epoch, MAX_READ_ROWS)
      ) as { epoch: number; node: string; challenge_id: string; item_index: number; record: string }[];
      return { records: rows.map((r) => ({ epoch: r.epoch, node: r.node, challengeId: r.challenge_id, index: r.item_index, record: JSON.parse(r.record) })) };
    },
    async healthz() {
      const last = db.prepare("SELECT MAX(epoch) AS e FROM reports").get() as { e: number | null };
      const onchain = db.prepare("SELECT MAX(epoch) AS e FROM reports WHERE status IN ('onchain','finalized')").get() as { e: number | null };
      return {
        ok: now() - scheduler.lastPassAt < Math.max(10_000, cfg.pollIntervalMs * 20),
        lastProcessedEpoch: last.e,
        lastReportedEpoch: onchain.e,
        lastPassAt: scheduler.lastPassAt,
        lastError: scheduler.lastError ?? null,
        version: ORACLE_VERSION,
      };
    },
    metricsText: () => metrics.render(),
    async requireActiveNode(node) {
      let rec;
      try {
        rec = await chain.getNodeCached(node, now());
      } catch (e) {
        throw httpError.unavailable("cannot read the node registry", e);
      }
      if (rec.status === "None") throw httpError.unknownNode(node);
      if (rec.status !== "Active") throw httpError.inactive(node, rec.status.toLowerCase());
    },
    async requireCommitteeMember(signer) {
      let m;
      try {
        m = await currentMembers();
      } catch (e) {
        throw httpError.unavailable("cannot read the committee", e);
      }
      if (!m.some((x) => x.toLowerCase() === signer.toLowerCase())) throw httpError.notMember(signer);
    },
    retryAfterMs: () => 1_000,
  };

  const api = await startApi({
    host: cfg.host,
    port: cfg.port,
    maxBodyBytes: cfg.maxBodyBytes,
    corsOrigin: cfg.corsOrigin,
    auth: () => ({ chainId: chain.chainId, registry: chain.address("NodeRegistry"), clockSkewMs: cfg.clockSkewMs, db, limiter, now: wall }),
    service,
    now,
    log: log.child({ part: "api" }),
    metrics,
  });
  const url = `http://${cfg.host}:${api.port}`;
  if (opts.runScheduler !== false) scheduler.start();
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
    async stop() {
      if (stopped) return;
      stopped = true;
      await scheduler.stop();
      await api.close();
      await inferWork?.close();
      db.close();
      log.info("oracle.stopped", {});
    },
  };
}

export { OracleError, REPORT_STATUS };
