/**
 * The deployment record the page runs against: chain id, contract addresses and ABIs, as
 * `scripts/deploy.ts` writes them to `deployments/<network>.json`. Pure: parsing and checks
 * only, the fetch lives in `loadSettings.ts`.
 */
import { isAddress, type Abi, type Address } from "viem";

export const CONTRACT_NAMES = ["PoAIToken", "NodeRegistry", "EpochManager", "Settlement", "RewardsDistributor"] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export interface DeployedContract {
  address: Address;
  abi: Abi;
}

export interface Deployment {
  network: string;
  chainId: number;
  /** Block of the deployment: event queries start here. */
  fromBlock: bigint;
  contracts: Record<ContractName, DeployedContract>;
  /** Every custom error of every contract, for decoding reverts that bubble up from a callee. */
  errorsAbi: Abi;
}

export class DeploymentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DeploymentError";
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Accepts the record in either layout a deploy script may write:
 * `{ chainId, contracts: { Name: { address, abi } } }` or
 * `{ chainId, addresses: { Name: address }, abis: { Name: abi } }`.
 */
export function parseDeployment(json: unknown, network: string): Deployment {
  if (!isObject(json)) throw new DeploymentError(`deployments/${network}.json is not a JSON object`);
  const chainId = Number(json.chainId);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new DeploymentError(`deployments/${network}.json has no valid chainId`);
  }
  const contracts = {} as Record<ContractName, DeployedContract>;
  for (const name of CONTRACT_NAMES) {
    const entry = isObject(json.contracts) ? json.contracts[name] : undefined;
    const address = isObject(entry) ? entry.address : isObject(json.addresses) ? json.addresses[name] : undefined;
    const abi = isObject(entry) ? entry.abi : isObject(json.abis) ? json.abis[name] : undefined;
    if (typeof address !== "string" || !isAddress(address)) {
      throw new DeploymentError(`deployments/${network}.json: ${name} has no valid address`);
    }
    if (!Array.isArray(abi)) throw new DeploymentError(`deployments/${network}.json: ${name} has no ABI`);
    contracts[name] = { address: address as Address, abi: abi as Abi };
  }
  const block = json.deploymentBlock ?? json.block ?? json.blockNumber ?? json.deployBlock ?? json.startBlock;
  const fromBlock = typeof block === "number" || (typeof block === "string" && /^\d+$/.test(block)) ? BigInt(block) : 0n;
  return { network, chainId, fromBlock, contracts, errorsAbi: collectErrors(Object.values(contracts).map((c) => c.abi)) };
}

/** The union of the `error` fragments of several ABIs, each signature once. */
export function collectErrors(abis: readonly Abi[]): Abi {
  const seen = new Map<string, Abi[number]>();
  for (const abi of abis) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const key = `${item.name}(${item.inputs.map((i) => i.type).join(",")})`;
      if (!seen.has(key)) seen.set(key, item);
    }
  }
  return [...seen.values()];
}
