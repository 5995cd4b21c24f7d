/**
 * Builds an epoch's report from its inputs: the rewards, the cumulative rewards tree, the stats
 * root, the bounded slash list and the EIP-712 EpochReport the committee signs. Pure: the proposer
 * and every committee member run this same function over the same inputs (`ReportInputs`, which
 * the proposer sends along with its signature request), so a member recomputes every root and
 * hash instead of trusting them.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { hashTypedData, zeroHash, type Address, type Hex } from "viem";
import { z } from "zod";
import { EPOCH_REPORT_TYPES, SETTLEMENT_DOMAIN_NAME, domain, slashListHash, type EpochReport, type SlashEntry } from "../protocol";
import { addCumulative, buildRewardsTree, CAPACITY_CAP_PPM, computeEpochRewards, NODE_VERDICT, type RewardsTree, type Verdict } from "../engine/rewards";
import { SlashReason } from "../engine/slash-reason";

export const VERDICT_CODES: Record<Verdict, number> = { honest: 0, unavailable: 1, "under-delivering": 2, fraudulent: 3 };
/** Most nodes one report covers. */
export const MAX_REPORT_NODES = 10_000;
const UINT32_MAX = 0xffff_ffff;

const address = z.custom<Address>((v) => typeof v === "string" && /^0x[0-9a-fA-F]{40}$/.test(v), "expected a 20-byte 0x-address");
const word = z.custom<Hex>((v) => typeof v === "string" && /^0x[0-9a-fA-F]{64}$/.test(v), "expected 0x-hex of 32 bytes");
const decimal = z.string().regex(/^[0-9]{1,78}$/, "expected a decimal integer");
const count = z.number().int().min(0).max(UINT32_MAX);

/**
 * `ReportInputs` as a committee member receives them in a signature request: checked for shape
 * before anything is recomputed (a malformed proposal is OR102, never an internal error).
 */
export const reportInputsSchema = z
  .object({
    epoch: decimal,
    parent: word,
    seed: word,
    configVersion: decimal,
    budget: decimal,
    uptimeShareBps: z.number().int().min(0).max(10_000),
    maxSlashes: z.number().int().min(0).max(UINT32_MAX),
    nodes: z
      .array(
        z
          .object({
            node: address,
            operator: address,
            verdict: z.enum([NODE_VERDICT.Honest, NODE_VERDICT.Unavailable, NODE_VERDICT.UnderDelivering, NODE_VERDICT.Fraudulent]),
            challenges: count,
            passed: count,
            answered: count,
            onTime: count,
            claimGflops: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
            meanLatencyMs: z.number().min(0),
            scoreDeviationPpm: z.number().int().min(0),
            verifiedWork: decimal,
            slash: z
              .object({ node: address, bps: z.number().int().min(1).max(10_000), reason: z.nativeEnum(SlashReason), evidence: word })
              .strict()
              .optional(),
          })
          .strict(),
      )
      .max(MAX_REPORT_NODES),
    previousCumulative: z.record(decimal),
  })
  .strict();

export interface NodeEpochInput {
  node: Address;
  operator: Address;
  verdict: Verdict;
  challenges: number;
  passed: number;
  /** Answered by the cut-off (passed or failed verification); the rest were missed. */
  answered: number;
  /** Passed and answered within the on-time span (protocol/deadline.ts): what uptime counts. */
  onTime: number;
  /** The on-chain claim the challenges were sized to, GFLOP/s (rounded down). */
  claimGflops: number;
  meanLatencyMs: number;
  /** Paid measured / claimed throughput (the judge's mean, capped), ppm (1_000_000 = exactly the claim). */
  scoreDeviationPpm: number;
  /** MFLOP of passed challenges, decimal string. */
  verifiedWork: string;
  slash?: SlashEntry;
}

export interface ReportInputs {
  epoch: string;
  /**
   * EIP-712 digest of the report `previousCumulative` comes from: the latest earlier report not
   * vetoed (Settlement's tip when this one is submitted); zero for the first report.
   */
  parent: Hex;
  seed: Hex;
  configVersion: string;
  /** The budget used: min(config budget, on-chain available budget), decimal. */
  budget: string;
  uptimeShareBps: number;
  maxSlashes: number;
  nodes: NodeEpochInput[];
  /** Cumulative amounts per account before this epoch, decimal. */
  previousCumulative: Record<string, string>;
}

export interface BuiltReport {
  report: EpochReport;
  slashes: SlashEntry[];
  /** Slashes judged but left out because of the contract's bound. */
  truncated: number;
  rewardsPerNode: Map<string, bigint>;
  cumulative: Map<string, bigint>;
  rewardsTree: RewardsTree;
}

const SLASH_ORDER = (a: SlashEntry, b: SlashEntry) =>
  Number(a.reason) - Number(b.reason) || b.bps - a.bps || (a.node.toLowerCase() < b.node.toLowerCase() ? -1 : 1);

