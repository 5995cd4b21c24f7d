/**
 * The protocol on Hardhat's in-process network, for the gas benchmark (bench-gas.ts) and the
 * attack and invariant tests (so the script imports no test code): deploy it over any stake token
 * (the standard PoAIToken, a fee-on-transfer token, a hook token), sign registrations and epoch
 * reports exactly as the node agent and the oracle committee do (protocol/eip712.ts), and build
 * rewards trees in the OpenZeppelin standard format; change parameters through the timelock.
 */
import { config, ethers, network } from "hardhat";
import { deployProtocol as deployWithLib } from "./deploy-lib";
import { impersonateAccount, setBalance, time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, HDNodeWallet, Signer, Wallet } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import {
  EPOCH_REPORT_TYPES,
  REGISTRATION_TYPES,
  REGISTRY_DOMAIN_NAME,
  SETTLEMENT_DOMAIN_NAME,
  SlashReason,
  domain,
  seedCommitment,
  slashListHash,
  type EpochReport,
  type SlashEntry,
} from "../protocol";
import type { Hex } from "viem";

export { SlashReason };
export type { SlashEntry };

/** Default parameters of the attack deployments (one hour epochs, as in production). */
export const PARAMS = {
  epochLength: 3600n,
  disputeWindow: 1800n,
  /** Longer than an epoch plus the dispute window plus a relay margin: see docs/security.md. */
  unbondingDelay: 7n * 24n * 3600n,
  jailDuration: 24n * 3600n,
  minStakeBase: ethers.parseEther("100"),
  minStakePerTflop: ethers.parseEther("10"),
  appealBond: ethers.parseEther("50"),
  slashBurnBps: 5_000,
  maxSlashes: 16,
} as const;

export const CLAIM = {
  gpuModel: 1,
  gpuCount: 1,
  gflops: 100_000, // 100 TFLOP/s: minimum stake 100 + 10 * 100 = 1,100 tokens
  vramMiB: 24_576,
  region: "0x65752d7765737400", // "eu-west\0"
};

export interface DeployOptions {
  /** A deployed ERC-20 (with a public `mint(address,uint256)`); a PoAIToken when omitted. */
  token?: string;
  committeeSize?: number;
  quorum?: number;
  epochLength?: bigint;
  disputeWindow?: bigint;
  unbondingDelay?: bigint;
  maxSlashes?: number;
  /** The guardian; the admin (deployer) when omitted. */
  guardian?: string;
  /** The timelock's delay; the deploy library's default (unbonding + epoch + dispute window) when omitted. */
  timelockDelay?: bigint;
}

export type Protocol = Awaited<ReturnType<typeof deployProtocol>>;

/** Committee members sign with local wallets (HD accounts of the Hardhat mnemonic), sorted by address. */
function hardhatWallet(index: number): HDNodeWallet {
  const accounts = network.config.accounts as { mnemonic: string; path: string };
  return ethers.HDNodeWallet.fromPhrase(accounts.mnemonic, undefined, `${accounts.path}/${index}`);
}

