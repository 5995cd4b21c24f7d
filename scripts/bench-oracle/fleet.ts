/**
 * A large fleet registered fast: one operator owns every node (the registry allows it), its
 * stake minted and approved once, and the registrations sent concurrently with explicit nonces
 * from the operator's unlocked devnet account (the node keys sign their EIP-712 `Registration`
 * here, the operator's transactions are signed by the node). Keys are throw-away devnet keys,
 * kept in memory and handed to the load generator.
 */
import { encodeFunctionData, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { erc20Abi, nodeRegistryAbi, poaiTokenAbi } from "../../protocol/abi";
import { signRegistration } from "../../agent/registration";
import { regionBytes8, type HardwareClaim } from "../../agent/chain";
import { devAccount, DEPLOYER_INDEX, type DevAccount } from "../devnet/accounts";
import type { Devnet } from "../devnet/devnet";

/** Registrations in flight at once. */
export const REGISTER_CONCURRENCY = 64;
/** Gas given to each registration (measured about 190,000; bench:gas): a block of 30 M gas takes 100. */
const REGISTER_GAS = 300_000n;
const MAX_FEE = 100_000_000_000n;
const TIP = 1_000_000_000n;

export interface FleetKey {
  node: Address;
  privateKey: Hex;
}

export interface Fleet {
  operator: DevAccount;
  claim: HardwareClaim;
  keys: FleetKey[];
  registerSeconds: number;
}

/** The smallest claim a node can make: a CPU node of 1 GFLOP/s (challenges are tiny gemms). */
export const SMALL_CLAIM: HardwareClaim = { gpuModel: 0, gpuCount: 1, gflops: 1, vramMiB: 1024, region: regionBytes8("bench") };

async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const j = (await res.json()) as { result?: T; error?: { message: string } };
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result as T;
}

/** Registers `count` new nodes owned by one operator; returns their keys. */
export async function registerFleet(net: Devnet, count: number, o: { operatorIndex: number; claim?: HardwareClaim; log: (m: string) => void }): Promise<Fleet> {
  const t0 = performance.now();
  const claim = o.claim ?? SMALL_CLAIM;
  const operator = devAccount(o.operatorIndex);
  const registry = net.addr("NodeRegistry");
  const token = net.addr("PoAIToken");
  // The operator and the deployer are unlocked accounts of the devnet node: it signs their transactions.
  const send = async (from: Address, to: Address, data: Hex, nonce: number) =>
    rpc<Hex>(net.rpcUrl, "eth_sendTransaction", [
      { from, to, data, nonce: `0x${nonce.toString(16)}`, gas: `0x${REGISTER_GAS.toString(16)}`, maxFeePerGas: `0x${MAX_FEE.toString(16)}`, maxPriorityFeePerGas: `0x${TIP.toString(16)}` },
    ]);
  const need = await net.client.readContract({ address: registry, abi: nodeRegistryAbi, functionName: "minimumStake", args: [claim] });
  const total = need * BigInt(count);
  const deployer = devAccount(DEPLOYER_INDEX).address;
  const waitAll = async (hashes: Hex[]) => {
    // Loop bound: hashes.length / REGISTER_CONCURRENCY batches.
    for (let i = 0; i < hashes.length; i += REGISTER_CONCURRENCY) {
      await Promise.all(
        hashes.slice(i, i + REGISTER_CONCURRENCY).map(async (hash) => {
          const r = await net.client.waitForTransactionReceipt({ hash, pollingInterval: 100 });
          if (r.status !== "success") throw new Error(`transaction ${hash} reverted`);
        }),
      );
    }
  };
  const nonceOf = async (a: Address) => net.client.getTransactionCount({ address: a, blockTag: "pending" });
  await waitAll([await send(deployer, token, encodeFunctionData({ abi: poaiTokenAbi, functionName: "mint", args: [operator.address, total] }), await nonceOf(deployer))]);
  let nonce = await nonceOf(operator.address);
  await waitAll([await send(operator.address, token, encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [registry, total] }), nonce++)]);

  const block = await net.client.getBlock();
  const deadline = block.timestamp + 3600n;
  const keys: FleetKey[] = Array.from({ length: count }, () => {
    const privateKey = generatePrivateKey();
    return { node: privateKeyToAccount(privateKey).address, privateKey };
  });
  // A devnet node that mines each transaction as it comes cannot queue a nonce ahead of the
  // next: mining is paused while the registrations are sent, then blocks are mined until all are in.
  await rpc(net.rpcUrl, "evm_setAutomine", [false]);
  const hashes: Hex[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    // Loop bound: each worker takes keys until all `count` are sent.
    for (let i = next++; i < count; i = next++) {
      const k = keys[i];
      const sig = await signRegistration({ nodePrivateKey: k.privateKey, operator: operator.address, nonce: 0n, deadline, chainId: net.chainId, registry });
      const data = encodeFunctionData({ abi: nodeRegistryAbi, functionName: "register", args: [k.node, claim, need, deadline, sig.signature] });
      hashes[i] = await send(operator.address, registry, data, nonce + i);
      if (++done % 500 === 0) o.log(`  ${done}/${count} registrations sent`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(REGISTER_CONCURRENCY, count) }, worker));
    // Loop bound: every block takes at least one of the `count` transactions.
    for (let blocks = 0; blocks <= count; blocks++) {
      if ((await rpc<unknown>(net.rpcUrl, "eth_getTransactionReceipt", [hashes[count - 1]])) !== null) break;
      await rpc(net.rpcUrl, "evm_mine", []);
    }
  } finally {
    await rpc(net.rpcUrl, "evm_setAutomine", [true]);
  }
  await waitAll(hashes);
  const registered = Number(await net.client.readContract({ address: registry, abi: nodeRegistryAbi, functionName: "nodeCount" }));
  if (registered < count) throw new Error(`only ${registered} of ${count} nodes registered`);
  return { operator, claim, keys, registerSeconds: (performance.now() - t0) / 1000 };
}
