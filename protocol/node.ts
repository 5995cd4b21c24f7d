/** The registry's view of a node, as every service reads it (contracts/interfaces/INodeRegistry.sol). */
import type { Hex } from "viem";

/** `NodeStatus` of contracts/interfaces/INodeRegistry.sol, by its on-chain number. */
export const NODE_STATUS = ["None", "Active", "Jailed", "Exiting"] as const;
export type NodeStatusName = (typeof NODE_STATUS)[number];

/** `HardwareClaim` of contracts/interfaces/INodeRegistry.sol, as viem decodes it. */
export interface HardwareClaim {
  gpuModel: number;
  gpuCount: number;
  /** Claimed dense throughput of the whole node, GFLOP/s, in the class's rated precision. */
  gflops: number;
  vramMiB: number;
  /** Eight ASCII bytes, right-padded with zeros. */
  region: Hex;
}