export async function deployProtocol(opts: DeployOptions = {}) {
  const signers = await ethers.getSigners();
  const [admin, treasury] = signers;
  const committeeSize = opts.committeeSize ?? 3;
  const quorum = opts.quorum ?? 2;
  // Accounts 2 .. 2+committeeSize-1 form the committee; operators come after them.
  const committeeIdx = Array.from({ length: committeeSize }, (_, i) => 2 + i);
  const committeeSigners = committeeIdx.map((i) => signers[i]);
  const committeeWallets = committeeIdx.map((i) => hardhatWallet(i));
  for (let i = 0; i < committeeSize; i++) {
    if (committeeWallets[i].address !== committeeSigners[i].address) throw new Error("HD wallet mismatch");
  }
  const operators = signers.slice(2 + committeeSize);

  // The same deployment code as scripts/deploy.ts and the fixtures (scripts/deploy-lib.ts).
  const deployment = await deployWithLib(
    admin,
    {
      token: opts.token,
      treasury: treasury.address,
      genesis: BigInt(await time.latest()) + 10n,
      epochLength: opts.epochLength ?? PARAMS.epochLength,
      committee: committeeSigners.map((s) => s.address),
      quorum,
      unbondingDelay: opts.unbondingDelay ?? PARAMS.unbondingDelay,
      guardian: opts.guardian,
      timelockDelay: opts.timelockDelay,
      jailDuration: PARAMS.jailDuration,
      minStakeBase: PARAMS.minStakeBase,
      minStakePerTflop: PARAMS.minStakePerTflop,
      disputeWindow: opts.disputeWindow ?? PARAMS.disputeWindow,
      slashBurnBps: PARAMS.slashBurnBps,
      appealBond: PARAMS.appealBond,
      maxSlashes: opts.maxSlashes ?? PARAMS.maxSlashes,
    },
    { artifactsDir: config.paths.artifacts },
  );
  const c = deployment.contracts;
  const token = await ethers.getContractAt("PoAIToken", deployment.params.token);
  const epochs = await ethers.getContractAt("EpochManager", c.EpochManager.address);
  const registry = await ethers.getContractAt("NodeRegistry", c.NodeRegistry.address);
  const distributor = await ethers.getContractAt("RewardsDistributor", c.RewardsDistributor.address);
  const settlement = await ethers.getContractAt("Settlement", c.Settlement.address);
  const timelock = await ethers.getContractAt("PoAITimelock", c.PoAITimelock.address);
  const leases = await ethers.getContractAt("LeaseManager", c.LeaseManager.address);
  const genesis = deployment.params.genesis;
  const epochLength = deployment.params.epochLength;
  const { chainId } = await ethers.provider.getNetwork();
  return {
    /** Deployer, token owner, the timelock's proposer and the guardian (veto, appeals, pause). */
    admin,
    treasury,
    /** The guardian (same account as `admin`). */
    guardian: admin,
    /**
     * The timelock as its target contracts see it when it executes (an impersonated signer), for tests
     * whose subject is not governance and that cannot wait the delay mid-scenario; the governance tests use
     * `executeThroughTimelock`, the real schedule, wait and execute.
     */
    governance: await timelockSigner(c.PoAITimelock.address),
    timelock,
    committeeSigners,
    committeeWallets,
    operators,
    token,
    epochs,
    registry,
    distributor,
    settlement,
    leases,
    chainId,
    genesis,
    epochLength,
  };
}

// ---------------------------------------------------------------- governance

/** A signer whose transactions come from `account` (Hardhat impersonation), given gas money. */
export async function impersonated(account: string) {
  await impersonateAccount(account);
  await setBalance(account, 10n ** 20n);
  return ethers.getSigner(account);
}

/** A signer whose transactions come from the timelock's address (Hardhat impersonation). */
export async function timelockSigner(timelock: string) {
  return impersonated(timelock);
}

/** Calldata of `contract.fn(...args)`, for a timelock operation. */
export function callData(contract: BaseContract, fn: string, args: readonly unknown[]): string {
  return contract.interface.encodeFunctionData(fn, args);
}

/**
 * Schedules `target.data` on the timelock as `proposer`, waits the timelock's delay and executes it:
 * what every parameter change and role grant goes through after deployment. Moves the chain's clock by
 * the delay. Returns the execute transaction's promise so a test can expect its revert.
 */
export async function executeThroughTimelock(
  timelock: BaseContract,
  proposer: Signer,
  target: string,
  data: string,
  salt: string = ethers.hexlify(ethers.randomBytes(32)),
) {
  const t = timelock.connect(proposer);
  const delay = (await t.getFunction("getMinDelay")()) as bigint;
  await (await t.getFunction("schedule")(target, 0n, data, ethers.ZeroHash, salt, delay)).wait();
  await time.increase(delay);
  return t.getFunction("execute")(target, 0n, data, ethers.ZeroHash, salt);
}

// ---------------------------------------------------------------- registration

