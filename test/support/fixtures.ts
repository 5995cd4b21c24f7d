/**
 * Shared Hardhat fixtures and helpers: deploy the whole PoAI set with scripts/deploy-lib.ts, register
 * nodes with a node-key signature, commit seeds, build rewards trees, sign and submit epoch reports,
 * and read the protocol's token balance next to what it must account for.
 */
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { HDNodeWallet, Signer } from "ethers";
import type { SignerWithAddress } from "@nomicfoundation/hardhat-ethers/signers";
import type { Address, Hex } from "viem";
import { deployProtocol, type ProtocolParams } from "../../scripts/deploy-lib";
import { timelockSigner } from "../../scripts/hardhat-protocol";
import {
  EpochManager__factory,
  LeaseManager__factory,
  NodeRegistry__factory,
  PoAITimelock__factory,
  PoAIToken__factory,
  RewardsDistributor__factory,
  Settlement__factory,
  type EpochManager,
  type LeaseManager,
  type NodeRegistry,
  type PoAITimelock,
  type PoAIToken,
  type RewardsDistributor,
  type Settlement,
} from "../../typechain-types";
import { SlashReason, seedCommitment, type EpochReport, type SlashEntry } from "../../protocol";
import { buildReport, signRegistration, signReport, slashTuple } from "./signing";

const { ethers } = hre;

export const E18 = 10n ** 18n;
/** Tokens minted to every test account. */
export const MINTED = 1_000_000n * E18;
/** The fixture commits the seeds of epochs 0..PRECOMMITTED_EPOCHS-1 before genesis. */
export const PRECOMMITTED_EPOCHS = 10n;

/**
 * Parameters of the test deployment: one-hour epochs, a one-day dispute window, a week of unbonding and
 * an eight-day timelock.
 */
export const TEST_PARAMS: ProtocolParams = {
  epochLength: 3600n,
  unbondingDelay: 7n * 86_400n,
  timelockDelay: 8n * 86_400n,
  jailDuration: 3n * 86_400n,
  minStakeBase: 100n * E18,
  minStakePerTflop: 10n * E18,
  disputeWindow: 86_400n,
  slashBurnBps: 5_000,
  appealBond: 50n * E18,
  maxSlashes: 16,
  initialMint: 0n,
};

export interface HardwareClaimStruct {
  gpuModel: number;
  gpuCount: number;
  gflops: number;
  vramMiB: number;
  region: string;
}

/** A bytes8 region code from a short ASCII name. */
export function region(name: string): string {
  const hex = Buffer.from(name, "ascii").toString("hex").padEnd(16, "0");
  if (hex.length > 16) throw new Error(`region "${name}" longer than 8 bytes`);
  return "0x" + hex;
}

export function claimOf(gflops: number, over: Partial<HardwareClaimStruct> = {}): HardwareClaimStruct {
  return { gpuModel: 1, gpuCount: 1, gflops, vramMiB: 24_576, region: region("eu-west"), ...over };
}

/** Minimum stake as the registry computes it: base + ceil(perTflop * gflops / 1000). */
export function minStakeFor(gflops: number, p: ProtocolParams = TEST_PARAMS): bigint {
  return p.minStakeBase + (p.minStakePerTflop * BigInt(gflops) + 999n) / 1000n;
}

/** The deterministic seed of an epoch in tests. */
export function seedOf(epoch: bigint): Hex {
  return ethers.keccak256(ethers.toUtf8Bytes(`poai-test-seed-${epoch}`)) as Hex;
}

