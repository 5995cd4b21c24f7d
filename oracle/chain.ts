/**
 * The oracle's view of the chain: viem clients, the deployed addresses (deployments/<network>.json)
 * and ABIs (from the record, or from artifacts/ after `npx hardhat compile`; the relay sends with
 * them), reads of the contracts the oracle follows through the typed ABIs of protocol/abi.ts, and
 * the registry mirror (registry-mirror.ts) that answers for the whole fleet in a few batched
 * calls. Every read retries with backoff; an unreachable RPC ends as OracleError OR005 with the
 * cause attached.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  createPublicClient,
  http,
  type Abi,
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type Hex,
  type PublicClient,
} from "viem";
import { OracleError } from "./errors";
import { isInsufficientFunds, isRevert } from "./rpc-errors";
import { contractAbis } from "../protocol/abi";
import { readNode, type NodeRecord } from "../protocol/registry";
import { RegistryMirror } from "./registry-mirror";
import type { AgedRecord } from "./registry-cache";
export { type HardwareClaim } from "../protocol";
export { type NodeRecord } from "../protocol/registry";

export const CONTRACT_NAMES = ["NodeRegistry", "EpochManager", "Settlement", "RewardsDistributor"] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export interface Deployment {
  chainId?: number;
  addresses: Record<ContractName, Address>;
  abis: Record<ContractName, Abi>;
}

function artifactAbi(root: string, name: string): Abi | undefined {
  const p = join(root, "artifacts", "contracts", `${name}.sol`, `${name}.json`);
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, "utf8")).abi as Abi;
}

/** Reads a deployment record; accepts `contracts.X.{address,abi}`, `addresses.X` or `X.address`. */
export function loadDeployment(file: string, root = process.cwd()): Deployment {
  const path = resolve(root, file);
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new OracleError("OR003", `cannot read deployment record ${path}: run scripts/deploy.ts first`, { cause: e });
  }
  const addresses = {} as Record<ContractName, Address>;
  const abis = {} as Record<ContractName, Abi>;
  const contracts = (rec.contracts ?? {}) as Record<string, { address?: string; abi?: Abi } | string>;
  const flat = (rec.addresses ?? {}) as Record<string, string>;
  for (const name of CONTRACT_NAMES) {
    const c = contracts[name];
    const entry = rec[name] as { address?: string; abi?: Abi } | undefined;
    const addr = (typeof c === "string" ? c : c?.address) ?? flat[name] ?? entry?.address;
    if (!addr || !/^0x[0-9a-fA-F]{40}$/.test(addr)) throw new OracleError("OR003", `deployment record ${path} has no address for ${name}`);
    addresses[name] = addr as Address;
    const abi = (typeof c === "object" ? c?.abi : undefined) ?? entry?.abi ?? artifactAbi(root, name);
    if (!abi) throw new OracleError("OR003", `no ABI for ${name}: not in ${path} and not in artifacts/ (run npx hardhat compile)`);
    abis[name] = abi;
  }
  const chainId = rec.chainId === undefined ? undefined : Number(rec.chainId);
  return { chainId, addresses, abis };
}

type Abis = typeof contractAbis;
type ReadName<N extends ContractName> = ContractFunctionName<Abis[N], "pure" | "view">;

export interface ReportInfo {
  status: number; // 0 None, 1 Pending, 2 Vetoed, 3 Finalized
  disputeEndsAt: bigint;
  configVersion: bigint;
  slashCount: number;
  /** Epoch of the parent report (meaningful only when `hasParent`). */
  parentEpoch: bigint;
  hasParent: boolean;
  hasAppeals: boolean;
  submitter: Address;
  /** The report's EIP-712 digest (what a child names as `parent`). */
  digest: Hex;
  seed: Hex;
  rewardsRoot: Hex;
  rewardsTotal: bigint;
  statsRoot: Hex;
}

export const REPORT_STATUS = { None: 0, Pending: 1, Vetoed: 2, Finalized: 3 } as const;

/** Calls one JSON-RPC batch of the bulk client carries. */
const BULK_BATCH = 100;

/** Default period of the registry mirror's full load, ms (config `registryRefreshMs`). */
export const REGISTRY_REFRESH_MS = 300_000;

