/**
 * The oracle's one door into the engine's challenge kinds: plan a challenge for a node's claim,
 * choose the openings from the committed root, verify the openings. Implementations live in
 * work-gemm.ts and work-infer.ts; the oracle only sees this interface.
 */
import type { Address, Hex } from "viem";
import { answerSignatureProblem, jsonHash } from "../protocol/answer-signature";
import type { HardwareClaim } from "./chain";

export type ChallengeKind = "gemm" | "infer";

export interface PlannedChallenge {
  kind: ChallengeKind;
  /** Sent to the node as `spec` (JSON-safe). */
  spec: Record<string, unknown>;
  /** Rows (gemm) or items (infer) the answer commits to. */
  units: number;
  /** Work of the challenge, MFLOP (the rewards' unit of verified work). */
  mflop: number;
  /** Time an honest node of the claimed rating needs, ms. */
  expectedMs: number;
}

export interface VerifyResult {
  ok: boolean;
  /** Short reason, e.g. "row 17 differs from the recomputation". */
  reason: string;
  /** The answer was provably wrong (a committed, correctly proven, wrong row or item). */
  fraud: boolean;
  /** Verified outputs worth keeping as synthetic data (infer). */
  records?: { index: number; record: unknown }[];
  /** keccak256 of the evidence of a rejection (engine-defined). */
  evidence?: Hex;
  /**
   * The answer is not the node's word: the node key did not sign it (answerSignatureResult).
   * Nothing in it is evidence, so it is not looked at; the oracle counts the challenge as not
   * answered (missed). A signed answer that fails in any way (a wrong row or item, a proof that
   * does not open the signed root, a malformed opening) is the node's own, and evidence.
   */
  unattributable?: true;
}

/**
 * One verification's inputs: plain data only (hex strings, numbers, the wire's JSON objects), so
 * it can be handed to a worker thread (pool.ts) as it is.
 */
export interface VerifyArgs {
  /** Secret until the report; the verifier key derives from it. */
  epochSeed: Hex;
  spec: Record<string, unknown>;
  root: Hex;
  openings: readonly Record<string, unknown>[];
  /** The rows or items the oracle asked for at the commitment (drawn from the opening draw), in order. */
  expected: readonly number[];
  /** The node key's signature over the answer (spec, root, openings), checked first; none: not checked. */
  signed?: { chainId: number; registry: Address; node: Address; challenge: Hex; spec: Hex; signature: Hex | null };
}

/**
 * The verdict on an answer the node key did not sign, or undefined when it did (or none was given
 * to check). Checked where verification runs (the worker pool), so the recovery (about 1-5 ms of
 * CPU) stays off the event loop. An unsigned answer is never looked at: it is neither paid nor
 * evidence (VerifyResult.unattributable).
 */
export async function answerSignatureResult(args: Pick<VerifyArgs, "signed" | "root" | "openings">): Promise<VerifyResult | undefined> {
  const c = args.signed;
  if (!c) return undefined;
  const a = { challenge: c.challenge, spec: c.spec, root: args.root, answer: jsonHash(args.openings) };
  const problem = await answerSignatureProblem({ chainId: c.chainId, registry: c.registry }, c.node, a, c.signature);
  return problem === undefined ? undefined : { ok: false, fraud: false, unattributable: true, reason: problem };
}

/** Runs verifications off the caller's thread (the worker pool, pool.ts). */
export interface VerifyRunner {
  verify(kind: ChallengeKind, args: VerifyArgs): Promise<VerifyResult>;
}

export interface WorkKind {
  /** `epochSeed` is secret until the report; `seed` is the challenge seed (challengeSeed()). */
  plan(epochSeed: Hex, seed: Hex, claim: HardwareClaim, targetMs: number): PlannedChallenge | Promise<PlannedChallenge>;
  /** `k` rows or items drawn from `draw`, the challenge's opening draw (protocol/openings.ts). */
  chooseOpenings(spec: Record<string, unknown>, draw: Hex, k: number): number[];
  /** Checks the openings of the rows or items `expected` (those asked for) against `root`. */
  verify(
    epochSeed: Hex,
    spec: Record<string, unknown>,
    root: Hex,
    openings: readonly Record<string, unknown>[],
    expected: readonly number[],
    signed?: VerifyArgs["signed"],
  ): Promise<VerifyResult>;
}

export type Work = Record<ChallengeKind, WorkKind | undefined>;
