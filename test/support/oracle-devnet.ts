/**
 * Test helpers for the oracle's e2e tests (not part of the service): a Hardhat node from the
 * devnet harness (scripts/devnet/node.ts), a deployment with scripts/deploy-lib.ts, node
 * registration with a real node-key signature and rewards funding. The oracle's side of a test
 * (signed requests, answering challenges) is oracle-client.ts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { JsonRpcProvider, NonceManager, Wallet } from "ethers";
import {
  createPublicClient,
  createWalletClient,
  http,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { REGISTRATION_TYPES, REGISTRY_DOMAIN_NAME, domain } from "../../protocol";
import { DEVNET_PARAMS, deployProtocol, deploymentRecord } from "../../scripts/deploy-lib";
import { startHardhatNode as startNode, type HardhatNode } from "../../scripts/devnet/node";
import { devAccount } from "../../scripts/devnet/accounts";
import { checkArtifacts } from "../../scripts/devnet/artifacts";

export const ROOT = resolve(__dirname, "..", "..");
export const E18 = 10n ** 18n;
/** Hardhat's default accounts (the devnet mnemonic, scripts/devnet/accounts.ts), first five private keys. */
export const HH_KEYS: Hex[] = Array.from({ length: 5 }, (_, i) => devAccount(i).privateKey);

/**
 * A Hardhat node on a free port with the project's config (every block a second past the last),
 * the chain these tests were written against; the devnet harness's one starter.
 */
export function startHardhatNode(): Promise<HardhatNode> {
  return startNode({ sameTimestamps: false });
}

export interface Devnet {
  url: string;
  chainId: number;
  deploymentFile: string;
  dir: string;
  addresses: Record<string, Address>;
  abis: Record<string, Abi>;
  genesis: number;
  epochLength: number;
}

/** Deploys the contracts with the deploy lib and writes the deployment record into a temp dir. */
export async function deployDevnet(url: string, o: { epochLength?: number; disputeWindow?: number; genesisDelay?: number; committee?: Address[]; quorum?: number } = {}): Promise<Devnet> {
  checkArtifacts();
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 50 });
  const signer = new NonceManager(new Wallet(HH_KEYS[0], provider));
  const epochLength = o.epochLength ?? 12;
  const latest = await provider.getBlock("latest");
  const now = Math.max(Math.floor(Date.now() / 1000), Number(latest!.timestamp));
  const genesis = BigInt(now + (o.genesisDelay ?? 4));
  const disputeWindow = BigInt(o.disputeWindow ?? 4);
  const d = await deployProtocol(signer as never, {
    ...DEVNET_PARAMS,
    epochLength: BigInt(epochLength),
    disputeWindow,
    unbondingDelay: BigInt(epochLength) + disputeWindow + 60n,
    genesis,
    committee: o.committee,
    quorum: o.quorum,
  });
  const record = deploymentRecord("test", d, "test");
  const dir = mkdtempSync(join(tmpdir(), "poai-oracle-"));
  const deploymentFile = join(dir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(record, null, 2));
  const addresses: Record<string, Address> = {};
  const abis: Record<string, Abi> = {};
  for (const [name, c] of Object.entries(record.contracts as Record<string, { address: Address; abi: Abi }>)) {
    addresses[name] = c.address;
    abis[name] = c.abi;
  }
  provider.destroy();
  return { url, chainId: Number(d.chainId), deploymentFile, dir, addresses, abis, genesis: Number(genesis), epochLength };
}

function clients(url: string, key: Hex) {
  const account = privateKeyToAccount(key);
  return {
    account,
    pub: createPublicClient({ transport: http(url) }),
    wallet: createWalletClient({ account, transport: http(url) }),
  };
}

async function write(url: string, key: Hex, address: Address, abi: Abi, functionName: string, args: unknown[]): Promise<Hex> {
  const { pub, wallet, account } = clients(url, key);
  const chainId = await pub.getChainId();
  const hash = await wallet.writeContract({ address, abi, functionName, args, account, chain: { id: chainId } as never } as never);
  const r = await pub.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (r.status !== "success") throw new Error(`${functionName} reverted`);
  return hash;
}

export const CPU_CLAIM = { gpuModel: 0, gpuCount: 1, gflops: 20, vramMiB: 1024, region: "0x65752d7765737400" as Hex };

/** The node key's EIP-712 consent to be registered by `operator` (NodeRegistry `Registration`). */
function registrationSig(dev: Devnet, node: PrivateKeyAccount, operator: Address, nonce: bigint, deadline: bigint): Promise<Hex> {
  return node.signTypedData({
    domain: domain(REGISTRY_DOMAIN_NAME, dev.chainId, dev.addresses.NodeRegistry),
    types: REGISTRATION_TYPES,
    primaryType: "Registration",
    message: { operator, nodeKey: node.address, nonce, deadline },
  });
}