export async function deployFixture() {
  const signers = await ethers.getSigners();
  const [governance, treasury, m1, m2, m3, funder, op1, op2, op3, op4, outsider] = signers;
  const committee = [m1, m2, m3];
  const deployment = await deployProtocol(
    governance,
    { ...TEST_PARAMS, treasury: treasury.address, committee: committee.map((m) => m.address), quorum: 2 },
    { artifactsDir: hre.config.paths.artifacts },
  );
  const c = deployment.contracts;
  const token: PoAIToken = PoAIToken__factory.connect(c.PoAIToken.address, governance);
  const registry: NodeRegistry = NodeRegistry__factory.connect(c.NodeRegistry.address, governance);
  const epochs: EpochManager = EpochManager__factory.connect(c.EpochManager.address, governance);
  const distributor: RewardsDistributor = RewardsDistributor__factory.connect(c.RewardsDistributor.address, governance);
  const settlement: Settlement = Settlement__factory.connect(c.Settlement.address, governance);
  const timelock: PoAITimelock = PoAITimelock__factory.connect(c.PoAITimelock.address, governance);
  const leases: LeaseManager = LeaseManager__factory.connect(c.LeaseManager.address, governance);
  const operators = [op1, op2, op3, op4];
  for (const a of [funder, ...operators, outsider]) await token.mint(a.address, MINTED);
  for (let e = 0n; e < PRECOMMITTED_EPOCHS; e++) {
    await epochs.connect(m1).commitSeed(e, seedCommitment(e, seedOf(e)));
  }
  return {
    token,
    registry,
    epochs,
    distributor,
    settlement,
    timelock,
    leases,
    /** The deployer: the timelock's proposer and the guardian (veto, appeals, pause); default runner. */
    governance,
    /**
     * The timelock as its targets see it executing (impersonated), for unit tests of setters and role
     * grants; test/attacks/governance.test.ts drives the real schedule, wait and execute.
     */
    timelockSigner: await timelockSigner(c.PoAITimelock.address),
    treasury,
    committee,
    funder,
    operators,
    outsider,
    chainId: deployment.chainId,
    params: deployment.params,
    deployment,
  };
}

export type Fixture = Awaited<ReturnType<typeof deployFixture>>;

export interface RegisteredNode {
  nodeKey: HDNodeWallet;
  node: string;
  operator: SignerWithAddress;
  claim: HardwareClaimStruct;
  amount: bigint;
}

/**
 * A signature deadline 30 days after the latest block. Generous on purpose: after a fixture snapshot is
 * restored, the next block's time follows the wall clock, which may be far past the snapshot's last block
 * on a slow run (coverage).
 */
export async function futureDeadline(): Promise<bigint> {
  return BigInt(await time.latest()) + 30n * 86_400n;
}

/** Signs the node key's consent for `operator` (next nonce, deadline from `futureDeadline`). */
export async function registrationSig(
  fx: Fixture,
  nodeKey: Signer,
  operator: string,
  over: { nonce?: bigint; deadline?: bigint } = {},
) {
  const nodeAddr = await nodeKey.getAddress();
  const nonce = over.nonce ?? (await fx.registry.nonces(nodeAddr));
  const deadline = over.deadline ?? (await futureDeadline());
  const sig = await signRegistration(nodeKey, fx.chainId, await fx.registry.getAddress(), {
    operator,
    nodeKey: nodeAddr,
    nonce,
    deadline,
  });
  return { sig, deadline, nonce };
}

/** Approves and registers a fresh node key for `operator` with the minimum stake (or `amount`). */
export async function registerNode(
  fx: Fixture,
  operator: SignerWithAddress,
  opts: { gflops?: number; amount?: bigint; nodeKey?: HDNodeWallet } = {},
): Promise<RegisteredNode> {
  const gflops = opts.gflops ?? 10_000;
  const claim = claimOf(gflops);
  const amount = opts.amount ?? minStakeFor(gflops);
  const nodeKey = opts.nodeKey ?? ethers.Wallet.createRandom();
  const { sig, deadline } = await registrationSig(fx, nodeKey, operator.address);
  await fx.token.connect(operator).approve(await fx.registry.getAddress(), amount);
  await fx.registry.connect(operator).register(nodeKey.address, claim, amount, deadline, sig);
  return { nodeKey, node: nodeKey.address, operator, claim, amount };
}

/** Funds the rewards budget from the funder account. */
export async function fundRewards(fx: Fixture, amount: bigint) {
  await fx.token.connect(fx.funder).approve(await fx.distributor.getAddress(), amount);
  await fx.distributor.connect(fx.funder).fund(amount);
}

/** OpenZeppelin standard tree of `[account, cumulativeAmount]`. */
export function rewardsTree(entries: [string, bigint][]) {
  return StandardMerkleTree.of(entries, ["address", "uint256"]);
}

