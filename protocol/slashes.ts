/** The slash list of an epoch report and its hash, as Settlement recomputes it. */
import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";
import { SlashReason } from "../engine/slash-reason";

export { SlashReason };

export interface SlashEntry {
  /** The node id: the node key's address. */
  node: Address;
  /** Share of the node's stake to slash, in basis points (1..10_000). */
  bps: number;
  reason: SlashReason;
  /** keccak256 of the evidence the oracle keeps (challenge, answer, recomputation). */
  evidence: Hex;
}

const SLASH_TUPLE = {
  type: "tuple[]",
  components: [
    { name: "node", type: "address" },
    { name: "bps", type: "uint16" },
    { name: "reason", type: "uint8" },
    { name: "evidence", type: "bytes32" },
  ],
} as const;

/** `keccak256(abi.encode(Slash[]))`, as Settlement recomputes it from the calldata list. */
export function slashListHash(slashes: readonly SlashEntry[]): Hex {
  return keccak256(encodeAbiParameters([SLASH_TUPLE], [slashes.map((s) => ({ ...s, reason: Number(s.reason) }))]));
}