/** Registers a fresh node key under `operatorKey` with a CPU claim; returns the node account. */
export async function registerNode(dev: Devnet, operatorKey: Hex, claim = CPU_CLAIM, nodeKey: Hex = generatePrivateKey()): Promise<{ node: PrivateKeyAccount; nodeKey: Hex; operator: Address }> {
  const node = privateKeyToAccount(nodeKey);
  const operator = privateKeyToAccount(operatorKey).address;
  const { pub } = clients(dev.url, operatorKey);
  const registry = dev.addresses.NodeRegistry;
  const token = dev.addresses.PoAIToken;
  const amount = (await pub.readContract({ address: registry, abi: dev.abis.NodeRegistry, functionName: "minimumStake", args: [claim] })) as bigint;
  if (operatorKey !== HH_KEYS[0]) await write(dev.url, HH_KEYS[0], token, dev.abis.PoAIToken, "transfer", [operator, amount]);
  await write(dev.url, operatorKey, token, dev.abis.PoAIToken, "approve", [registry, amount]);
  const nonce = (await pub.readContract({ address: registry, abi: dev.abis.NodeRegistry, functionName: "nonces", args: [node.address] })) as bigint;
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
  const sig = await registrationSig(dev, node, operator, nonce, deadline);
  await write(dev.url, operatorKey, registry, dev.abis.NodeRegistry, "register", [node.address, claim, amount, deadline, sig]);
  return { node, nodeKey, operator };
}

/**
 * Registers `count` fresh node keys under `operatorKey` with a CPU claim at the minimum stake: one
 * transfer and one approval for all, then the registrations sent back to back without waiting
 * for each receipt. Returns the node keys' addresses in registration order.
 */
export async function registerNodes(dev: Devnet, operatorKey: Hex, count: number, claim = CPU_CLAIM): Promise<Address[]> {
  const { pub, wallet, account } = clients(dev.url, operatorKey);
  const registry = dev.addresses.NodeRegistry;
  const token = dev.addresses.PoAIToken;
  const amount = (await pub.readContract({ address: registry, abi: dev.abis.NodeRegistry, functionName: "minimumStake", args: [claim] })) as bigint;
  if (operatorKey !== HH_KEYS[0]) await write(dev.url, HH_KEYS[0], token, dev.abis.PoAIToken, "transfer", [account.address, amount * BigInt(count)]);
  await write(dev.url, operatorKey, token, dev.abis.PoAIToken, "approve", [registry, amount * BigInt(count)]);
  const before = (await pub.readContract({ address: registry, abi: dev.abis.NodeRegistry, functionName: "nodeCount" })) as bigint;
  const fees = await pub.estimateFeesPerGas();
  let nonce = await pub.getTransactionCount({ address: account.address, blockTag: "pending" });
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
  const nodes: Address[] = [];
  let last: Hex | undefined;
  for (let i = 0; i < count; i++) {
    const node = privateKeyToAccount(generatePrivateKey());
    const sig = await registrationSig(dev, node, account.address, 0n, deadline); // a fresh key's first registration
    last = await wallet.writeContract({
      address: registry, abi: dev.abis.NodeRegistry, functionName: "register", args: [node.address, claim, amount, deadline, sig],
      account, chain: { id: dev.chainId } as never, nonce: nonce++, gas: 600_000n, ...fees,
    } as never);
    nodes.push(node.address);
  }
  if (last) await pub.waitForTransactionReceipt({ hash: last, pollingInterval: 50 });
  const after = (await pub.readContract({ address: registry, abi: dev.abis.NodeRegistry, functionName: "nodeCount" })) as bigint;
  if (after - before !== BigInt(count)) throw new Error(`registered ${after - before} of ${count} nodes`);
  return nodes;
}

/** Sends `functionName` on contract `name` from `key` and waits for it to succeed. */
export function send(dev: Devnet, key: Hex, name: string, functionName: string, args: unknown[]): Promise<Hex> {
  return write(dev.url, key, dev.addresses[name], dev.abis[name], functionName, args);
}

/** One raw JSON-RPC call (Hardhat's evm_* and hardhat_* methods included); throws on an error answer. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const j = (await res.json()) as { result?: T; error?: { message: string } };
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result as T;
}

/** Funds the rewards budget from the deployer. */
export async function fundRewards(dev: Devnet, amount: bigint): Promise<void> {
  await write(dev.url, HH_KEYS[0], dev.addresses.PoAIToken, dev.abis.PoAIToken, "approve", [dev.addresses.RewardsDistributor, amount]);
  await write(dev.url, HH_KEYS[0], dev.addresses.RewardsDistributor, dev.abis.RewardsDistributor, "fund", [amount]);
}

export async function readContract<T>(dev: Devnet, name: string, functionName: string, args: unknown[] = []): Promise<T> {
  const pub = createPublicClient({ transport: http(dev.url) });
  return (await pub.readContract({ address: dev.addresses[name], abi: dev.abis[name], functionName, args })) as T;
}

export type { HardhatNode };
