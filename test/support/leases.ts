/**
 * Lease helpers over the shared fixture: offer a node, book a lease a renter pays for, and settle leases
 * the way the committee will, with a leases tree built by protocol/leases.ts in a report that finalizes.
 */
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { SignerWithAddress } from "@nomicfoundation/hardhat-ethers/signers";
import type { Address, Hex } from "viem";
import { buildLeasesTree, leaseProof, type LeaseSettlement, type LeasesTree, type SlashEntry } from "../../protocol";
import { E18, finalizeEpoch, seedOf, submitEpoch, type Fixture, type RegisteredNode } from "./fixtures";
import { seedCommitment } from "../../protocol";

const { ethers } = hre;

/** Default price of one node-hour. */
export const PRICE = 10n * E18;

/** Offers `n` at `price` per hour for 1..`maxHours` hours. */
export async function offer(fx: Fixture, n: RegisteredNode, price = PRICE, minHours = 1, maxHours = 2160) {
  return fx.leases.connect(n.operator).setOffer(n.node, price, minHours, maxHours);
}

export interface Booked {
  leaseId: bigint;
  start: bigint;
  end: bigint;
  escrow: bigint;
  renterKey: string;
}

/**
 * Books `nodes` for `hours` hours starting `startIn` seconds from now (default: one hour, a whole
 * hour boundary of the chain clock not required), approving the escrow first. Returns the lease.
 */
export async function bookLease(
  fx: Fixture,
  renter: SignerWithAddress,
  nodes: string[],
  opts: { startIn?: bigint; start?: bigint; hours?: bigint; renterKey?: string; maxEscrow?: bigint } = {},
): Promise<Booked> {
  const now = BigInt(await time.latest());
  const start = opts.start ?? now + (opts.startIn ?? 3600n);
  const end = start + (opts.hours ?? 1n) * 3600n;
  const renterKey = opts.renterKey ?? ethers.Wallet.createRandom().address;
  const maxEscrow = opts.maxEscrow ?? ethers.MaxUint256;
  await fx.token.connect(renter).approve(await fx.leases.getAddress(), ethers.MaxUint256);
  await fx.leases.connect(renter).book(nodes, start, end, renterKey, maxEscrow);
  const leaseId = await fx.leases.leaseCount();
  const escrow = (await fx.leases.leaseOf(leaseId)).escrow;
  return { leaseId, start, end, escrow, renterKey };
}

/** The first epoch whose end is at or after `t` (its report may settle a lease ending at `t`). */
export async function epochEndingAfter(fx: Fixture, t: bigint): Promise<bigint> {
  const genesis = await fx.epochs.genesis();
  const len = await fx.epochs.epochLength();
  // Epoch e covers [genesis + e*len, genesis + (e+1)*len): end >= t for e >= ceil((t - genesis) / len) - 1.
  const e = t <= genesis ? 0n : (t - genesis + len - 1n) / len - 1n;
  return e < 0n ? 0n : e;
}

/** Commits `epoch`'s seed if the fixture has not (it precommits 0..9); the epoch must not have started. */
export async function ensureSeed(fx: Fixture, epoch: bigint) {
  if ((await fx.epochs.seedCommitment(epoch)) === ethers.ZeroHash) {
    await fx.epochs.connect(fx.committee[0]).commitSeed(epoch, seedCommitment(epoch, seedOf(epoch)));
  }
}

/** The leases tree of `settlements` on this chain for the fixture's LeaseManager. */
export async function leasesTreeOf(fx: Fixture, settlements: LeaseSettlement[], leaseManager?: string): Promise<LeasesTree> {
  return buildLeasesTree(
    { chainId: fx.chainId, leaseManager: (leaseManager ?? (await fx.leases.getAddress())) as Address },
    settlements,
  );
}

/**
 * Submits `epoch`'s report carrying the leases root of `settlements` (and `slashes`), and finalizes it
 * unless `finalize` is false. Returns the tree.
 */
export async function reportLeases(
  fx: Fixture,
  epoch: bigint,
  settlements: LeaseSettlement[],
  opts: { slashes?: SlashEntry[]; finalize?: boolean; tree?: LeasesTree } = {},
): Promise<LeasesTree> {
  const tree = opts.tree ?? (await leasesTreeOf(fx, settlements));
  await submitEpoch(fx, { epoch, leasesRoot: tree.root, slashes: opts.slashes });
  if (opts.finalize ?? true) await finalizeEpoch(fx, epoch);
  return tree;
}

/** Settles `leaseId` from `epoch`'s report with its proof in `tree`. */
export async function settleFrom(fx: Fixture, tree: LeasesTree, epoch: bigint, leaseId: bigint) {
  const p = leaseProof(tree, leaseId);
  if (!p) throw new Error(`lease ${leaseId} not in tree`);
  return fx.leases.connect(fx.outsider).settle(leaseId, epoch, p.compliantBps, p.proof as Hex[]);
}

/** Tokens the LeaseManager holds next to the escrow it owes. */
export async function escrowSheet(fx: Fixture) {
  return {
    held: await fx.token.balanceOf(await fx.leases.getAddress()),
    owed: await fx.leases.totalEscrow(),
  };
}
