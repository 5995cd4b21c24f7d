/**
 * Rewards of one epoch and the cumulative rewards tree. Pure: the same inputs give the same
 * amounts and root in every committee member.
 *
 * The epoch budget B splits into a work pool, B * (10_000 - uptimeShareBps) / 10_000, and an
 * uptime pool, the rest of B. Only nodes judged honest or under-delivering share them:
 * - work weight = verified work (MFLOP of passed challenges, sized to the claim) scaled by the
 *   judge's paid ratio (mean measured/claimed throughput, at most PAY_CAP_RATIO) in parts per
 *   million: every node is paid on what it delivered, not on what it claims;
 * - uptime weight = delivered capacity x on-time share: min(claim, claim x paid ratio) in
 *   GFLOP/s times the share of its challenges the node passed within their on-time span, in ppm.
 *   Not a flat share per identity: identities that split one machine split its capacity, so
 *   registering it as several nodes adds no uptime pay (docs/challenges.md, "Uptime").
 * Each share is pool * weight / totalWeight rounded down (against the claimant); what rounding
 * leaves over stays in the budget (rewardsTotal is the sum actually paid, never more than B).
 *
 * The tree is OpenZeppelin's StandardMerkleTree over ["address","uint256"] leaves
 * (operator, cumulative amount over every epoch), the format RewardsDistributor.claim checks.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { zeroHash, type Address, type Hex } from "viem";
import { ENGINE_ERRORS } from "./error-codes";
import { PoaiError, type PoaiErrorOptions } from "./errors";
import { PAY_CAP_RATIO } from "./judge";

export const PPM = 1_000_000n;
/** Largest capacity weight: the judge's pay cap in ppm (rounded down). */
export const CAPACITY_CAP_PPM = BigInt(Math.floor(PAY_CAP_RATIO * 1e6));
/** Most reward accounts in one tree (bounded like every list). */
export const MAX_REWARD_ACCOUNTS = 100_000;

/** A negative budget, or more reward accounts than one tree holds (EN341). */
export class RewardsError extends PoaiError {
  override name = "RewardsError";
  readonly reason = "RewardsBadInput";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super(ENGINE_ERRORS.RewardsBadInput, shortMessage, opts);
  }
}

/** A node's verdict over one epoch, as the report encodes it and node_epochs stores it. */
export const NODE_VERDICT = {
  Honest: "honest",
  Unavailable: "unavailable",
  UnderDelivering: "under-delivering",
  Fraudulent: "fraudulent",
} as const;
export type Verdict = (typeof NODE_VERDICT)[keyof typeof NODE_VERDICT];

export interface NodeOutcome {
  node: Address;
  operator: Address;
  verdict: Verdict;
  /** MFLOP (or the infer equivalent) of challenges that passed. */
  verifiedWork: bigint;
  /** The judge's paid ratio (mean measured/claimed, capped) in ppm (0..CAPACITY_CAP_PPM). */
  capacityPpm: bigint;
  /** Share of rounds passed on time, ppm (0..1_000_000). */
  uptimePpm: bigint;
  /** The claim the challenges were sized to, GFLOP/s (>= 0). */
  claimGflops: bigint;
}

/**
 * The uptime weight of one outcome: delivered capacity (the claim, or the measured throughput
 * when below it: claim x capacity) times the on-time share, in GFLOP/s x ppm x ppm. Inputs out
 * of range are clamped (negative to 0, capacity to the claim, the share to 1).
 */
export function uptimeWeight(o: Pick<NodeOutcome, "claimGflops" | "capacityPpm" | "uptimePpm">): bigint {
  const claim = o.claimGflops < 0n ? 0n : o.claimGflops;
  const cap = o.capacityPpm < 0n ? 0n : o.capacityPpm > PPM ? PPM : o.capacityPpm;
  const share = o.uptimePpm < 0n ? 0n : o.uptimePpm > PPM ? PPM : o.uptimePpm;
  return claim * cap * share;
}

export interface EpochRewards {
  perNode: Map<string, bigint>;
  perAccount: Map<string, bigint>;
  total: bigint;
}

function eligible(v: Verdict): boolean {
  return v === NODE_VERDICT.Honest || v === NODE_VERDICT.UnderDelivering;
}

function split(pool: bigint, weights: bigint[]): bigint[] {
  const total = weights.reduce((a, b) => a + b, 0n);
  if (total === 0n) return weights.map(() => 0n);
  // Rounds down: the sum never exceeds the pool.
  return weights.map((w) => (pool * w) / total);
}

export function computeEpochRewards(budget: bigint, uptimeShareBps: number, outcomes: readonly NodeOutcome[]): EpochRewards {
  if (budget < 0n) throw new RewardsError("budget must be >= 0");
  // Rounds down: the uptime pool takes the rounding remainder of the work pool.
  const workPool = (budget * BigInt(10_000 - uptimeShareBps)) / 10_000n;
  const uptimePool = budget - workPool;
  const sorted = [...outcomes].sort((a, b) => (a.node.toLowerCase() < b.node.toLowerCase() ? -1 : 1));
  const ok = sorted.map((o) => eligible(o.verdict));
  const clamp = (x: bigint, max: bigint) => (x < 0n ? 0n : x > max ? max : x);
  const work = split(workPool, sorted.map((o, i) => (ok[i] ? o.verifiedWork * clamp(o.capacityPpm, CAPACITY_CAP_PPM) : 0n)));
  const up = split(uptimePool, sorted.map((o, i) => (ok[i] ? uptimeWeight(o) : 0n)));
  const perNode = new Map<string, bigint>();
  const perAccount = new Map<string, bigint>();
  let total = 0n;
  sorted.forEach((o, i) => {
    const r = work[i] + up[i];
    perNode.set(o.node.toLowerCase(), r);
    if (r > 0n) perAccount.set(o.operator.toLowerCase(), (perAccount.get(o.operator.toLowerCase()) ?? 0n) + r);
    total += r;
  });
  return { perNode, perAccount, total };
}

/** Adds an epoch's rewards to the previous cumulative amounts. */
export function addCumulative(prev: ReadonlyMap<string, bigint>, epoch: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const out = new Map(prev);
  for (const [a, v] of epoch) out.set(a, (out.get(a) ?? 0n) + v);
  if (out.size > MAX_REWARD_ACCOUNTS) throw new RewardsError(`more than ${MAX_REWARD_ACCOUNTS} reward accounts`);
  return out;
}

export interface RewardsTree {
  root: Hex;
  tree?: StandardMerkleTree<[string, string]>;
}

/** The cumulative tree; zero root when nobody has ever been paid. Leaves sorted by account. */
export function buildRewardsTree(cumulative: ReadonlyMap<string, bigint>): RewardsTree {
  const entries = [...cumulative].filter(([, v]) => v > 0n).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return { root: zeroHash };
  const tree = StandardMerkleTree.of(entries.map(([a, v]) => [a, v.toString()] as [string, string]), ["address", "uint256"]);
  return { root: tree.root as Hex, tree };
}

/** The claim proof of `account` in a tree, or undefined if it has no leaf. */
export function rewardsProof(t: RewardsTree, account: string): { cumulativeAmount: bigint; proof: Hex[] } | undefined {
  if (!t.tree) return undefined;
  for (const [i, [a, v]] of t.tree.entries()) {
    if (a.toLowerCase() === account.toLowerCase()) return { cumulativeAmount: BigInt(v), proof: t.tree.getProof(i) as Hex[] };
  }
  return undefined;
}
