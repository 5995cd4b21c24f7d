/**
 * A whole PoAI devnet, used by the demo and the e2e tests: a Hardhat node (node.ts) or an
 * external RPC, the protocol deployed with short epochs (deploy.ts) and a funded rewards pool.
 * Nodes, oracle and agent processes are fleet.ts; reads and reward claims reads.ts. Every child
 * is stopped by children.ts on exit.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JsonRpcProvider, NonceManager, Wallet, type Contract } from "ethers";
import { createPublicClient, http, type Address, type PublicClient } from "viem";
import { DEVNET_PARAMS, deployProtocol, deploymentRecord, type ProtocolDeployment } from "../deploy-lib";
import { spawnChild, type Child } from "./children";
import { ROOT, startHardhatNode, rpcReady } from "./node";
import { devAccount, COMMITTEE_INDICES, DEPLOYER_INDEX, type DevAccount } from "./accounts";
import { checkArtifacts } from "./artifacts";
import { syncChainClock } from "./clock";
import { devChain } from "../../agent/chain";

export const E18 = 10n ** 18n;

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
  /** Start of epoch 0 (unix seconds); default one epoch after the deployment (deploy-lib.ts). */
  genesis?: bigint;
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
    ...(o.genesis !== undefined ? { genesis: o.genesis } : {}),
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
