/**
 * The page's calls to the chain: reads through the typed ABIs of protocol/abi.ts, and writes
 * that are simulated first so a revert is decoded before the wallet is even asked. Every write
 * goes through the connected wallet.
 */
import {
  parseSignature,
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type Hash,
  type Hex,
} from "viem";
import type { Config } from "wagmi";
import { getBlock, getPublicClient, readContract, signTypedData, simulateContract, writeContract } from "wagmi/actions";
import type { TxSteps } from "../hooks/useTx";
import type { ContractName, Deployment } from "./deployment";
import { contractAbis } from "../../../protocol/abi";
import { PERMIT_TYPES } from "../../../protocol/eip712";
import { readNode, type NodeRecord } from "../../../protocol/registry";
export { type HardwareClaim, NODE_STATUS, type NodeStatusName } from "../../../protocol";
export { type NodeRecord } from "../../../protocol/registry";

/** Nodes, slashes and log entries read per operator; more are not shown. */
export const MAX_NODES_PER_OPERATOR = 100;
export const MAX_SLASHES_SHOWN = 50;
/** Lifetime of a permit signature (seconds after the latest block). */
export const PERMIT_LIFETIME_S = 3_600n;

type Abis = typeof contractAbis;
type ReadName<N extends ContractName> = ContractFunctionName<Abis[N], "pure" | "view">;

export const SLASH_STATES = ["None", "Proposed", "Vetoed", "Appealed", "AppealUpheld", "AppealRejected", "Executed"] as const;
export const REPORT_STATUS = ["None", "Pending", "Vetoed", "Finalized"] as const;
export const SLASH_REASONS: Record<number, string> = { 1: "fraud", 2: "overclaim", 3: "lease violation" };

export interface SlashRecord {
  epoch: bigint;
  index: bigint;
  node: Address;
  bps: number;
  reason: string;
  evidence: Hex;
  state: (typeof SLASH_STATES)[number];
  reportStatus: (typeof REPORT_STATUS)[number];
  disputeEndsAt: bigint;
  amount: bigint;
  /** The report that proposed it: its EIP-712 digest, submitter and the transaction of SlashProposed. */
  reportDigest: Hex;
  submitter: Address;
  statsRoot: Hex;
  txHash: Hex | null;
  block: bigint | null;
  appellant: Address | null;
  bond: bigint;
}

/** Reports read for the network view's list of recent epochs. */
export const MAX_REPORTS_SHOWN = 10;

export interface ReportSummary {
  epoch: bigint;
  status: (typeof REPORT_STATUS)[number];
  digest: Hex;
  submitter: Address;
  rewardsTotal: bigint;
  slashCount: number;
  disputeEndsAt: bigint;
  txHash: Hex | null;
}

/** Fleet-level figures the chain holds (the network view). */
export interface NetworkFigures {
  currentEpoch: bigint;
  epochEnd: bigint;
  epochLength: bigint;
  nodeCount: bigint;
  totalActiveStake: bigint;
  totalUnbonding: bigint;
  committee: readonly Address[];
  quorum: number;
  configVersion: bigint;
  /** Latest finalized report's epoch, null when none is finalized yet. */
  lastFinalizedEpoch: bigint | null;
  pendingReports: bigint;
  disputeWindow: bigint;
  /** Rewards pool: funded and not yet committed to an epoch (what future epochs can pay). */
  availableBudget: bigint;
  totalFunded: bigint;
  totalFinalized: bigint;
  totalClaimed: bigint;
  rootEpoch: bigint | null;
}

export class Chain {
  constructor(
    readonly config: Config,
    readonly deployment: Deployment,
  ) {}

  private c(name: ContractName): { address: Address; abi: Abi } {
    return this.deployment.contracts[name];
  }

  /** A view call on `name`, typed by its ABI (protocol/abi.ts). */
  read<N extends ContractName, F extends ReadName<N>>(
    name: N,
    functionName: F,
    args?: ContractFunctionArgs<Abis[N], "pure" | "view", F>,
  ): Promise<ContractFunctionReturnType<Abis[N], "pure" | "view", F>> {
    const { address } = this.c(name);
    // viem cannot narrow a call generic over the contract; the signature above carries the types.
    return readContract(this.config, { address, abi: contractAbis[name], functionName, args } as never);
  }