export async function signRegistration(
  p: Pick<Protocol, "registry" | "chainId">,
  nodeKey: Wallet | HDNodeWallet,
  operator: string,
  deadline: bigint,
  opts: { nonce?: bigint; chainId?: bigint; registry?: string } = {},
): Promise<string> {
  const nonce = opts.nonce ?? (await p.registry.nonces(nodeKey.address));
  const dom = domain(REGISTRY_DOMAIN_NAME, opts.chainId ?? p.chainId, (opts.registry ?? (await p.registry.getAddress())) as Hex);
  return nodeKey.signTypedData(dom, { Registration: [...REGISTRATION_TYPES.Registration] }, {
    operator,
    nodeKey: nodeKey.address,
    nonce,
    deadline,
  });
}

export function newNodeKey(): HDNodeWallet {
  return ethers.Wallet.createRandom();
}

/** Mints, approves and registers `nodeKey` for `operator` with `amount` stake. */
export async function registerNode(
  p: Protocol,
  operator: Signer,
  nodeKey: Wallet | HDNodeWallet,
  amount: bigint,
  claim = CLAIM,
): Promise<void> {
  const opAddr = await operator.getAddress();
  await p.token.connect(p.admin).mint(opAddr, amount);
  await p.token.connect(operator).approve(await p.registry.getAddress(), amount);
  const deadline = BigInt(await time.latest()) + 3600n;
  const sig = await signRegistration(p, nodeKey, opAddr, deadline);
  await p.registry.connect(operator).register(nodeKey.address, claim, amount, deadline, sig);
}

// ---------------------------------------------------------------- epochs and reports

export function seedOf(epoch: bigint, salt = "poai"): Hex {
  return ethers.keccak256(ethers.toUtf8Bytes(`${salt}:${epoch}`)) as Hex;
}

/** Commits the seed of `epoch` from the first committee member (the epoch must not have started). */
export async function commitSeed(p: Protocol, epoch: bigint, seed: Hex = seedOf(epoch)): Promise<Hex> {
  await p.epochs.connect(p.committeeSigners[0]).commitSeed(epoch, seedCommitment(epoch, seed));
  return seed;
}

export async function currentEpoch(p: Protocol): Promise<bigint> {
  return p.epochs.currentEpoch();
}

/** Moves the chain to the first second after `epoch` ends. */
export async function endEpoch(p: Protocol, epoch: bigint): Promise<void> {
  const end = await p.epochs.epochEnd(epoch);
  const now = BigInt(await time.latest());
  if (now < end) await time.increaseTo(end);
}

/** The epoch report the committee signs (protocol/eip712.ts). */
export type Report = EpochReport;

/** A fraud slash of `bps` of `node`'s stake, with a fixed evidence hash (the attack tests' common slash). */
export function fraudSlash(node: string, bps: number): SlashEntry {
  const evidence = ethers.keccak256(ethers.toUtf8Bytes("fraud evidence")) as `0x${string}`;
  return { node: node as `0x${string}`, bps, reason: SlashReason.Fraud, evidence };
}

export function slashTuples(slashes: readonly SlashEntry[]) {
  return slashes.map((s) => ({ node: s.node, bps: s.bps, reason: Number(s.reason), evidence: s.evidence }));
}

export async function makeReport(
  p: Protocol,
  epoch: bigint,
  fields: Partial<Omit<Report, "epoch" | "slashListHash">> & { slashes?: readonly SlashEntry[] } = {},
): Promise<{ report: Report; slashes: ReturnType<typeof slashTuples> }> {
  const slashes = fields.slashes ?? [];
  const report: Report = {
    epoch,
    // The chain's tip by default: the report this one must build on.
    parent: fields.parent ?? ((await p.settlement.tip()).digest as Hex),
    seed: fields.seed ?? seedOf(epoch),
    sharesHash: fields.sharesHash ?? (ethers.ZeroHash as Hex),
    rewardsRoot: fields.rewardsRoot ?? ethers.ZeroHash as Hex,
    rewardsTotal: fields.rewardsTotal ?? 0n,
    statsRoot: fields.statsRoot ?? (ethers.keccak256(ethers.toUtf8Bytes(`stats:${epoch}`)) as Hex),
    slashListHash: slashListHash(slashes),
    leasesRoot: fields.leasesRoot ?? (ethers.ZeroHash as Hex),
    configVersion: fields.configVersion ?? (await p.epochs.configVersion()),
  };
  return { report, slashes: slashTuples(slashes) };
}