export function proofFor(tree: StandardMerkleTree<[string, bigint]>, account: string): string[] {
  for (const [i, v] of tree.entries()) {
    if (v[0].toLowerCase() === account.toLowerCase()) return tree.getProof(i);
  }
  throw new Error(`no leaf for ${account}`);
}

export function slashEntry(node: string, bps: number, reason = SlashReason.Fraud, evidenceTag = "evidence"): SlashEntry {
  return {
    node: node as Address,
    bps,
    reason,
    evidence: ethers.keccak256(ethers.toUtf8Bytes(`${evidenceTag}:${node}`)) as Hex,
  };
}

/** Advances the chain clock to the end of `epoch` (the earliest a report is accepted). */
export async function endEpoch(fx: Fixture, epoch: bigint) {
  const end = await fx.epochs.epochEnd(epoch);
  if (BigInt(await time.latest()) < end) await time.increaseTo(end);
}

export interface PreparedReport {
  report: EpochReport;
  slashes: ReturnType<typeof slashTuple>[];
  signatures: string[];
}

/** Builds and signs a report (by the first `signerCount` committee members, default: all three). */
export async function prepareReport(
  fx: Fixture,
  fields: {
    epoch: bigint;
    /** Defaults to the chain's tip (the report the next one must build on). */
    parent?: Hex;
    rewardsRoot?: Hex;
    rewardsTotal?: bigint;
    slashes?: SlashEntry[];
    /** The report's leases root (protocol/leases.ts); zero when omitted. */
    leasesRoot?: Hex;
    seed?: Hex;
    configVersion?: bigint;
    signers?: Signer[];
  },
): Promise<PreparedReport> {
  const report = buildReport({
    epoch: fields.epoch,
    parent: fields.parent ?? ((await fx.settlement.tip()).digest as Hex),
    seed: fields.seed ?? seedOf(fields.epoch),
    rewardsRoot: fields.rewardsRoot ?? (ethers.ZeroHash as Hex),
    rewardsTotal: fields.rewardsTotal ?? 0n,
    slashes: fields.slashes,
    leasesRoot: fields.leasesRoot,
    configVersion: fields.configVersion ?? (await fx.epochs.configVersion()),
  });
  const signatures = await signReport(
    fields.signers ?? fx.committee,
    fx.chainId,
    await fx.settlement.getAddress(),
    report,
  );
  return { report, slashes: (fields.slashes ?? []).map(slashTuple), signatures };
}

/** Ends the epoch, then submits a signed report of it from the first committee member. */
export async function submitEpoch(fx: Fixture, fields: Parameters<typeof prepareReport>[1]) {
  await endEpoch(fx, fields.epoch);
  const prepared = await prepareReport(fx, fields);
  const tx = await fx.settlement
    .connect(fx.committee[0])
    .submitReport(prepared.report, prepared.slashes, prepared.signatures);
  return { ...prepared, tx };
}

/** Waits out the dispute window of `epoch`'s report and finalizes it. */
export async function finalizeEpoch(fx: Fixture, epoch: bigint) {
  const info = await fx.settlement.reportOf(epoch);
  if (BigInt(await time.latest()) < info.disputeEndsAt) await time.increaseTo(info.disputeEndsAt);
  return fx.settlement.connect(fx.outsider).finalize(epoch);
}

/**
 * The protocol's token balance next to what it must hold: active stake + unbonding stake + funded
 * unclaimed rewards + pending appeal bonds. Equal unless someone sent tokens to a contract directly.
 */
export async function balanceSheet(fx: Fixture) {
  const addrs = await Promise.all([fx.registry, fx.settlement, fx.distributor].map((c) => c.getAddress()));
  // The distributor's budget not yet finalized waits in its rewards vault.
  addrs.push(await fx.distributor.rewardsVault());
  let held = 0n;
  for (const a of addrs) held += await fx.token.balanceOf(a);
  const owed =
    (await fx.registry.totalActiveStake()) +
    (await fx.registry.totalUnbonding()) +
    (await fx.distributor.totalFunded()) -
    (await fx.distributor.totalClaimed()) +
    (await fx.settlement.pendingBonds());
  return { held, owed };
}

export { SlashReason };
