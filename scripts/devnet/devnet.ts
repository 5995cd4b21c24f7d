/**
 * A whole PoAI devnet in one process tree, used by the demo and the agent's integration test:
 * a Hardhat node (or an external RPC), the protocol deployed with short epochs, a funded
 * rewards pool, registered nodes with encrypted keystores, one or three oracle processes and
 * one agent process per node. Every child is stopped by `children.ts` on exit.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { JsonRpcProvider, NonceManager, Wallet, type Contract } from "ethers";
import { createPublicClient, createWalletClient, http, parseAbi, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEVNET_PARAMS, deployProtocol, deploymentRecord, type ProtocolDeployment } from "../deploy-lib";
import { spawnChild, type Child } from "./children";
import { startHardhatNode, freePort, rpcReady } from "./node";
import { devAccount, COMMITTEE_INDICES, DEPLOYER_INDEX, type DevAccount } from "./accounts";
import { writeKeystore, MIN_SCRYPT_N } from "../../agent/keystore";
import { registerOnChain } from "../../agent/registration";
import { devChain, regionBytes8, type HardwareClaim } from "../../agent/chain";
import type { BehaviourName } from "../../redteam/behaviours";

export const ROOT = resolve(__dirname, "..", "..");
export const E18 = 10n ** 18n;
/** Password of the demo's throw-away node keystores. */
export const DEMO_KEY_PASSWORD = "poai-demo-devnet-only";
/** Tokens minted to each operator. */
export const OPERATOR_MINT = 100_000n * E18;
/** Longest wait for an oracle's HTTP API to come up, ms. */
export const ORACLE_START_TIMEOUT_MS = 90_000;

const REGISTRY_VIEW_ABI = parseAbi(["function minimumStake((uint16,uint16,uint32,uint32,bytes8) claim) view returns (uint256)"]);
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

export interface Devnet {
  rpcUrl: string;
  chainId: number;
  client: PublicClient;
  deployment: ProtocolDeployment;
  deploymentFile: string;
  committee: DevAccount[];
  quorum: number;
  addr(name: keyof ProtocolDeployment["contracts"]): Address;
  hardhat?: Child;
}

export interface DevnetOptions {
  workDir: string;
  /** External JSON-RPC; without it a Hardhat node is started. */
  rpcUrl?: string;
  /** Port for the Hardhat node (a free one is used if taken). */
  port?: number;
  epochSeconds: bigint;
  disputeSeconds: bigint;
  committeeSize: 1 | 3;
  rewardsPool: bigint;
  log: (msg: string) => void;
  hardhatLog?: (line: string) => void;
}

export async function startDevnet(o: DevnetOptions): Promise<Devnet> {
  if (!existsSync(join(ROOT, "artifacts", "contracts", "Settlement.sol", "Settlement.json"))) {
    o.log("compiling the contracts (artifacts/ is missing)");
    const c = spawnChild("compile", join(ROOT, "node_modules", ".bin", "hardhat"), ["compile"], { cwd: ROOT });
    if ((await c.exited) !== 0) throw new Error("npx hardhat compile failed");
  }
  checkArtifacts();
  let rpcUrl: string;
  let hardhat: Child | undefined;
  if (o.rpcUrl) {
    rpcUrl = o.rpcUrl;
    if ((await rpcReady(rpcUrl)) === undefined) throw new Error(`no JSON-RPC node answers at ${rpcUrl}`);
    o.log(`using the external node at ${rpcUrl}`);
  } else {
    const started = await startHardhatNode({ port: o.port ?? 8545, log: o.hardhatLog });
    rpcUrl = started.url;
    hardhat = started.child;
    o.log(`Hardhat node started on ${rpcUrl}`);
  }
  const provider = new JsonRpcProvider(rpcUrl, undefined, { polling: true, pollingInterval: 250 });
  const chainId = Number((await provider.getNetwork()).chainId);
  await syncChainClock(provider, o.log);
  // A block every second keeps block time (the epoch clock) moving between transactions.
  await provider.send("evm_setIntervalMining", [1000]).catch(() => o.log("the node does not support evm_setIntervalMining: block time moves with transactions only"));
  const client = createPublicClient({ chain: devChain(chainId, rpcUrl), transport: http(rpcUrl) }) as PublicClient;

  const deployerAcc = devAccount(DEPLOYER_INDEX);
  const deployer = new NonceManager(new Wallet(deployerAcc.privateKey, provider));
  const committee = (o.committeeSize === 3 ? COMMITTEE_INDICES : [COMMITTEE_INDICES[0]]).map(devAccount);
  const quorum = o.committeeSize === 3 ? 2 : 1;
  const params = {
    ...DEVNET_PARAMS,
    epochLength: o.epochSeconds,
    disputeWindow: o.disputeSeconds,
    // Stake must stay slashable until an epoch's report finalizes (deploy-lib checks it).
    unbondingDelay: o.epochSeconds * 4n + o.disputeSeconds,
    jailDuration: o.epochSeconds * 10n,
    committee: committee.map((m) => m.address),
    quorum,
  };
  const deployment = await deployProtocol(deployer, params, { log: (m) => o.log(`deploy: ${m}`) });
  const record = deploymentRecord(`devnet-${chainId}`, deployment, "devnet");
  const deploymentFile = join(o.workDir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(record, null, 2));
  const addr = (n: keyof ProtocolDeployment["contracts"]) => deployment.contracts[n].address as Address;

  const token = deployment.contracts.PoAIToken.contract as Contract;
  const distributor = deployment.contracts.RewardsDistributor.contract as Contract;
  await (await token.mint(deployerAcc.address, o.rewardsPool)).wait();
  await (await token.approve(addr("RewardsDistributor"), o.rewardsPool)).wait();
  await (await distributor.fund(o.rewardsPool)).wait();
  return { rpcUrl, chainId, client, deployment, deploymentFile, committee, quorum, addr, hardhat };
}

