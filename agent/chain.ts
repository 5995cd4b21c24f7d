/**
 * What the agent reads and writes on chain: its NodeRegistry record (registered? jailed? stake)
 * and, for `register --operator-key`, the approve + register transactions. The ABIs are the
 * committed typed ones of protocol/abi.ts, so the agent runs without artifacts.
 */
import {
  createPublicClient,
  createWalletClient,
  http,
  type Address,
  type Hex,
  type PublicClient,
  type Chain,
} from "viem";
import { AgentError, rootCause } from "./errors";
import { readNode as readRegistryNode, type NodeRecord } from "../protocol/registry";
export { type HardwareClaim, NODE_STATUS, type NodeStatusName } from "../protocol";
export { type NodeRecord } from "../protocol/registry";

/** `region` as bytes8: ASCII, right-padded with zeros, at most 8 characters. */
export function regionBytes8(region: string): Hex {
  if (!/^[\x20-\x7e]{0,8}$/.test(region)) throw new AgentError("BadArgument", `region must be at most 8 ASCII characters, got "${region}"`);
  return `0x${Buffer.from(region.padEnd(8, "\0"), "latin1").toString("hex")}` as Hex;
}

export function devChain(chainId: number, rpcUrl: string): Chain {
  return {
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  };
}

export async function connect(rpcUrl: string, expectedChainId?: number): Promise<{ client: PublicClient; chainId: number; chain: Chain }> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 10_000 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (err) {
    const why = rootCause(err);
    throw new AgentError("Chain", `cannot reach the RPC node at ${rpcUrl}${why ? ` (${why.split("\n")[0]})` : ""}`, { cause: err, hint: "check --rpc: the node is down, the URL is wrong, or a firewall is in the way" });
  }
  if (expectedChainId !== undefined && chainId !== expectedChainId) {
    throw new AgentError("WrongChain", `the RPC at ${rpcUrl} serves chain ${chainId}, expected chain ${expectedChainId}`);
  }
  const chain = devChain(chainId, rpcUrl);
  return { client: createPublicClient({ chain, transport: http(rpcUrl) }) as PublicClient, chainId, chain };
}

export async function readNode(client: PublicClient, registry: Address, node: Address): Promise<NodeRecord> {
  try {
    return await readRegistryNode(client, registry, node);
  } catch (err) {
    throw new AgentError("Chain", `cannot read node ${node} from the NodeRegistry at ${registry} (is it the right address and chain?)`, { cause: err });
  }
}

/**
 * Throws the operator's error for a node that cannot be challenged: AG005 not registered,
 * AG006 jailed (with the release time), AG013 exiting.
 */
export function assertChallengeable(node: Address, rec: NodeRecord, nowSec: number): void {
  if (rec.status === "None") {
    throw new AgentError("NotRegistered", `node ${node} is not registered: print a registration signature with \`npm run agent -- register\` and register it in the dApp`);
  }
  if (rec.status === "Jailed" || Number(rec.jailedUntil) > nowSec) {
    const until = new Date(Number(rec.jailedUntil) * 1000).toISOString();
    throw new AgentError("Jailed", `node ${node} is jailed until ${until} (${Math.max(0, Number(rec.jailedUntil) - nowSec)} s from now); it is not challenged or paid meanwhile`);
  }
  if (rec.status === "Exiting") {
    throw new AgentError("Exiting", `node ${node} is exiting (deregistered); it is no longer challenged`);
  }
}

export { createWalletClient, http };
