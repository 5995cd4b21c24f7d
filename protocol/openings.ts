/**
 * Which rows (gemm) or items (infer) a node must open once it has committed a root: drawn from
 * the issuing member's secret opening key of the epoch (protocol/keys.ts), the challenge id and
 * the root,
 *
 *   draw = keccak256(abi.encode(bytes32 keccak256("poai.openings.v1"), bytes32 openingKey_e,
 *                               bytes16 challengeId, bytes32 root))
 *
 * and then the kind's own sampler (engine/gemm/spec.ts `chooseOpenings`, engine/llm/infer.ts
 * `chooseInferOpenings`) turns the draw into k distinct indices.
 *
 * Against a node that knows everything public (the code, its spec, its own root, the chain) and
 * can try any number of roots before it commits: the opening key is an HMAC output under the
 * member's secret, so before the key is revealed the draw of any root it could try is
 * unpredictable to it, and it gets the openings of one root only (a second commitment is refused).
 * Trying roots therefore buys nothing: with a fraction f of rows made up and k openings, one
 * challenge escapes with probability (1 - f)^k whatever the number of tries. The member cannot
 * choose openings either: its key is fixed by the seed commitment made before the epoch and
 * revealed after it, so anyone recomputes every draw (scripts/audit-draws.ts).
 *
 * Pure (viem only), so the dApp and the simulator may use it too.
 */
import { encodeAbiParameters, isHex, keccak256, stringToBytes, type Hex } from "viem";
import { KeyError } from "./errors";

/** The domain tag of the opening draw; a new derivation gets a new label. */
export const OPENINGS_TAG = keccak256(stringToBytes("poai.openings.v1"));

/** The oracle's challenge ids are 16 bytes of hex (oracle/challenges.ts challengeId). */
const CHALLENGE_ID = /^0x[0-9a-fA-F]{32}$/;

function word(value: unknown, what: string): Hex {
  if (typeof value !== "string" || !isHex(value, { strict: true }) || value.length !== 66) throw new KeyError(`${what} must be 32 bytes of 0x-hex`);
  return value as Hex;
}

/** The 32-byte draw the openings of challenge `challengeId` committed to `root` are sampled from. */
export function openingDraw(openingKey: Hex, challengeId: string, root: Hex): Hex {
  if (!CHALLENGE_ID.test(challengeId)) throw new KeyError(`challenge id ${JSON.stringify(String(challengeId).slice(0, 80))} must be 16 bytes of 0x-hex`);
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes16" }, { type: "bytes32" }],
      [OPENINGS_TAG, word(openingKey, "opening key"), challengeId as Hex, word(root, "root")],
    ),
  );
}
