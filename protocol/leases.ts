/**
 * The leases root of an epoch report: the committee's settlement of each lease that ended, as the
 * LeaseManager checks it (contracts/interfaces/ILeaseManager.sol). Pure.
 *
 * The tree is OpenZeppelin's StandardMerkleTree over
 *   ["uint256", "address", "uint256", "uint16[]"] = (chainId, leaseManager, leaseId, compliantBps)
 * with one compliant share per node of the lease, in the lease's node order, each 0..10_000 basis
 * points. The report's signatures bind chain, Settlement, config version and epoch; the leaf binds the
 * chain id and the LeaseManager's address again (so a root built for another deployment settles
 * nothing) and the lease id, unique in its LeaseManager, which fixes renter, nodes, window and escrow.
 * A report that settles no lease carries the zero root.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, getAddress, isAddress, keccak256, parseAbiParameters, zeroHash, type Address, type Hex } from "viem";
import { LeaseError } from "./errors";

/** The leaf's ABI types, in the order LeaseManager.settlementLeaf encodes them. */
export const LEASE_LEAF_TYPES = ["uint256", "address", "uint256", "uint16[]"] as const;
/** Most nodes in one lease (LeaseManager.MAX_LEASE_NODES). */
export const MAX_LEASE_NODES = 16;
/** Basis points of a fully compliant node. */
export const LEASE_BPS_FULL = 10_000;
/** Most leases one report settles (bounded like every list). */
export const MAX_LEASES_PER_REPORT = 100_000;

const UINT256_MAX = (1n << 256n) - 1n;

/** The committee's verdict on one lease: one compliant share per node, in the lease's node order. */
export interface LeaseSettlement {
  leaseId: bigint;
  compliantBps: readonly number[];
}

/** Where the leases are settled: the chain and the LeaseManager. */
export interface LeaseDomain {
  chainId: bigint;
  leaseManager: Address;
}

export interface LeasesTree {
  root: Hex;
  tree?: StandardMerkleTree<[string, string, string, number[]]>;
}

function checkDomain(d: LeaseDomain): Address {
  if (d.chainId <= 0n || d.chainId > UINT256_MAX) throw new LeaseError(`chain id ${d.chainId} out of range`);
  if (!isAddress(d.leaseManager, { strict: false })) throw new LeaseError(`LeaseManager ${d.leaseManager} is not an address`);
  return getAddress(d.leaseManager);
}

function checkSettlement(s: LeaseSettlement): void {
  if (s.leaseId <= 0n || s.leaseId > UINT256_MAX) throw new LeaseError(`lease id ${s.leaseId} out of range`);
  const n = s.compliantBps.length;
  if (n === 0 || n > MAX_LEASE_NODES) throw new LeaseError(`lease ${s.leaseId}: ${n} shares, want 1..${MAX_LEASE_NODES}`);
  for (const [i, b] of s.compliantBps.entries()) {
    if (!Number.isInteger(b) || b < 0 || b > LEASE_BPS_FULL) {
      throw new LeaseError(`lease ${s.leaseId}: share ${i} is ${b}, want an integer 0..${LEASE_BPS_FULL}`);
    }
  }
}

function leafValues(manager: Address, chainId: bigint, s: LeaseSettlement): [string, string, string, number[]] {
  return [chainId.toString(), manager, s.leaseId.toString(), [...s.compliantBps]];
}

const LEAF_PARAMS = parseAbiParameters(LEASE_LEAF_TYPES.join(","));

/**
 * The leaf of one settlement, as LeaseManager.settlementLeaf computes it (and as the standard tree
 * hashes it): keccak256(keccak256(abi.encode(chainId, leaseManager, leaseId, compliantBps))).
 */
export function leaseLeaf(d: LeaseDomain, s: LeaseSettlement): Hex {
  const manager = checkDomain(d);
  checkSettlement(s);
  return keccak256(keccak256(encodeAbiParameters(LEAF_PARAMS, [d.chainId, manager, s.leaseId, [...s.compliantBps]])));
}

/** The leases tree of one report; the zero root when it settles no lease. Leaves in lease-id order. */
export function buildLeasesTree(d: LeaseDomain, settlements: readonly LeaseSettlement[]): LeasesTree {
  const manager = checkDomain(d);
  if (settlements.length > MAX_LEASES_PER_REPORT) {
    throw new LeaseError(`${settlements.length} leases, at most ${MAX_LEASES_PER_REPORT} per report`);
  }
  const seen = new Set<bigint>();
  for (const s of settlements) {
    checkSettlement(s);
    if (seen.has(s.leaseId)) throw new LeaseError(`lease ${s.leaseId} settled twice`);
    seen.add(s.leaseId);
  }
  if (settlements.length === 0) return { root: zeroHash };
  const sorted = [...settlements].sort((a, b) => (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0));
  const tree = StandardMerkleTree.of(
    sorted.map((s) => leafValues(manager, d.chainId, s)),
    [...LEASE_LEAF_TYPES],
  );
  return { root: tree.root as Hex, tree };
}

/** The settlement of `leaseId` in a tree and its proof, or undefined if the tree does not settle it. */
export function leaseProof(t: LeasesTree, leaseId: bigint): { compliantBps: number[]; proof: Hex[] } | undefined {
  if (!t.tree) return undefined;
  for (const [i, [, , id, bps]] of t.tree.entries()) {
    if (BigInt(id) === leaseId) return { compliantBps: bps.map(Number), proof: t.tree.getProof(i) as Hex[] };
  }
  return undefined;
}