/**
 * The oracle's clock is the wall clock; the contracts' is block time. A fresh Hardhat node runs a
 * few seconds behind (its clock starts before it serves), so the next block is stamped with the
 * wall time and later blocks follow from there. Time never moves backwards: a chain ahead of the
 * wall clock is only reported.
 */
export async function checkChainClock(net: Devnet, log: (m: string) => void): Promise<void> {
  const latest = await net.client.getBlock();
  const ahead = Number(latest.timestamp) - Math.floor(Date.now() / 1000);
  if (ahead > 2) {
    log(`WARNING: chain time is ${ahead} s ahead of the wall clock (each transaction burst advanced it); the oracle (wall clock) sees epochs ${ahead} s late. Start the node with \`npx hardhat --config scripts/devnet/hardhat-node.config.ts node\` to keep them together.`);
  }
}

export async function syncChainClock(provider: JsonRpcProvider, log: (m: string) => void): Promise<void> {
  const latest = await provider.getBlock("latest");
  const now = Math.ceil(Date.now() / 1000);
  if (!latest) return;
  if (latest.timestamp < now - 1) {
    const ok = await provider
      .send("evm_setNextBlockTimestamp", [now])
      .then(() => provider.send("evm_mine", []))
      .then(() => true)
      .catch(() => false);
    if (!ok) log(`chain time is ${now - latest.timestamp} s behind the wall clock and the node cannot be adjusted; epochs will look late to the oracle`);
  } else if (latest.timestamp > now + 2) {
    log(`chain time is ${latest.timestamp - now} s ahead of the wall clock: the oracle (wall clock) will see epochs later than the contracts`);
  }
}

/**
 * `hardhat coverage` rewrites artifacts/ with the optimizer off, and such contracts exceed the
 * 24 KB code-size limit a normal node enforces (deployment reverts without a reason). Say so
 * instead of failing obscurely.
 */
export function checkArtifacts(): void {
  const dbg = join(ROOT, "artifacts", "contracts", "NodeRegistry.sol", "NodeRegistry.dbg.json");
  if (!existsSync(dbg)) return;
  const buildInfo = resolve(dirname(dbg), (JSON.parse(readFileSync(dbg, "utf8")) as { buildInfo: string }).buildInfo);
  if (!existsSync(buildInfo)) return;
  const info = JSON.parse(readFileSync(buildInfo, "utf8")) as { input?: { settings?: { optimizer?: { enabled?: boolean } } } };
  if (info.input?.settings?.optimizer?.enabled === false) {
    throw new Error("artifacts/ holds a build without the optimizer (left by `hardhat coverage`); its contracts exceed the 24 KB code-size limit. Run `npx hardhat compile --force` first.");
  }
}

export interface RegisteredNode {
  name: string;
  behaviour: BehaviourName;
  node: Address;
  operator: DevAccount;
  keystore: string;
  claim: HardwareClaim;
  stake: bigint;
}

