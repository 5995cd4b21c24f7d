/**
 * The node key's signature over its answer to one challenge (eip712.ts CHALLENGE_ANSWER_TYPES):
 * the agent signs the spec it computed, the root it committed and the openings it sends; the
 * oracle checks it with the answer, off its event loop (oracle/work.ts answerSignatureResult), and
 * fraud evidence carries it (protocol/evidence.ts) so that anyone can attribute a wrong answer.
 */
import { keccak256, recoverTypedDataAddress, stringToBytes, type Address, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { CHALLENGE_ANSWER_TYPES, domain, ORACLE_API_DOMAIN_NAME } from "./eip712";

/** What an answer signature is bound to besides the challenge. */
export interface AnswerContext {
  chainId: number;
  /** The NodeRegistry: the oracle API domain's verifyingContract. */
  registry: Address;
}

/** The signed fields: the challenge id, the spec's and the openings' hashes, the committed root. */
export interface SignedAnswer {
  challenge: Hex;
  spec: Hex;
  root: Hex;
  answer: Hex;
}

/**
 * keccak256 of a JSON value in canonical form (object keys sorted at every level, no spaces;
 * RFC 8785 for the values these messages hold: strings, safe integers, arrays, objects), given
 * as the value or as JSON text. Both sides hash what they parsed, so neither a schema's key
 * order nor whitespace changes the hash. Hand-written: a dozen lines, for the one ordering rule.
 */
export function jsonHash(value: string | unknown): Hex {
  return keccak256(stringToBytes(canonicalJson(typeof value === "string" ? JSON.parse(value) : value)));
}

/** Keys sorted by UTF-16 code units at every level; recursion depth is the value's (the API caps nesting at 32). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

export function answerTypedData(ctx: AnswerContext, a: SignedAnswer) {
  return {
    domain: domain(ORACLE_API_DOMAIN_NAME, ctx.chainId, ctx.registry),
    types: CHALLENGE_ANSWER_TYPES,
    primaryType: "ChallengeAnswer" as const,
    message: { challenge: a.challenge, spec: a.spec, root: a.root, answer: a.answer },
  };
}

export function signAnswer(account: PrivateKeyAccount, ctx: AnswerContext, a: SignedAnswer): Promise<Hex> {
  return account.signTypedData(answerTypedData(ctx, a));
}

/** The key that signed `a`, or undefined when the signature is malformed. */
export async function answerSigner(ctx: AnswerContext, a: SignedAnswer, signature: Hex): Promise<Address | undefined> {
  try {
    return await recoverTypedDataAddress({ ...answerTypedData(ctx, a), signature });
  } catch {
    return undefined;
  }
}

/** A reason the answer is not `node`'s, or undefined when it is. */
export async function answerSignatureProblem(ctx: AnswerContext, node: Address, a: SignedAnswer, signature: Hex | null | undefined): Promise<string | undefined> {
  if (!signature) return "the answer carries no signature of the node key";
  const signer = await answerSigner(ctx, a, signature);
  if (signer === undefined) return "the answer signature is malformed";
  if (signer.toLowerCase() !== node.toLowerCase()) return `the answer is signed by ${signer}, not by node ${node}`;
  return undefined;
}
