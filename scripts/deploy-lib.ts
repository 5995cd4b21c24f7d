/**
 * Deploys the PoAI contract set with any ethers v6 signer and wires the roles between them:
 * Settlement may slash on NodeRegistry and reserve budget / publish roots on RewardsDistributor.
 * Used by scripts/deploy.ts, the Hardhat test fixtures, the devnet demo and the oracle tests.
 * Artifacts are read from the Hardhat artifacts directory, so this works inside Hardhat and from
 * plain `npx tsx` alike (run `npx hardhat compile` first).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ContractFactory, type Contract, type Signer } from "ethers";
import { PoaiError, type PoaiErrorOptions } from "../engine/errors";
import { PROTOCOL_ERRORS } from "../protocol/errors";
import { type ProtocolParams } from "../protocol/params";
// The parameters live in the protocol layer (the simulator reads them too); callers of the
// deploy library keep importing them from here.
export { DEVNET_PARAMS, type ProtocolParams } from "../protocol/params";

export const CONTRACT_NAMES = ["PoAIToken", "NodeRegistry", "EpochManager", "RewardsDistributor", "Settlement"] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export interface DeployedContract {
  address: string;
  args: unknown[];
  contract: Contract;
}

export interface ProtocolDeployment {
  chainId: bigint;
  deployer: string;
  deploymentBlock: number;
  params: Required<Omit<ProtocolParams, "token" | "initialMint">> & { token: string; initialMint: bigint };
  contracts: Record<ContractName, DeployedContract>;
}

/** A deployment parameter out of its bounds, or a chain the deployment cannot use (PR101). */
export class DeployParamsError extends PoaiError {
  override name = "DeployParamsError";
  readonly reason = "ParamsBadValue";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super(PROTOCOL_ERRORS.ParamsBadValue, shortMessage, opts);
  }
}

interface Artifact {
  abi: unknown[];
  bytecode: string;
}

/** Reads `<artifactsDir>/contracts/<name>.sol/<name>.json`. */
export function readArtifact(name: ContractName, artifactsDir = path.join(__dirname, "..", "artifacts")): Artifact {
  const file = path.join(artifactsDir, "contracts", `${name}.sol`, `${name}.json`);
  const json = JSON.parse(readFileSync(file, "utf8")) as Artifact;
  return { abi: json.abi, bytecode: json.bytecode };
}

/**
 * Rejects parameter sets the contracts would accept but that break the protocol: stake must stay
 * slashable until a report about the epoch in which it was unbonded can finalize.
 */
export function checkParams(p: ProtocolParams): void {
  if (p.epochLength <= 0n) throw new DeployParamsError("epochLength must be positive");
  if (p.unbondingDelay <= p.epochLength + p.disputeWindow) {
    throw new DeployParamsError(
      `unbondingDelay (${p.unbondingDelay}) must exceed epochLength + disputeWindow (${p.epochLength + p.disputeWindow}) ` +
        "so stake unbonded during an epoch is still slashable when that epoch's report finalizes",
    );
  }
  if (p.slashBurnBps < 0 || p.slashBurnBps > 10_000) throw new DeployParamsError("slashBurnBps must be 0..10000");
  if (p.maxSlashes < 1 || p.maxSlashes > 64) throw new DeployParamsError("maxSlashes must be 1..64");
}

