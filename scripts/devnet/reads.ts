/** What the demo and the tests read from the devnet's chain and oracle: epochs, block time, reward claims. */
import { createWalletClient, http, parseAbi, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DevAccount } from "./accounts";
import type { Devnet } from "./devnet";
import { devChain } from "../../agent/chain";

export const EPOCH_ABI = parseAbi([
  "function currentEpoch() view returns (uint64)",
  "function epochStart(uint64 epoch) view returns (uint256)",
  "function epochLength() view returns (uint64)",
]);
export const DISTRIBUTOR_ABI = parseAbi([
  "function claim(address account, uint256 cumulativeAmount, bytes32[] proof)",
  "function claimed(address account) view returns (uint256)",
  "function merkleRoot() view returns (bytes32)",
]);
export const TOKEN_ABI = parseAbi(["function balanceOf(address account) view returns (uint256)"]);

/** Claims an operator's cumulative rewards with the oracle's proof; returns what this claim paid. */
export async function claimRewards(
  net: Devnet,
  oracleUrl: string,
  operator: DevAccount,
): Promise<{ paid: bigint; cumulative: bigint; epoch: unknown }> {
  const res = await fetch(`${oracleUrl}/v1/rewards/${operator.address}`);
  if (!res.ok) throw new Error(`GET /v1/rewards/${operator.address} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const r = (await res.json()) as { epoch?: unknown; cumulativeAmount?: string; proof?: Hex[] };
  const cumulative = BigInt(r.cumulativeAmount ?? "0");
  if (cumulative === 0n || !Array.isArray(r.proof)) return { paid: 0n, cumulative, epoch: r.epoch };
  const distributor = net.addr("RewardsDistributor");
  const already = (await net.client.readContract({ address: distributor, abi: DISTRIBUTOR_ABI, functionName: "claimed", args: [operator.address] })) as bigint;
  if (already >= cumulative) return { paid: 0n, cumulative, epoch: r.epoch };
  const wallet = createWalletClient({ account: privateKeyToAccount(operator.privateKey), chain: devChain(net.chainId, net.rpcUrl), transport: http(net.rpcUrl) });
  const hash = await wallet.writeContract({ address: distributor, abi: DISTRIBUTOR_ABI, functionName: "claim", args: [operator.address, cumulative, r.proof] });
  const receipt = await net.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`claim transaction ${hash} reverted`);
  return { paid: cumulative - already, cumulative, epoch: r.epoch };
}

export async function currentEpoch(net: Devnet): Promise<bigint> {
  return (await net.client.readContract({ address: net.addr("EpochManager"), abi: EPOCH_ABI, functionName: "currentEpoch" })) as bigint;
}

export async function epochStart(net: Devnet, e: bigint): Promise<bigint> {
  return (await net.client.readContract({ address: net.addr("EpochManager"), abi: EPOCH_ABI, functionName: "epochStart", args: [e] })) as bigint;
}

export async function blockTime(net: Devnet): Promise<bigint> {
  return (await net.client.getBlock()).timestamp;
}
