/**
 * The oracle's public read API (docs/interfaces.md): what `GET /v1/info`, `/v1/nodes`,
 * `/v1/nodes/:node/stats`, `/v1/rewards/:account`, `/v1/datasets` and `/v1/epochs/:epoch/draws` answer, as plain
 * functions over the store and the chain (`/healthz` is health.ts). The HTTP server (api.ts) calls them; nothing here
 * writes.
 */
import type { Address, Hex } from "viem";
import { ORACLE_API_VERSION } from "../protocol";
import type { Chain, Deployment } from "./chain";
import type { ChainClock } from "./clock";
import { getEvidence } from "./store/evidence";
import { httpError } from "./errors";
import { buildRewardsTree, rewardsProof } from "../engine/rewards";
import type { EpochKeys } from "../protocol/keys";
import { challengeDraws, lastDeadline, latestProgress } from "./store/challenges";
import { getEpoch } from "./store/epochs";
import { datasetRecords } from "./store/datasets";
import { latestNodeEpochs, nodeEpochsOf } from "./store/node-epochs";
import { cumulativeRewards } from "./store/rewards";
import type { DB } from "./store/schema";

export const ORACLE_VERSION = "0.1.0";
/** Rows the public read API returns at most per call. */
export const MAX_READ_ROWS = 1_000;
/** Challenges per page of `/v1/epochs/:epoch/draws` (each carries its spec). */
export const DRAWS_PAGE_ROWS = 200;

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
  /** This member's keys of an epoch (protocol/keys.ts epochKeys), revealed by `draws` once the epoch is over. */
  keysOf: (epoch: number) => EpochKeys;
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
        // Passed within the on-time span (what uptime pays) and the claim the epoch was sized to;
        // null in rows judged before they were recorded.
        onTime: s.onTime ?? null,
        claimGflops: s.claimGflops ?? null,
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

/**
 * Throws OR124 until epoch `epoch` is over: ended, and every challenge past its deadline, so
 * nothing revealed can still help a node answer. Returns the epoch's last deadline and count.
 */
function revealed(c: ReadContext, epoch: number, what: string): { at: number | null; n: number } {
  const endMs = (c.epochs.genesis + (epoch + 1) * c.epochs.length) * 1000;
  const last = lastDeadline(c.db, epoch);
  const revealAtMs = Math.max(endMs, (last.at ?? 0) + 1);
  if (c.now() < revealAtMs) throw httpError.notRevealed(`epoch ${epoch}'s ${what} are revealed once it is over, at ${new Date(revealAtMs).toISOString()} (chain time)`, revealAtMs);
  return last;
}

/**
 * `GET /v1/evidence/:hash`: the evidence behind a fraud slash (its evidence hash, as the report
 * on chain names it) or behind one wrong answer (its document's hash), as a bundle of documents
 * (protocol/evidence.ts SlashEvidenceBundle), with this member's revealed keys of the epoch that
 * re-verification needs (oracle/evidence.ts). OR124 until the epoch is over, like the draws.
 */
export function evidence(c: ReadContext, hash: string) {
  const row = getEvidence(c.db, hash);
  if (!row) throw httpError.notFound(`this oracle holds no evidence ${hash}`);
  revealed(c, row.epoch, "evidence documents");
  let challenges: string[];
  if (row.doc.startsWith("[")) {
    // A slash: the list of its documents' hashes, each stored with its verdict.
    const names = JSON.parse(row.doc) as string[];
    challenges = names.map((h) => getEvidence(c.db, h)?.doc ?? "");
  } else challenges = [row.doc];
  return { hash: row.hash, epoch: row.epoch, node: row.node, member: c.oracle, keys: c.keysOf(row.epoch), challenges };
}

/**
 * What this member reveals of an epoch it issued, once nothing of it can still be answered (the
 * epoch has ended and every challenge is past its deadline): its seed share and the keys the share
 * binds (protocol/keys.ts), and per challenge the draws an auditor recomputes from them: id, seed,
 * due instant, the root the node committed and the rows or items it was asked to open
 * (scripts/audit-draws.ts). Before that it is OR124: the opening key would tell a node which rows
 * it will be asked for. Paged by challenge id (`after`), DRAWS_PAGE_ROWS at a time.
 */
export function draws(c: ReadContext, epoch: number, after?: string) {
  const row = getEpoch(c.db, epoch);
  if (!row) throw httpError.notFound(`this oracle issued no challenges in epoch ${epoch}`);
  const last = revealed(c, epoch, "draws");
  const rows = challengeDraws(c.db, epoch, after ?? "", DRAWS_PAGE_ROWS);
  return {
    epoch,
    member: c.oracle,
    seed: row.seed,
    commitment: row.commitment,
    keys: c.keysOf(epoch),
    challenges: rows.map((r) => ({
      id: r.id,
      node: r.node,
      round: r.round,
      kind: r.kind,
      seed: r.seed,
      spec: JSON.parse(r.spec),
      dueAt: r.issue_at,
      deadline: r.deadline,
      root: r.root,
      openings: r.openings === null ? null : (JSON.parse(r.openings) as number[]),
      verdict: r.verdict,
    })),
    total: last.n,
    next: rows.length === DRAWS_PAGE_ROWS ? rows[rows.length - 1].id : null,
  };
}