  async blockTime(): Promise<bigint> {
    return (await getBlock(this.config)).timestamp;
  }

  /** Simulates, asks the wallet to send, and waits for the receipt. */
  async send(
    steps: TxSteps,
    label: string,
    account: Address,
    name: ContractName,
    functionName: string,
    args: readonly unknown[],
  ): Promise<Hash> {
    const { address, abi } = this.c(name);
    steps.check(label);
    const { request } = await simulateContract(this.config, { account, address, abi, functionName, args });
    const hash = await steps.wallet(label, () => writeContract(this.config, request as Parameters<typeof writeContract>[1]));
    await steps.confirm(label, hash);
    return hash;
  }

  /** Approves `spender` for `amount` unless the allowance already covers it. */
  async ensureAllowance(steps: TxSteps, account: Address, spender: Address, amount: bigint): Promise<void> {
    const allowance = await this.read("PoAIToken", "allowance", [account, spender]);
    if (allowance >= amount) return;
    await this.send(steps, "Approve the stake token", account, "PoAIToken", "approve", [spender, amount]);
  }

  /** One ERC-2612 permit signature for `value` to `spender`, valid for PERMIT_LIFETIME_S. */
  async signPermit(steps: TxSteps, owner: Address, spender: Address, value: bigint) {
    const token = this.c("PoAIToken");
    // ERC-5267 tells the token's EIP-712 domain; a token without it is assumed to use version "1".
    const [, name, version, chainId, verifyingContract] = await this.read("PoAIToken", "eip712Domain").catch(
      async () => ["0x0f", await this.read("PoAIToken", "name"), "1", BigInt(this.deployment.chainId), token.address] as const,
    );
    const nonce = await this.read("PoAIToken", "nonces", [owner]);
    const deadline = (await this.blockTime()) + PERMIT_LIFETIME_S;
    const signature = await steps.wallet("Sign the stake permit", () =>
      signTypedData(this.config, {
        account: owner,
        domain: { name, version, chainId, verifyingContract: verifyingContract ?? token.address },
        types: PERMIT_TYPES,
        primaryType: "Permit",
        message: { owner, spender, value, nonce, deadline },
      }),
    );
    const { r, s, v, yParity } = parseSignature(signature);
    return { deadline, v: Number(v ?? BigInt(yParity + 27)), r, s };
  }

  getNode(node: Address): Promise<NodeRecord> {
    return readNode(getPublicClient(this.config)!, this.c("NodeRegistry").address, node);
  }

  /** The operator's nodes, found from `NodeRegistered` logs and checked against `getNode`. */
  async operatorNodes(operator: Address): Promise<NodeRecord[]> {
    const client = getPublicClient(this.config)!;
    const { address, abi } = this.c("NodeRegistry");
    const logs = await client.getContractEvents({
      address,
      abi,
      eventName: "NodeRegistered",
      args: { operator },
      fromBlock: this.deployment.fromBlock,
      toBlock: "latest",
    });
    const keys = [...new Set(logs.map((l) => (l.args as { node: Address }).node))].slice(-MAX_NODES_PER_OPERATOR);
    const nodes = await Promise.all(keys.map((k) => this.getNode(k)));
    return nodes.filter((n) => n.operator.toLowerCase() === operator.toLowerCase());
  }

  /** Slashes proposed against `node` (against any node when omitted), newest first, with their current state. */
  async nodeSlashes(node?: Address): Promise<SlashRecord[]> {
    const client = getPublicClient(this.config)!;
    const { address, abi } = this.c("Settlement");
    const logs = await client.getContractEvents({
      address,
      abi,
      eventName: "SlashProposed",
      args: node ? { node } : undefined,
      fromBlock: this.deployment.fromBlock,
      toBlock: "latest",
    });
    const recent = logs.slice(-MAX_SLASHES_SHOWN).reverse();
    return Promise.all(
      recent.map(async (log) => {
        const a = log.args as { epoch: bigint; index: bigint; node: Address; bps: number; reason: number; evidence: Hex };
        const [info, report] = await Promise.all([
          this.read("Settlement", "slashOf", [a.epoch, a.index]),
          this.read("Settlement", "reportOf", [a.epoch]),
        ]);
        const appellant = info.appellant.toLowerCase() === "0x0000000000000000000000000000000000000000" ? null : info.appellant;
        return {
          epoch: a.epoch,
          index: a.index,
          node: a.node,
          bps: Number(a.bps),
          reason: SLASH_REASONS[Number(a.reason)] ?? `reason ${a.reason}`,
          evidence: a.evidence,
          state: SLASH_STATES[info.state] ?? "None",
          reportStatus: REPORT_STATUS[report.status] ?? "None",
          disputeEndsAt: BigInt(report.disputeEndsAt),
          amount: info.amount,
          reportDigest: report.digest,
          submitter: report.submitter,
          statsRoot: report.statsRoot,
          txHash: log.transactionHash ?? null,
          block: log.blockNumber ?? null,
          appellant,
          bond: info.bond,
        };
      }),
    );
  }

