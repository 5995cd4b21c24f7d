/**
 * The one reader of a node's NodeRegistry record, shared by the oracle, the agent and the dApp:
 * `getNode` through the typed ABI, with the status by name, and the contract's one time-dependent
 * rule (`statusAt`) for readers that keep records between blocks. Errors are the caller's to
 * wrap (each service names them in its own catalogue).
 */
import { zeroAddress, type Address, type PublicClient } from "viem";
import { nodeRegistryAbi } from "./abi";
import { type HardwareClaim, NODE_STATUS, type NodeStatusName } from "./node";

/** `Node` of contracts/interfaces/INodeRegistry.sol, keyed by its node key. */
export interface NodeRecord {
  node: Address;
  operator: Address;
  status: NodeStatusName;
  jailedUntil: bigint;
  unbondReleaseTime: bigint;
  stake: bigint;
  unbonding: bigint;
  claim: HardwareClaim;
}

/** `getNode`'s return value as viem decodes it. */
export interface RawNode {
  operator: Address;
  status: number;
  jailedUntil: bigint;
  unbondReleaseTime: bigint;
  stake: bigint;
  unbonding: bigint;
  claim: HardwareClaim;
}

/** The client this reader needs: any viem public client (the dApp's comes from wagmi). */
export type RegistryClient = Pick<PublicClient, "readContract">;

/** A decoded `getNode` result as a record of `node`. */
export function nodeRecordOf(node: Address, n: RawNode): NodeRecord {
  return {
    node,
    operator: n.operator,
    status: NODE_STATUS[n.status] ?? "None",
    jailedUntil: n.jailedUntil,
    unbondReleaseTime: n.unbondReleaseTime,
    stake: n.stake,
    unbonding: n.unbonding,
    claim: { ...n.claim },
  };
}

/** What `getNode` answers for a key that was never registered: the zero record, status "None". */
export function unregisteredNode(node: Address): NodeRecord {
  return {
    node,
    operator: zeroAddress,
    status: "None",
    jailedUntil: 0n,
    unbondReleaseTime: 0n,
    stake: 0n,
    unbonding: 0n,
    claim: { gpuModel: 0, gpuCount: 0, gflops: 0, vramMiB: 0, region: "0x0000000000000000" },
  };
}

/**
 * The status `getNode` reports for `rec` in a block with timestamp `blockTime` (unix seconds),
 * whenever `rec` was read: NodeRegistry never stores Jailed; it reports an Active node as Jailed
 * while `block.timestamp < jailedUntil` (NodeRegistry.getNode), so a Jailed read is an Active
 * node underneath. Nothing else in a record changes with time alone.
 */
export function statusAt(rec: NodeRecord, blockTime: bigint): NodeStatusName {
  const stored = rec.status === "Jailed" ? "Active" : rec.status;
  return stored === "Active" && blockTime < rec.jailedUntil ? "Jailed" : stored;
}

/** Reads `node`'s record from the NodeRegistry at `registry`; an unregistered key reads as "None". */
export async function readNode(client: RegistryClient, registry: Address, node: Address): Promise<NodeRecord> {
  const n = await client.readContract({ address: registry, abi: nodeRegistryAbi, functionName: "getNode", args: [node] });
  return nodeRecordOf(node, n);
}
