/** What the demo and the tests read from the devnet's chain and oracle: epochs, block time, reward claims. */
import { createWalletClient, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DevAccount } from "./accounts";
import type { Devnet } from "./devnet";
import { devChain } from "../../agent/chain";
import { epochManagerAbi, rewardsDistributorAbi } from "../../protocol/abi";

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
  const already = await net.client.readContract({ address: distributor, abi: rewardsDistributorAbi, functionName: "claimed", args: [operator.address] });
  if (already >= cumulative) return { paid: 0n, cumulative, epoch: r.epoch };
  const wallet = createWalletClient({ account: privateKeyToAccount(operator.privateKey), chain: devChain(net.chainId, net.rpcUrl), transport: http(net.rpcUrl) });
  const hash = await wallet.writeContract({ address: distributor, abi: rewardsDistributorAbi, functionName: "claim", args: [operator.address, cumulative, r.proof] });
  const receipt = await net.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`claim transaction ${hash} reverted`);
  return { paid: cumulative - already, cumulative, epoch: r.epoch };
}

export async function currentEpoch(net: Devnet): Promise<bigint> {
  return net.client.readContract({ address: net.addr("EpochManager"), abi: epochManagerAbi, functionName: "currentEpoch" });
}

export async function epochStart(net: Devnet, e: bigint): Promise<bigint> {
  return net.client.readContract({ address: net.addr("EpochManager"), abi: epochManagerAbi, functionName: "epochStart", args: [e] });
}

export async function blockTime(net: Devnet): Promise<bigint> {
  return (await net.client.getBlock()).timestamp;
}