export interface ChainOptions {
  /** The registry mirror's full load at least this often, ms (its staleness bound). */
  registryRefreshMs?: number;
  /** Wall clock of the mirror's freshness, ms. */
  now?: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** OR216: the RPC answered that the oracle's wallet cannot pay for the transaction. */
export function insufficientFunds(what: string, cause: unknown): OracleError {
  return new OracleError(
    "OR216",
    `the oracle's wallet cannot pay for ${what}: send native tokens to its address (the RPC is reachable; this is not an RPC fault)`,
    { status: 503, cause },
  );
}

/** Single-attempt reads with a short timeout (Chain.probe). */
export interface ChainProbe {
  head(): Promise<{ number: number; timestamp: number }>;
  /** Transactions in the node's pending block (its mempool as the next block would take it). */
  pendingTransactions(): Promise<number>;
  balance(a: Address): Promise<bigint>;
  availableBudget(): Promise<bigint>;
  tip(): Promise<{ exists: boolean; epoch: number }>;
  quorum(): Promise<number>;
}

export class Chain {
  readonly client: PublicClient;
  /** Every registered node, kept current from the registry's events. */
  readonly registry: RegistryMirror;
  /** The same endpoint, calls made together sent as one JSON-RPC batch (the committee's reads). */
  private readonly bulk: PublicClient;