  /** The chain's fleet-level figures, read in one round of calls. */
  async networkFigures(): Promise<NetworkFigures> {
    const currentEpoch = await this.read("EpochManager", "currentEpoch");
    const [
      epochEnd, epochLength, nodeCount, totalActiveStake, totalUnbonding, committee, quorum, configVersion,
      hasFinalized, lastFinalizedEpoch, pendingReports, disputeWindow,
      availableBudget, totalFunded, totalFinalized, totalClaimed, hasRoot, rootEpoch,
    ] = await Promise.all([
      this.read("EpochManager", "epochEnd", [currentEpoch]),
      this.read("EpochManager", "epochLength"),
      this.read("NodeRegistry", "nodeCount"),
      this.read("NodeRegistry", "totalActiveStake"),
      this.read("NodeRegistry", "totalUnbonding"),
      this.read("EpochManager", "committee"),
      this.read("EpochManager", "quorum"),
      this.read("EpochManager", "configVersion"),
      this.read("Settlement", "hasFinalized"),
      this.read("Settlement", "lastFinalizedEpoch"),
      this.read("Settlement", "pendingReports"),
      this.read("Settlement", "disputeWindow"),
      this.read("RewardsDistributor", "availableBudget"),
      this.read("RewardsDistributor", "totalFunded"),
      this.read("RewardsDistributor", "totalFinalized"),
      this.read("RewardsDistributor", "totalClaimed"),
      this.read("RewardsDistributor", "hasRoot"),
      this.read("RewardsDistributor", "rootEpoch"),
    ]);
    return {
      currentEpoch,
      epochEnd: BigInt(epochEnd),
      epochLength: BigInt(epochLength),
      nodeCount,
      totalActiveStake,
      totalUnbonding,
      committee,
      quorum: Number(quorum),
      configVersion: BigInt(configVersion),
      lastFinalizedEpoch: hasFinalized ? BigInt(lastFinalizedEpoch) : null,
      pendingReports,
      disputeWindow: BigInt(disputeWindow),
      availableBudget,
      totalFunded,
      totalFinalized,
      totalClaimed,
      rootEpoch: hasRoot ? BigInt(rootEpoch) : null,
    };
  }

  /** The latest MAX_REPORTS_SHOWN reports (ReportSubmitted events), newest first, with their status now. */
  async recentReports(): Promise<ReportSummary[]> {
    const client = getPublicClient(this.config)!;
    const { address, abi } = this.c("Settlement");
    const logs = await client.getContractEvents({
      address,
      abi,
      eventName: "ReportSubmitted",
      fromBlock: this.deployment.fromBlock,
      toBlock: "latest",
    });
    const recent = logs.slice(-MAX_REPORTS_SHOWN).reverse();
    return Promise.all(
      recent.map(async (log) => {
        const a = log.args as { epoch: bigint; submitter: Address; digest: Hex; rewardsTotal: bigint; slashCount: bigint; disputeEndsAt: bigint };
        const report = await this.read("Settlement", "reportOf", [a.epoch]);
        return {
          epoch: a.epoch,
          status: REPORT_STATUS[report.status] ?? "None",
          digest: a.digest,
          submitter: a.submitter,
          rewardsTotal: a.rewardsTotal,
          slashCount: Number(a.slashCount),
          disputeEndsAt: BigInt(report.disputeEndsAt),
          txHash: log.transactionHash ?? null,
        };
      }),
    );
  }
}