/**
 * Signatures of `report` by the committee wallets at `indexes` (all by default), sorted by signer
 * address ascending as Settlement requires. `chainId`/`verifyingContract` override the domain.
 */
export async function signReport(
  p: Protocol,
  report: Report,
  opts: { indexes?: number[]; chainId?: bigint; verifyingContract?: string; wallets?: (Wallet | HDNodeWallet)[] } = {},
): Promise<string[]> {
  const wallets = opts.wallets ?? (opts.indexes ?? p.committeeWallets.map((_, i) => i)).map((i) => p.committeeWallets[i]);
  const dom = domain(
    SETTLEMENT_DOMAIN_NAME,
    opts.chainId ?? p.chainId,
    (opts.verifyingContract ?? (await p.settlement.getAddress())) as Hex,
  );
  const sorted = [...wallets].sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1));
  return Promise.all(sorted.map((w) => w.signTypedData(dom, { EpochReport: [...EPOCH_REPORT_TYPES.EpochReport] }, report)));
}

/** The first `quorum` committee wallets' signatures. */
export async function quorumSignatures(p: Protocol, report: Report): Promise<string[]> {
  const q = Number(await p.epochs.quorum());
  return signReport(p, report, { indexes: Array.from({ length: q }, (_, i) => i) });
}

/**
 * Runs one epoch up to a submitted report: commits the seed of the next epoch, waits for it to
 * end and submits the quorum-signed report. Returns the epoch.
 */
export async function submitEpochReport(
  p: Protocol,
  fields: Parameters<typeof makeReport>[2] = {},
): Promise<{ epoch: bigint; report: Report }> {
  const epoch = (await currentEpoch(p)) + 1n;
  await commitSeed(p, epoch);
  await endEpoch(p, epoch);
  const { report, slashes } = await makeReport(p, epoch, fields);
  const sigs = await quorumSignatures(p, report);
  await p.settlement.submitReport(report, slashes, sigs);
  return { epoch, report };
}

export async function passDisputeWindow(p: Protocol, epoch: bigint): Promise<void> {
  const info = await p.settlement.reportOf(epoch);
  const now = BigInt(await time.latest());
  if (now < info.disputeEndsAt) await time.increaseTo(info.disputeEndsAt);
}

// ---------------------------------------------------------------- rewards

export type RewardsTree = StandardMerkleTree<[string, bigint]>;

export function rewardsTree(entries: [string, bigint][]): RewardsTree {
  return StandardMerkleTree.of(entries, ["address", "uint256"]);
}

export function proofFor(tree: RewardsTree, account: string): { amount: bigint; proof: string[] } {
  for (const [i, [a, amount]] of tree.entries()) {
    if (a.toLowerCase() === account.toLowerCase()) return { amount: BigInt(amount), proof: tree.getProof(i) };
  }
  throw new Error(`account ${account} not in tree`);
}

/** Funds the distributor with `amount` from the admin. */
export async function fund(p: Protocol, amount: bigint): Promise<void> {
  await p.token.connect(p.admin).mint(p.admin.address, amount);
  await p.token.connect(p.admin).approve(await p.distributor.getAddress(), amount);
  await p.distributor.connect(p.admin).fund(amount);
}

/** Tokens the protocol's three contracts hold together. */
export async function protocolBalance(p: Protocol): Promise<bigint> {
  const [r, d, v, s] = await Promise.all([
    p.token.balanceOf(await p.registry.getAddress()),
    p.token.balanceOf(await p.distributor.getAddress()),
    p.token.balanceOf(await p.distributor.rewardsVault()),
    p.token.balanceOf(await p.settlement.getAddress()),
  ]);
  return r + d + v + s;
}

/** What the accounting says the protocol must hold (see docs/security.md, invariant I1). */
export async function protocolLiabilities(p: Protocol): Promise<bigint> {
  const [active, unbonding, funded, claimed, bonds] = await Promise.all([
    p.registry.totalActiveStake(),
    p.registry.totalUnbonding(),
    p.distributor.totalFunded(),
    p.distributor.totalClaimed(),
    p.settlement.pendingBonds(),
  ]);
  return active + unbonding + (funded - claimed) + bonds;
}