/** Stats root: StandardMerkleTree over one leaf per node, zero when there is no node. */
export function statsRoot(nodes: readonly NodeEpochInput[], rewards: ReadonlyMap<string, bigint>): Hex {
  if (nodes.length === 0) return zeroHash;
  const leaves = nodes.map((n) => [
    n.node,
    VERDICT_CODES[n.verdict],
    Math.min(n.challenges, UINT32_MAX),
    Math.min(n.passed, UINT32_MAX),
    Math.min(Math.round(n.meanLatencyMs), UINT32_MAX),
    Math.min(Math.round(n.scoreDeviationPpm), UINT32_MAX),
    (rewards.get(n.node.toLowerCase()) ?? 0n).toString(),
  ]);
  return StandardMerkleTree.of(leaves, ["address", "uint8", "uint32", "uint32", "uint32", "uint32", "uint256"]).root as Hex;
}

export const STATS_LEAF_TYPES = ["address", "uint8", "uint32", "uint32", "uint32", "uint32", "uint256"] as const;

export function buildReport(inp: ReportInputs): BuiltReport {
  if (inp.nodes.length > MAX_REPORT_NODES) throw new Error(`more than ${MAX_REPORT_NODES} nodes in one report`);
  const nodes = [...inp.nodes].sort((a, b) => (a.node.toLowerCase() < b.node.toLowerCase() ? -1 : 1));
  const epochRewards = computeEpochRewards(
    BigInt(inp.budget),
    inp.uptimeShareBps,
    nodes.map((n) => ({
      node: n.node,
      operator: n.operator,
      verdict: n.verdict,
      verifiedWork: BigInt(n.verifiedWork),
      capacityPpm: BigInt(Math.max(0, Math.min(Number(CAPACITY_CAP_PPM), Math.floor(n.scoreDeviationPpm)))),
      claimGflops: BigInt(n.claimGflops),
      // Rounds down: the on-time share in whole ppm.
      uptimePpm: n.challenges === 0 ? 0n : (BigInt(Math.min(n.onTime, n.challenges)) * 1_000_000n) / BigInt(n.challenges),
    })),
  );
  const prev = new Map(Object.entries(inp.previousCumulative).map(([a, v]) => [a.toLowerCase(), BigInt(v)]));
  const cumulative = addCumulative(prev, epochRewards.perAccount);
  const rewardsTree = buildRewardsTree(cumulative);
  const all = nodes.flatMap((n) => (n.slash ? [n.slash] : [])).sort(SLASH_ORDER);
  const slashes = all.slice(0, inp.maxSlashes);
  const report: EpochReport = {
    epoch: BigInt(inp.epoch),
    parent: inp.parent,
    seed: inp.seed,
    // One member commits the whole seed: no shares yet (the committee's shared seed fills it).
    sharesHash: zeroHash,
    rewardsRoot: rewardsTree.root,
    rewardsTotal: epochRewards.total,
    statsRoot: statsRoot(nodes, epochRewards.perNode),
    slashListHash: slashListHash(slashes),
    // No leases yet.
    leasesRoot: zeroHash,
    configVersion: BigInt(inp.configVersion),
  };
  return { report, slashes, truncated: all.length - slashes.length, rewardsPerNode: epochRewards.perNode, cumulative, rewardsTree };
}

/** The EIP-712 digest Settlement checks (domain PoAI Settlement / chain / settlement contract). */
export function reportDigest(report: EpochReport, chainId: number, settlement: Address): Hex {
  return hashTypedData({
    domain: domain(SETTLEMENT_DOMAIN_NAME, chainId, settlement),
    types: EPOCH_REPORT_TYPES,
    primaryType: "EpochReport",
    message: report,
  });
}

export function reportToJson(r: EpochReport): Record<string, string> {
  return {
    epoch: r.epoch.toString(),
    parent: r.parent,
    seed: r.seed,
    sharesHash: r.sharesHash,
    rewardsRoot: r.rewardsRoot,
    rewardsTotal: r.rewardsTotal.toString(),
    statsRoot: r.statsRoot,
    slashListHash: r.slashListHash,
    leasesRoot: r.leasesRoot,
    configVersion: r.configVersion.toString(),
  };
}

export function reportFromJson(j: Record<string, string>): EpochReport {
  return {
    epoch: BigInt(j.epoch),
    // A report stored before the parent field existed built on nothing the chain can check: zero.
    parent: (j.parent ?? zeroHash) as Hex,
    seed: j.seed as Hex,
    sharesHash: (j.sharesHash ?? zeroHash) as Hex,
    rewardsRoot: j.rewardsRoot as Hex,
    rewardsTotal: BigInt(j.rewardsTotal),
    statsRoot: j.statsRoot as Hex,
    slashListHash: j.slashListHash as Hex,
    leasesRoot: (j.leasesRoot ?? zeroHash) as Hex,
    configVersion: BigInt(j.configVersion),
  };
}

/** Signatures ordered by signer address ascending, as Settlement requires (no duplicates). */
export function orderedSignatures(sigs: Record<string, Hex>): Hex[] {
  return Object.keys(sigs)
    .map((a) => a.toLowerCase())
    .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
    .map((a) => sigs[Object.keys(sigs).find((k) => k.toLowerCase() === a)!]);
}
