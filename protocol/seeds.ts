/** Seed commitments and challenge seeds: what anyone recomputes once an epoch's seed is revealed. */
import { concatBytes, encodeAbiParameters, hexToBytes, keccak256, stringToBytes, type Address, type Hex } from "viem";

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


/** The key every draw of an epoch's schedule is taken from (oracle/epoch/draws.ts): secret until the seed is revealed. */
export function scheduleKeyOf(seed: Hex): Hex {
  return keccak256(concatBytes([hexToBytes(seed), stringToBytes("poai.oracle.schedule")]));
}

/**
 * A challenge's id: the first 16 bytes of keccak256(abi.encode(bytes32 scheduleKey, uint64 epoch,
 * address node, uint32 round)), so it reveals nothing about the seed before the report.
 */
export function challengeId(epoch: number, node: Address, round: number, scheduleKey: Hex): string {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint64" }, { type: "address" }, { type: "uint32" }], [scheduleKey, BigInt(epoch), node, round])).slice(0, 34);
}
