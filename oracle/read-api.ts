/**
 * The oracle's public read API (docs/interfaces.md): what `GET /v1/info`, `/v1/nodes`,
 * `/v1/nodes/:node/stats`, `/v1/rewards/:account` and `/v1/datasets` answer, as plain functions
 * over the store and the chain (`/healthz` is health.ts). The HTTP server (api.ts) calls them; nothing here
 * writes.
 */
import type { Address, Hex } from "viem";
import { ORACLE_API_VERSION } from "../protocol";
import type { Chain, Deployment } from "./chain";
import type { ChainClock } from "./clock";
import { httpError } from "./errors";
import { buildRewardsTree, rewardsProof } from "../engine/rewards";
import { latestProgress } from "./store/challenges";
import { datasetRecords } from "./store/datasets";
import { latestNodeEpochs, nodeEpochsOf } from "./store/node-epochs";
import { cumulativeRewards } from "./store/rewards";
import type { DB } from "./store/schema";

export const ORACLE_VERSION = "0.1.0";
/** Rows the public read API returns at most per call. */
export const MAX_READ_ROWS = 1_000;

export interface ReadContext {
  db: DB;
  chain: Chain;
  deployment: Deployment;
  /** This oracle's signing address. */
  oracle: Address;
  epochs: { genesis: number; length: number };
  clock: ChainClock;
  /** Chain-aligned time, ms. */
  now: () => number;
  /** How old the registry mirror may be for the node list, ms (`registryCacheMs`). */
  registryCacheMs: number;
}

export function info(c: ReadContext): Record<string, unknown> {
  const { genesis, length } = c.epochs;
  const cur = Math.floor((c.now() / 1000 - genesis) / length);
  return {
    version: ORACLE_VERSION,
    apiVersion: ORACLE_API_VERSION,
    chainId: c.chain.chainId,
    registry: c.chain.address("NodeRegistry"),
    contracts: { ...c.deployment.addresses },
    oracle: c.oracle,
    currentEpoch: cur,
    epochStart: genesis + cur * length,
    epochLength: length,
    genesis,
    // Challenge deadlines are on this clock (chain time, ms); a node compares with its own clock plus the lead.
    chainTimeMs: c.now(),
    clockLeadMs: c.clock.leadMs,
  };
}

export async function nodes(c: ReadContext) {
  const registered = await c.chain.allNodes(c.registryCacheMs);
  const byNode = new Map(latestNodeEpochs(c.db).map((l) => [l.node, l]));
  return {
    nodes: registered.slice(0, MAX_READ_ROWS).map((n) => ({
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
}

export function nodeStats(c: ReadContext, node: Address) {
  const rows = nodeEpochsOf(c.db, node, MAX_READ_ROWS);
  const current = latestProgress(c.db, node, c.now());
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
}

/** The account's proof in the finalized rewards tree, rebuilt from this oracle's records. */
export async function rewards(c: ReadContext, acct: Address) {
  const hasRoot = await c.chain.read("RewardsDistributor", "hasRoot");
  if (!hasRoot) throw httpError.notFound("no rewards root is finalized yet");
  const [root, rootEpoch] = await Promise.all([
    c.chain.read("RewardsDistributor", "merkleRoot"),
    c.chain.read("RewardsDistributor", "rootEpoch"),
  ]);
  const tree = buildRewardsTree(cumulativeRewards(c.db, Number(rootEpoch)));
  if (tree.root !== root) throw httpError.notFound(`this oracle has no record of the rewards tree of epoch ${rootEpoch}`);
  const p = rewardsProof(tree, acct);
  if (!p) return { epoch: Number(rootEpoch), root, account: acct, cumulativeAmount: "0", proof: [] };
  return { epoch: Number(rootEpoch), root, account: acct, cumulativeAmount: p.cumulativeAmount.toString(), proof: p.proof };
}

export function datasets(c: ReadContext, epoch?: number) {
  const rows = datasetRecords(c.db, epoch, MAX_READ_ROWS);
  return { records: rows.map((r) => ({ epoch: r.epoch, node: r.node, challengeId: r.challenge_id, index: r.item_index, record: JSON.parse(r.record) })) };
}
