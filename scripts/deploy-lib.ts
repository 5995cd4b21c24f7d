/**
 * Deploys the PoAI contract set with any ethers v6 signer and wires the roles between them:
 * Settlement may slash on NodeRegistry and reserve budget / publish roots on RewardsDistributor; the
 * LeaseManager may lock leased nodes on NodeRegistry (LEASE_ROLE).
 * After deployment (see `deployProtocol`'s steps and docs/security.md, "Governance"):
 * - SLASHER_ROLE (registry) and SETTLEMENT_ROLE (distributor) are held by Settlement alone and nobody can
 *   grant them again: SLASHER_ROLE administers itself and the deployer renounced it; the distributor's
 *   DEFAULT_ADMIN_ROLE is renounced. LEASE_ROLE (registry) likewise, held by the LeaseManager alone.
 * - Every parameter and role-admin role (GOVERNANCE_ROLE, DEFAULT_ADMIN_ROLE) is held by the timelock
 *   (PoAITimelock, delay > unbonding delay), whose only proposer is `admin`.
 * - GUARDIAN_ROLE (veto, appeal decisions, pause; cancel on the timelock) is held by `guardian`.
 * - The deployer holds nothing (unless it is the guardian).
 * Used by scripts/deploy.ts, the Hardhat test fixtures, the devnet demo and the oracle tests.
 * Artifacts are read from the Hardhat artifacts directory, so this works inside Hardhat and from
 * plain `npx tsx` alike (run `npx hardhat compile` first).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ContractFactory, type Contract, type Signer } from "ethers";
import { PoaiError, type PoaiErrorOptions } from "../engine/errors";
import { PROTOCOL_ERRORS } from "../protocol/errors";
import { DEFAULT_LEASE_NOTICE, defaultLeaseSettleTimeout, type ProtocolParams } from "../protocol/params";
// The parameters live in the protocol layer (the simulator reads them too); callers of the
// deploy library keep importing them from here.
export { DEVNET_PARAMS, type ProtocolParams } from "../protocol/params";

export const CONTRACT_NAMES = [
  "PoAIToken",
  "NodeRegistry",
  "EpochManager",
  "RewardsDistributor",
  "Settlement",
  "PoAITimelock",
  "LeaseManager",
] as const;
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
  const timelockDelay = timelockDelayOf(p);
  if (timelockDelay <= p.unbondingDelay) {
    throw new DeployParamsError(
      `timelockDelay (${timelockDelay}) must exceed unbondingDelay (${p.unbondingDelay}) ` +
        "so an operator who sees a change scheduled can exit before it applies",
    );
  }
  if (p.unbondingDelay <= p.epochLength + p.disputeWindow) {
    throw new DeployParamsError(
      `unbondingDelay (${p.unbondingDelay}) must exceed epochLength + disputeWindow (${p.epochLength + p.disputeWindow}) ` +
        "so stake unbonded during an epoch is still slashable when that epoch's report finalizes",
    );
  }
  if (p.slashBurnBps < 0 || p.slashBurnBps > 10_000) throw new DeployParamsError("slashBurnBps must be 0..10000");
  if (p.maxSlashes < 1 || p.maxSlashes > 64) throw new DeployParamsError("maxSlashes must be 1..64");
  const notice = p.leaseNotice ?? DEFAULT_LEASE_NOTICE;
  if (notice < 60n || notice > 7n * 86_400n) throw new DeployParamsError("leaseNotice must be 60 s .. 7 days");
  const timeout = p.leaseSettleTimeout ?? defaultLeaseSettleTimeout(p);
  if (timeout < 3600n || timeout > 90n * 86_400n || timeout <= p.epochLength + p.disputeWindow) {
    throw new DeployParamsError(
      `leaseSettleTimeout (${timeout}) must be 1 h .. 90 days and exceed epochLength + disputeWindow ` +
        `(${p.epochLength + p.disputeWindow}) so a lease's report can finalize before its renter reclaims`,
    );
  }
}

/** Seconds of chain time the deployment's transactions may take (at least one second per block). */
export const DEPLOY_BLOCKS = 40n;

