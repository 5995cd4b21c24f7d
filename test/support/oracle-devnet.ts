/**
 * Test helpers for the oracle's tests (not part of the service): a Hardhat node as a child
 * process on a random port in 8600-8699, a deployment with scripts/deploy-lib.ts, node
 * registration with a real node-key signature, rewards funding, and a signed-request client
 * that answers gemm challenges with the engine (the same path the agent takes).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { JsonRpcProvider, NonceManager, Wallet } from "ethers";
import {
  bytesToHex,
  concat,
  createPublicClient,
  createWalletClient,
  http,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { REGISTRATION_TYPES, REGISTRY_DOMAIN_NAME, domain } from "../../protocol";
import { f32Bytes, openGemm, runGemm, type GemmSpec } from "../../engine/gemm";
import { signRequest } from "../../protocol/request-signer";
import { DEVNET_PARAMS, deployProtocol, deploymentRecord, readArtifact } from "../../scripts/deploy-lib";

export const ROOT = resolve(__dirname, "..", "..");
export const E18 = 10n ** 18n;
/** Hardhat's default accounts (mnemonic "test test ... junk"), first five private keys. */
export const HH_KEYS: Hex[] = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f8a8eb9e8d0e3d6cb2d97d1a51f2f3e7e5a3b7d1d0f",
];

export interface HardhatNode {
  url: string;
  port: number;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `npx hardhat node` on a random port in 8600-8699 and waits until it answers. */
export async function startHardhatNode(timeoutMs = 90_000): Promise<HardhatNode> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 8600 + Math.floor(Math.random() * 100);
    const proc = spawn("npx", ["hardhat", "node", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    proc.stdout!.on("data", (d) => (out = (out + d).slice(-4000)));
    proc.stderr!.on("data", (d) => (out = (out + d).slice(-4000)));
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      await new Promise<void>((r) => {
        proc.once("exit", () => r());
        try {
          process.kill(-proc.pid!, "SIGTERM");
        } catch {
          r();
        }
      });
    };
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      if (proc.exitCode !== null) break;
      try {
        const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
        if (res.ok) return { url, port, proc, stop };
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await stop();
    if (!/EADDRINUSE/.test(out)) throw new Error(`hardhat node did not start: ${out.slice(-1000)}`);
  }
  throw new Error("no free port for a hardhat node in 8600-8699");
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
  // `hardhat coverage` leaves instrumented contracts in artifacts/, too large to deploy on a
  // standard node: say so instead of failing with an opaque constructor revert.
  for (const name of ["NodeRegistry", "Settlement"] as const) {
    const size = (readArtifact(name).bytecode.length - 2) / 2;
    const deployed = (JSON.parse(readFileSync(join(ROOT, "artifacts", "contracts", `${name}.sol`, `${name}.json`), "utf8")).deployedBytecode.length - 2) / 2;
    if (deployed > 24_576) {
      throw new Error(`artifacts/ holds coverage-instrumented contracts (${name} is ${deployed} bytes of code, init ${size}): run \`npx hardhat compile --force\` first`);
    }
  }
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
  const sig = await node.signTypedData({
    domain: domain(REGISTRY_DOMAIN_NAME, dev.chainId, registry),
    types: REGISTRATION_TYPES,
    primaryType: "Registration",
    message: { operator, nodeKey: node.address, nonce, deadline },
  });
  await write(dev.url, operatorKey, registry, dev.abis.NodeRegistry, "register", [node.address, claim, amount, deadline, sig]);
  return { node, nodeKey, operator };
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

/** A signed request to the oracle; returns status and parsed JSON. */
export async function signedFetch(
  base: string,
  ctx: { account: PrivateKeyAccount; chainId: number; registry: Address },
  method: string,
  path: string,
  body?: unknown,
  over: { timestamp?: bigint; nonce?: Hex; rawBody?: Uint8Array; headers?: Record<string, string | undefined> } = {},
): Promise<{ status: number; json: any; headers: Headers }> {
  const bytes = over.rawBody ?? (body === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(body)));
  const signed = await signRequest(ctx, method, path, bytes, { timestamp: over.timestamp, nonce: over.nonce });
  const headers: Record<string, string> = { "content-type": "application/json", ...signed.headers };
  for (const [k, v] of Object.entries(over.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  const res = await fetch(base + path, { method, headers, body: method === "GET" ? undefined : Buffer.from(bytes) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Runs one challenge honestly (or with a corrupted row) the way the agent does. */
export async function answerChallenge(
  base: string,
  ctx: { account: PrivateKeyAccount; chainId: number; registry: Address },
  o: { corrupt?: boolean } = {},
): Promise<{ challengeId?: string; verdict?: string; status: number }> {
  const next = await signedFetch(base, ctx, "POST", "/v1/challenges/next", {});
  if (next.status !== 200) return { status: next.status };
  const ch = next.json;
  const spec = ch.spec as GemmSpec;
  const run = await runGemm(spec, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
  const commit = await signedFetch(base, ctx, "POST", `/v1/challenges/${ch.challengeId}/commit`, { root: run.root });
  if (commit.status !== 200) return { challengeId: ch.challengeId, status: commit.status };
  const openings = openGemm(run, commit.json.openings).map((x) => {
    const row = x.row.slice();
    if (o.corrupt) row[0] += 1;
    return { index: x.index, data: bytesToHex(concat([f32Bytes(row), f32Bytes(x.group)])), proof: x.proof };
  });
  const open = await signedFetch(base, ctx, "POST", `/v1/challenges/${ch.challengeId}/open`, { openings });
  return { challengeId: ch.challengeId, verdict: open.json?.verdict, status: open.status };
}

export { readArtifact };