/** Mints stake to `operator`, creates the node's keystore and registers it on chain. */
export async function registerNode(
  net: Devnet,
  o: { workDir: string; name: string; behaviour: BehaviourName; operator: DevAccount; claim: Omit<HardwareClaim, "region"> & { region?: string }; extraStake?: bigint },
): Promise<RegisteredNode> {
  const nodeWallet = Wallet.createRandom();
  const keystore = join(o.workDir, `${o.name}.json`);
  await writeKeystore(keystore, nodeWallet, DEMO_KEY_PASSWORD, { scryptN: MIN_SCRYPT_N });
  const claim: HardwareClaim = { ...o.claim, region: regionBytes8(o.claim.region ?? "devnet") };
  const need = (await net.client.readContract({
    address: net.addr("NodeRegistry"),
    abi: REGISTRY_VIEW_ABI,
    functionName: "minimumStake",
    args: [[claim.gpuModel, claim.gpuCount, claim.gflops, claim.vramMiB, claim.region]],
  })) as bigint;
  const stake = need + (o.extraStake ?? 100n * E18);
  const token = net.deployment.contracts.PoAIToken.contract as Contract;
  await (await token.mint(o.operator.address, OPERATOR_MINT)).wait();
  await registerOnChain({
    client: net.client,
    chain: devChain(net.chainId, net.rpcUrl),
    rpcUrl: net.rpcUrl,
    registry: net.addr("NodeRegistry"),
    nodePrivateKey: nodeWallet.privateKey as Hex,
    operatorPrivateKey: o.operator.privateKey,
    claim,
    amount: stake,
  });
  return { name: o.name, behaviour: o.behaviour, node: nodeWallet.address as Address, operator: o.operator, keystore, claim, stake };
}

export interface OracleProcess {
  url: string;
  child: Child;
  member: DevAccount;
}

/** Starts one oracle process per committee member (oracle/cli.ts, configured by POAI_* variables). */
export async function startOracles(
  net: Devnet,
  o: { workDir: string; env?: NodeJS.ProcessEnv; onLine?: (index: number, line: string) => void; ports?: number[] },
): Promise<OracleProcess[]> {
  const ports = o.ports ?? (await Promise.all(net.committee.map(() => freePort())));
  const all = net.committee.map((m, j) => ({ address: m.address, url: `http://127.0.0.1:${ports[j]}` }));
  const oracles: OracleProcess[] = [];
  for (const [i, member] of net.committee.entries()) {
    const env: NodeJS.ProcessEnv = {
      POAI_RPC_URL: net.rpcUrl,
      POAI_DEPLOYMENT: net.deploymentFile,
      POAI_ORACLE_KEY: member.privateKey,
      POAI_HOST: "127.0.0.1",
      POAI_PORT: String(ports[i]),
      POAI_DB: join(o.workDir, `oracle-${i}.sqlite`),
      POAI_COMMITTEE: JSON.stringify(all),
      ...o.env,
    };
    const child = spawnChild(`oracle-${i}`, process.execPath, ["--import", "tsx", join(ROOT, "oracle", "cli.ts"), "start"], {
      cwd: ROOT,
      env,
      onLine: (line) => o.onLine?.(i, line),
    });
    oracles.push({ url: all[i].url, child, member });
  }
  for (const orc of oracles) await waitHttp(`${orc.url}/healthz`, ORACLE_START_TIMEOUT_MS, orc.child);
  return oracles;
}

/**
 * Starts a node's agent as its own process, JSON log lines to `onLine`: an honest node runs the
 * operators' agent (`agent run`), a cheater the red team's (`redteam run --behaviour B`), which
 * is the same run wiring with a cheating solver.
 */
export function startAgent(n: RegisteredNode, o: { oracleUrl: string; rpcUrl: string; onLine?: (line: string, stream: "stdout" | "stderr") => void; extraArgs?: string[] }): Child {
  const entry = n.behaviour === "honest" ? [join(ROOT, "agent", "cli.ts"), "run"] : [join(ROOT, "redteam", "cli.ts"), "run", "--behaviour", n.behaviour];
  return spawnChild(
    `agent-${n.name}`,
    process.execPath,
    ["--import", "tsx", ...entry, "--oracle", o.oracleUrl, "--keystore", n.keystore, "--rpc", o.rpcUrl, "--log", "json", ...(o.extraArgs ?? [])],
    { cwd: ROOT, env: { POAI_KEY_PASSWORD: DEMO_KEY_PASSWORD }, onLine: o.onLine },
  );
}

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

export async function waitHttp(url: string, timeoutMs: number, child?: Child): Promise<void> {
  const until = Date.now() + timeoutMs;
  // Loop bound: timeoutMs of 250 ms polls.
  while (Date.now() < until) {
    if (child && child.proc.exitCode !== null) throw new Error(`${child.name} exited with code ${child.proc.exitCode} before serving ${url}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.status < 500) return;
    } catch {
      /* not up yet */
    }
    await sleep(250);
  }
  throw new Error(`${child?.name ?? "server"} did not serve ${url} within ${timeoutMs / 1000} s`);
}