/** The timelock delay of a parameter set: its own, or unbondingDelay + epochLength + disputeWindow. */
export function timelockDelayOf(p: ProtocolParams): bigint {
  return p.timelockDelay ?? p.unbondingDelay + p.epochLength + p.disputeWindow;
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
  const guardian = params.guardian ?? admin;
  const timelockDelay = timelockDelayOf(params);
  const treasury = params.treasury ?? admin;
  const committee = params.committee ?? [admin];
  const quorum = params.quorum ?? Math.floor(committee.length / 2) + 1;
  const latest = await provider.getBlock("latest");
  if (!latest) throw new DeployParamsError("no latest block");
  // Epoch 0 starts one epoch after the deployment's last transaction: the ~32 transactions below each take a
  // block, and a chain that mines faster than one block a second still advances its clock a second a block.
  const genesis = params.genesis ?? BigInt(latest.timestamp) + DEPLOY_BLOCKS + params.epochLength;
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
  // Every contract starts with the deployer holding its roles so it can wire them; the roles pass to the
  // timelock and the guardian afterwards, and the deployer renounces its own (see below).
  contracts.NodeRegistry = await deploy("NodeRegistry", [
    tokenAddress,
    deployer,
    params.unbondingDelay,
    params.jailDuration,
    params.minStakeBase,
    params.minStakePerTflop,
  ]);
  contracts.EpochManager = await deploy("EpochManager", [deployer, genesis, params.epochLength, committee, quorum]);
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
    deployer,
    settlementParams,
  ]);
  // Governance: `admin` proposes, anyone executes a ready operation, the guardian may cancel.
  contracts.PoAITimelock = await deploy("PoAITimelock", [
    timelockDelay,
    [admin],
    ["0x0000000000000000000000000000000000000000"],
    guardian,
    contracts.NodeRegistry.address,
  ]);

  const leaseNotice = params.leaseNotice ?? DEFAULT_LEASE_NOTICE;
  const leaseSettleTimeout = params.leaseSettleTimeout ?? defaultLeaseSettleTimeout(params);
  contracts.LeaseManager = await deploy("LeaseManager", [
    contracts.NodeRegistry.address,
    contracts.Settlement.address,
    contracts.EpochManager.address,
    deployer,
    leaseNotice,
    leaseSettleTimeout,
  ]);

  // Wiring: the deployer grants Settlement its roles and links the registry to the contracts that bound its
  // unbonding delay, then grants every other role to the timelock or the guardian and renounces its own.
  const registry = contracts.NodeRegistry.contract;
  const epochs = contracts.EpochManager.contract;
  const distributor = contracts.RewardsDistributor.contract;
  const settlementC = contracts.Settlement.contract;
  const settlement = contracts.Settlement.address;
  const leases = contracts.LeaseManager.contract;
  const timelock = contracts.PoAITimelock.address;
  const send = async (tx: Promise<{ wait: () => Promise<unknown> }>) => {
    await (await tx).wait();
  };
  await send(registry.grantRole(await registry.SLASHER_ROLE(), settlement));
  await send(distributor.grantRole(await distributor.SETTLEMENT_ROLE(), settlement));
  // claimToStake: the distributor credits claimed rewards to a node's stake.
  await send(registry.grantRole(await registry.REWARDS_ROLE(), contracts.RewardsDistributor.address));
  // Leases: the LeaseManager locks a leased node against exit until the lease ends.
  await send(registry.grantRole(await registry.LEASE_ROLE(), contracts.LeaseManager.address));
  await send(registry.linkGovernance(contracts.EpochManager.address, settlement, timelock));
  const adminRole = await registry.DEFAULT_ADMIN_ROLE();
  const governanceRole = await registry.GOVERNANCE_ROLE();
  const guardianRole = await registry.GUARDIAN_ROLE();
  // [contract, role, new holder or null (renounced)]. DEFAULT_ADMIN_ROLE last on each contract.
  const handOver: [Contract, string, string | null][] = [
    [registry, guardianRole, guardian],
    [registry, governanceRole, timelock],
    [registry, await registry.SLASHER_ROLE(), null],
    [registry, await registry.REWARDS_ROLE(), null],
    [registry, await registry.LEASE_ROLE(), null],
    [registry, adminRole, timelock],
    [epochs, governanceRole, timelock],
    [epochs, adminRole, timelock],
    [settlementC, guardianRole, guardian],
    [settlementC, governanceRole, timelock],
    [settlementC, adminRole, timelock],
    [distributor, adminRole, null],
    [leases, governanceRole, timelock],
    [leases, adminRole, timelock],
  ];
  const isDeployer = (a: string | null) => a !== null && a.toLowerCase() === deployer.toLowerCase();
  for (const [c, role, holder] of handOver) {
    if (holder !== null && !isDeployer(holder)) await send(c.grantRole(role, holder));
    if (!isDeployer(holder)) await send(c.renounceRole(role, deployer));
  }
  log(`roles handed over: parameters and role admin to the timelock ${timelock} (delay ${timelockDelay} s), ` +
    `guardian ${guardian}, proposer ${admin}; the deployer holds nothing it does not act as`);
  log(
    "roles wired: Settlement may slash and publish rewards roots; the distributor may stake claimed rewards; " +
      "the LeaseManager may lock leased nodes",
  );

  return {
    chainId,
    deployer,
    deploymentBlock,
    params: {
      ...params,
      token: tokenAddress,
      admin,
      guardian,
      timelockDelay,
      treasury,
      genesis,
      committee,
      quorum,
      initialMint,
      leaseNotice,
      leaseSettleTimeout,
    },
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
