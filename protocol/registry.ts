/**
 * The one reader of a node's NodeRegistry record, shared by the oracle, the agent and the dApp:
 * `getNode` through the typed ABI, with the status by name. Errors are the caller's to wrap
 * (each service names them in its own catalogue).
 */
import type { Address, PublicClient } from "viem";
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

/** The client this reader needs: any viem public client (the dApp's comes from wagmi). */
export type RegistryClient = Pick<PublicClient, "readContract">;

/** Reads `node`'s record from the NodeRegistry at `registry`; an unregistered key reads as "None". */
export async function readNode(client: RegistryClient, registry: Address, node: Address): Promise<NodeRecord> {
  const n = await client.readContract({ address: registry, abi: nodeRegistryAbi, functionName: "getNode", args: [node] });
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