  constructor(
    readonly rpcUrl: string,
    readonly deployment: Deployment,
    readonly chainId: number,
    private readonly retries = 4,
    opts: ChainOptions = {},
  ) {
    this.client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 10_000 }) }) as PublicClient;
    this.bulk = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 30_000, batch: { batchSize: BULK_BATCH, wait: 0 } }) }) as PublicClient;
    this.registry = new RegistryMirror(
      { client: this.client, registry: this.address("NodeRegistry"), retry: (what, fn) => this.withRetry(what, fn) },
      { refreshMs: opts.registryRefreshMs ?? REGISTRY_REFRESH_MS, now: opts.now ?? Date.now },
    );
  }

  /** Connects, checks the chain id against the deployment record and returns the Chain. */
  static async connect(rpcUrl: string, deployment: Deployment, retries = 4, opts: ChainOptions = {}): Promise<Chain> {
    const probe = new Chain(rpcUrl, deployment, 0, retries, opts);
    const chainId = await probe.withRetry("eth_chainId", () => probe.client.getChainId());
    if (deployment.chainId !== undefined && deployment.chainId !== chainId) {
      throw new OracleError("OR003", `deployment record is for chain ${deployment.chainId}, RPC ${rpcUrl} serves chain ${chainId}`);
    }
    return new Chain(rpcUrl, deployment, chainId, retries, opts);
  }

  address(name: ContractName): Address {
    return this.deployment.addresses[name];
  }

  /**
   * Runs an RPC call with exponential backoff. A revert is not retried, nor is a sender that
   * cannot pay for gas (OR216: the RPC is fine, the wallet is empty).
   */
  async withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    let last: unknown;
    for (let i = 0; i < this.retries; i++) {
      try {
        return await fn();
      } catch (e) {
        if (isRevert(e)) throw e;
        if (isInsufficientFunds(e)) throw insufficientFunds(what, e);
        last = e;
        if (i + 1 < this.retries) await sleep(100 * 2 ** i);
      }
    }
    // 503: an API request that needs the chain says so (try again), never an internal error.
    throw new OracleError("OR005", `RPC ${this.rpcUrl} failed on ${what} after ${this.retries} attempts`, { status: 503, cause: last });
  }

  /** A view call on `name`, typed by its ABI (protocol/abi.ts). */
  read<N extends ContractName, F extends ReadName<N>>(
    name: N,
    functionName: F,
    args?: ContractFunctionArgs<Abis[N], "pure" | "view", F>,
    /** Calls made together on the bulk client go out as one JSON-RPC batch. */
    via: "single" | "bulk" = "single",
  ): Promise<ContractFunctionReturnType<Abis[N], "pure" | "view", F>> {
    const client = via === "bulk" ? this.bulk : this.client;
    return this.withRetry(`${name}.${functionName}`, () =>
      // viem cannot narrow a call generic over the contract; the signature above carries the types.
      client.readContract({ address: this.address(name), abi: contractAbis[name], functionName, args } as never),
    );
  }

  /** One node's record read now (one RPC call); the fleet's reads go through the mirror. */
  getNode(node: Address): Promise<NodeRecord> {
    return this.withRetry("NodeRegistry.getNode", () => readNode(this.client, this.address("NodeRegistry"), node));
  }

  /**
   * `node` as the mirror answers it once the mirror matched the head within `maxAgeMs`, with the
   * answer's age: the loader of the API's per-request cache (access.ts). A miss on an unknown key
   * costs no read of its own: at most one mirror sync per `maxAgeMs`, shared by every key.
   */
  async registryAnswer(node: Address, maxAgeMs: number): Promise<AgedRecord> {
    await this.registry.fresh(maxAgeMs);
    return { rec: this.registry.get(node), ageMs: this.registry.ageMs() };
  }

  /**
   * Every registered node, any count, in registration order, as `getNode` answers at the
   * mirror's block, which matched the head within `maxAgeMs` (0: synced now).
   */
  async allNodes(maxAgeMs = 0): Promise<NodeRecord[]> {
    await this.registry.fresh(maxAgeMs);
    return this.registry.nodes();
  }

  async epochClock(): Promise<{ genesis: number; length: number }> {
    const [g, l] = await Promise.all([
      this.read("EpochManager", "genesis"),
      this.read("EpochManager", "epochLength"),
    ]);
    return { genesis: Number(g), length: Number(l) };
  }

  seedCommitment(epoch: bigint): Promise<Hex> {
    return this.read("EpochManager", "seedCommitment", [epoch]);
  }
  /** Members, quorum and config version: one JSON-RPC batch (every reconciliation pass reads it). */
  async committee(): Promise<{ members: Address[]; quorum: number; configVersion: bigint }> {
    const [members, quorum, configVersion] = await Promise.all([
      this.read("EpochManager", "committee", undefined, "bulk"),
      this.read("EpochManager", "quorum", undefined, "bulk"),
      this.read("EpochManager", "configVersion", undefined, "bulk"),
    ]);
    return { members: [...members], quorum: Number(quorum), configVersion: BigInt(configVersion) };
  }
  async reportOf(epoch: bigint): Promise<ReportInfo> {
    const r = await this.read("Settlement", "reportOf", [epoch]);
    return { ...r, status: Number(r.status), slashCount: Number(r.slashCount) };
  }
  /** Settlement's tip: the latest report not vetoed, which the next report must name as parent. */
  async tip(): Promise<{ exists: boolean; epoch: bigint; digest: Hex }> {
    const [exists, epoch, digest] = await this.read("Settlement", "tip");
    return { exists, epoch, digest };
  }
  async maxSlashes(): Promise<number> {
    return Number(await this.read("Settlement", "maxSlashes"));
  }
  availableBudget(): Promise<bigint> {
    return this.read("RewardsDistributor", "availableBudget");
  }
  /**
   * One-attempt reads with their own short timeout, for the health monitor (health.ts): they
   * must answer or fail within `timeoutMs` even while the passes wait on a hung endpoint.
   */
  probe(timeoutMs: number): ChainProbe {
    const client = createPublicClient({ transport: http(this.rpcUrl, { retryCount: 0, timeout: timeoutMs }) }) as PublicClient;
    const read = <N extends ContractName, F extends ReadName<N>>(name: N, functionName: F) =>
      client.readContract({ address: this.address(name), abi: contractAbis[name], functionName } as never) as Promise<ContractFunctionReturnType<Abis[N], "pure" | "view", F>>;
    return {
      head: async () => {
        const b = await client.getBlock({ blockTag: "latest" });
        return { number: Number(b.number), timestamp: Number(b.timestamp) };
      },
      pendingTransactions: async () => (await client.getBlock({ blockTag: "pending" })).transactions.length,
      balance: (a) => client.getBalance({ address: a }),
      availableBudget: () => read("RewardsDistributor", "availableBudget"),
      tip: async () => {
        const [exists, epoch] = await read("Settlement", "tip");
        return { exists, epoch: Number(epoch) };
      },
      quorum: async () => Number(await read("EpochManager", "quorum")),
    };
  }

  async blockTime(): Promise<number> {
    const b = await this.withRetry("eth_getBlockByNumber", () => this.client.getBlock({ blockTag: "latest" }));
    return Number(b.timestamp);
  }
}