/** Deploys and wires the whole set. Every transaction is awaited to one confirmation. */
export async function deployProtocol(
  signer: Signer,
  params: ProtocolParams,
  opts: { artifactsDir?: string; log?: (msg: string) => void } = {},
): Promise<ProtocolDeployment> {
  checkParams(params);
  const log = opts.log ?? (() => {});
  const provider = signer.provider;
  if (!provider) throw new DeployParamsError("signer has no provider");
  const deployer = await signer.getAddress();
  const admin = params.admin ?? deployer;
  const treasury = params.treasury ?? admin;
  const committee = params.committee ?? [admin];
  const quorum = params.quorum ?? Math.floor(committee.length / 2) + 1;
  const latest = await provider.getBlock("latest");
  if (!latest) throw new DeployParamsError("no latest block");
  const genesis = params.genesis ?? BigInt(latest.timestamp) + params.epochLength;
  const deploymentBlock = latest.number + 1;
  const { chainId } = await provider.getNetwork();

  const deploy = async (name: ContractName, args: unknown[]): Promise<DeployedContract> => {
    const artifact = readArtifact(name, opts.artifactsDir);
    const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, signer);
    const contract = (await factory.deploy(...args)) as unknown as Contract;
    await contract.waitForDeployment();
    const address = await contract.getAddress();
    log(`${name} deployed at ${address}`);
    return { address, args, contract };
  };

  const contracts = {} as Record<ContractName, DeployedContract>;
  let tokenAddress = params.token;
  const initialMint = params.initialMint ?? 0n;
  if (!tokenAddress) {
    contracts.PoAIToken = await deploy("PoAIToken", [deployer]);
    tokenAddress = contracts.PoAIToken.address;
    if (initialMint > 0n) await (await contracts.PoAIToken.contract.mint(deployer, initialMint)).wait();
  }
  // The registry and the distributor start with the deployer as admin so it can wire Settlement; the roles
  // pass to `admin` afterwards (see below).
  contracts.NodeRegistry = await deploy("NodeRegistry", [
    tokenAddress,
    deployer,
    params.unbondingDelay,
    params.jailDuration,
    params.minStakeBase,
    params.minStakePerTflop,
  ]);
  contracts.EpochManager = await deploy("EpochManager", [admin, genesis, params.epochLength, committee, quorum]);
  contracts.RewardsDistributor = await deploy("RewardsDistributor", [tokenAddress, deployer, contracts.NodeRegistry.address]);
  const settlementParams = {
    disputeWindow: params.disputeWindow,
    slashBurnBps: params.slashBurnBps,
    maxSlashes: params.maxSlashes,
    treasury,
    appealBond: params.appealBond,
  };
  contracts.Settlement = await deploy("Settlement", [
    contracts.NodeRegistry.address,
    contracts.EpochManager.address,
    contracts.RewardsDistributor.address,
    admin,
    settlementParams,
  ]);

  // Wiring: the deployer grants Settlement its roles, then, if `admin` is another account, hands every
  // role it holds to `admin` and renounces them.
  const registry = contracts.NodeRegistry.contract;
  const distributor = contracts.RewardsDistributor.contract;
  const settlement = contracts.Settlement.address;
  await (await registry.grantRole(await registry.SLASHER_ROLE(), settlement)).wait();
  await (await distributor.grantRole(await distributor.SETTLEMENT_ROLE(), settlement)).wait();
  // claimToStake: the distributor credits claimed rewards to a node's stake.
  await (await registry.grantRole(await registry.REWARDS_ROLE(), contracts.RewardsDistributor.address)).wait();
  if (admin !== deployer) {
    const handOver = async (c: Contract, roles: string[]) => {
      for (const role of roles) await (await c.grantRole(role, admin)).wait();
      // The admin role last, so the deployer can still renounce the others first.
      for (const role of [...roles].reverse()) await (await c.renounceRole(role, deployer)).wait();
    };
    const adminRole = await registry.DEFAULT_ADMIN_ROLE();
    await handOver(registry, [adminRole, await registry.GOVERNANCE_ROLE()]);
    await handOver(distributor, [adminRole]);
    log(`roles handed to admin ${admin}`);
  }
  log("roles wired: Settlement may slash and publish rewards roots; the distributor may stake claimed rewards");

  return {
    chainId,
    deployer,
    deploymentBlock,
    params: { ...params, token: tokenAddress, admin, treasury, genesis, committee, quorum, initialMint },
    contracts,
  };
}

/** A JSON-safe record of a deployment (bigints as decimal strings), as written to deployments/<network>.json. */
export function deploymentRecord(
  network: string,
  d: ProtocolDeployment,
  commit: string,
  artifactsDir?: string,
): Record<string, unknown> {
  const contracts: Record<string, unknown> = {};
  for (const name of CONTRACT_NAMES) {
    const c = d.contracts[name];
    if (!c) continue;
    contracts[name] = { address: c.address, constructorArgs: c.args, abi: readArtifact(name, artifactsDir).abi };
  }
  const record = {
    network,
    chainId: d.chainId,
    deployer: d.deployer,
    deploymentBlock: d.deploymentBlock,
    commit,
    deployedAt: new Date().toISOString(),
    params: d.params,
    contracts,
  };
  return JSON.parse(JSON.stringify(record, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}
