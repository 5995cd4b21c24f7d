/** Seed commitments and challenge seeds: what anyone recomputes once an epoch's seed is revealed. */
import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

/** The on-chain seed commitment of an epoch: `keccak256(abi.encode(epoch, seed))`. */
export function seedCommitment(epoch: bigint, seed: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: "uint64" }, { type: "bytes32" }], [epoch, seed]));
}

/**
 * The seed of one challenge: `keccak256(abi.encode(epochSeed, node, round))`. Anyone can
 * recompute it once the epoch seed is revealed in the report, so the oracle cannot have picked
 * a challenge after seeing an answer.
 */
export function challengeSeed(epochSeed: Hex, node: Address, round: number): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "bytes32" }, { type: "address" }, { type: "uint32" }], [epochSeed, node, round]),
  );
}

