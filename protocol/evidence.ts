/**
 * Evidence of a wrong answer, in a form anyone can re-verify: what the issuing committee member
 * sent (the challenge), what the node committed to and signed (the root and its
 * ChallengeCommitment signature, protocol/commitment.ts), which rows or items the member asked
 * for (drawn from its opening key, revealed after the epoch) and what the node answered.
 *
 * A challenge's evidence is one JSON document, hashed as the exact bytes served: the hash is
 * keccak256 of the UTF-8 document, so no canonical form is needed. A fraud slash's `evidence`
 * (the report's slash list, on chain) is keccak256(abi.encode(bytes32[] challengeHashes,
 * bytes32[] evidenceHashes)) over the node's wrong answers of the epoch, in the member's order,
 * where a challengeHash is keccak256 of the challenge spec as sent: the engine's rule
 * (engine/judge.ts), so the slash names its documents and nothing else.
 *
 * What re-verification proves, and against whom (oracle/evidence.ts): given the epoch seed the
 * report revealed and the member's revealed keys, the challenge id and seed are the ones the
 * seed gives, the openings are the ones the key gives (the member did not pick rows after
 * seeing the root), the node key signed the root, and the opened answer fails the kind's check.
 * A member cannot make an honest node's answer fail (it cannot sign for the node key, and the
 * Merkle proofs bind every opened row to the signed root); a node cannot disown a signed root.
 */
import { encodeAbiParameters, keccak256, stringToBytes, type Address, type Hex } from "viem";
import { z } from "zod";

export const EVIDENCE_VERSION = 1;
/** Largest evidence document served or accepted, bytes (a gemm answer of 64 openings fits). */
export const MAX_EVIDENCE_BYTES = 4 * 1024 * 1024;
/** Most wrong answers one slash's evidence names (the judge's per-node bound, oracle/judging.ts). */
export const MAX_EVIDENCE_CHALLENGES = 64;

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const word = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

export const challengeEvidenceSchema = z
  .object({
    v: z.literal(EVIDENCE_VERSION),
    chainId: z.number().int().positive(),
    registry: address,
    /** The member that issued and verified the challenge. */
    member: address,
    epoch: z.number().int().min(0),
    node: address,
    id: z.string().regex(/^0x[0-9a-fA-F]{32}$/),
    round: z.number().int().min(0),
    kind: z.string().min(1).max(16),
    /** The challenge seed (protocol/seeds.ts challengeSeed). */
    seed: word,
    /** The challenge spec exactly as sent (a JSON string: its hash names the challenge). */
    spec: z.string().min(2),
    root: word,
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
    /** The rows or items asked for, in order. */
    openings: z.array(z.number().int().min(0)).min(1).max(1024),
    /** The node's answer, as received. */
    answer: z.array(z.record(z.unknown())).max(1024),
    /** The member's reason for the rejection, for people; re-verification does not trust it. */
    reason: z.string().max(300),
  })
  .strict();
export type ChallengeEvidence = z.infer<typeof challengeEvidenceSchema>;

/** A fraud slash's evidence as the read API serves it: its documents, each as exact bytes. */
export interface SlashEvidenceBundle {
  hash: Hex;
  epoch: number;
  node: Address;
  /** Each a ChallengeEvidence JSON document, as hashed. */
  challenges: string[];
}

export function evidenceHash(doc: string): Hex {
  return keccak256(stringToBytes(doc));
}

/** The slash's evidence hash over its documents (the engine's combination, see above). */
export function slashEvidenceHash(docs: readonly { spec: string; hash: Hex }[]): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32[]" }, { type: "bytes32[]" }],
      [docs.map((d) => keccak256(stringToBytes(d.spec))), docs.map((d) => d.hash)],
    ),
  );
}

/** Parses one document; throws with the offending field named. */
export function parseChallengeEvidence(doc: string): ChallengeEvidence {
  if (doc.length > MAX_EVIDENCE_BYTES) throw new Error(`evidence document of ${doc.length} bytes is over ${MAX_EVIDENCE_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(doc);
  } catch (e) {
    throw new Error(`evidence document is not JSON: ${(e as Error).message}`);
  }
  const r = challengeEvidenceSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`evidence field ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return r.data;
}
