/**
 * The node's work on an infer challenge and the oracle's check of it.
 *
 * Node: one forward pass over the batch of prompts; per item a fingerprint of its logits at the
 * challenge's sampled positions; leaf = leafHash(encodeFingerprint(seed, index, fp)) (binding
 * the challenge seed, so an answer to another challenge never opens here); the answer commits
 * the Merkle root over the items.
 * Oracle: after the root is committed, it draws the items to open from
 * keccak256(abi.encode(challengeSeed, root)); the node reveals those fingerprints with Merkle
 * proofs; the oracle recomputes only those items (one forward pass of k items; with the embedded
 * model, of its positions graph, which computes the logits at the fingerprinted positions only)
 * and compares them with tolerance (fingerprint.ts).
 */
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { keccak256Bytes } from "../keccak";
import { leafHash, merkleProof, merkleRoot, verifyMerkleProof } from "../merkle";
import { LlmError } from "./errors";
import { checkFingerprintShape, compareFingerprint, encodeFingerprint, fingerprintItem, type Fingerprint } from "./fingerprint";
import type { CausalLm } from "./model";
import { checkInferChallenge, type InferChallenge } from "./prompts";
import { CounterRng, seedBytes } from "./rng";

/** Items per forward pass of the node (bounds memory: 64 x 128 x vocab floats). */
export const INFER_CHUNK = 64;
/** Default number of items the oracle opens. */
export const DEFAULT_INFER_OPENINGS = 4;
export const MAX_INFER_OPENINGS = 256;

export interface InferAnswer {
  root: Hex;
  items: Fingerprint[];
  leaves: Hex[];
  /** Wall time of the forward passes and fingerprinting. */
  ms: number;
}

export interface InferOpening {
  index: number;
  fingerprint: Fingerprint;
  proof: Hex[];
}

export interface InferVerification {
  ok: boolean;
  reason: string;
  /** Indices of opened items that failed (proof or comparison). */
  badItems: number[];
  /** Largest deviation over the opened items, in tolerance units and in logit units. */
  worst: number;
  maxAbs: number;
  ms: number;
}

export function itemLeaf(seed: Hex, index: number, fp: Fingerprint): Hex {
  return leafHash(encodeFingerprint(hexToBytes(seed), index, fp));
}

/** Runs the batch and commits to its fingerprints. */
export async function runInfer(model: CausalLm, challenge: InferChallenge, opts: { chunk?: number } = {}): Promise<InferAnswer> {
  checkInferChallenge(challenge, model);
  const chunk = opts.chunk ?? INFER_CHUNK;
  if (!Number.isInteger(chunk) || chunk < 1 || chunk > 4096) throw new LlmError("LlmBadOption", `chunk must be in 1..4096, got ${chunk}`);
  const t0 = performance.now();
  const T = challenge.prompts[0].length;
  const V = model.vocabSize;
  const items: Fingerprint[] = [];
  for (let start = 0; start < challenge.prompts.length; start += chunk) {
    const rows = challenge.prompts.slice(start, start + chunk);
    const logits = await model.forward(rows);
    for (let r = 0; r < rows.length; r++) items.push(fingerprintItem(logits, r * T * V, V, challenge.positions, challenge.topK));
  }
  const leaves = items.map((fp, i) => itemLeaf(challenge.seed, i, fp));
  return { root: merkleRoot(leaves), items, leaves, ms: performance.now() - t0 };
}

/**
 * The items to open, drawn after the commitment: distinct indices from
 * keccak256(abi.encode(bytes32 challengeSeed, bytes32 draw)), in draw order. `draw` is the
 * challenge's opening draw (protocol/openings.ts `openingDraw`: the issuing member's secret
 * opening key, the challenge id and the root), so the node cannot predict the items of any root
 * it might commit; any 32 bytes are accepted, so tests without a member key pass a root.
 */
export function chooseInferOpenings(challenge: Pick<InferChallenge, "seed" | "prompts">, draw: Hex, k: number): number[] {
  const n = challenge.prompts.length;
  if (!Number.isInteger(k) || k < 1 || k > Math.min(n, MAX_INFER_OPENINGS)) {
    throw new LlmError("LlmBadOption", `openings must be in 1..${Math.min(n, MAX_INFER_OPENINGS)}, got ${k}`);
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(draw)) throw new LlmError("LlmBadAnswer", "the opening draw must be a 32-byte hex string");
  // keccak256(abi.encode(bytes32 seed, bytes32 draw)): the two words, concatenated.
  const input = new Uint8Array(64);
  input.set(seedBytes(challenge.seed), 0);
  input.set(seedBytes(draw), 32);
  const rng = new CounterRng(bytesToHex(keccak256Bytes(input)));
  // Partial Fisher-Yates on a sparse map: k draws, O(k) memory.
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + rng.below(0, i, n - i);
    const vi = swapped.get(i) ?? i;
    const vj = swapped.get(j) ?? j;
    swapped.set(j, vi);
    out.push(vj);
  }
  return out;
}

/** The node's reply to the openings: fingerprints with their Merkle proofs. */
export function openInfer(answer: Pick<InferAnswer, "items" | "leaves">, indices: readonly number[]): InferOpening[] {
  return indices.map((index) => {
    if (!Number.isInteger(index) || index < 0 || index >= answer.items.length) throw new LlmError("LlmBadOption", `no item ${index}`);
    return { index, fingerprint: answer.items[index], proof: merkleProof(answer.leaves, index) };
  });
}

/**
 * Checks the openings against the committed root and a recomputation of the opened items, the
 * items expected drawn from the challenge's opening draw (`chooseInferOpenings`).
 * Total: malformed openings give ok = false with a reason, never a throw (a challenge that does
 * not fit the model is the oracle's own error and does throw).
 */
export async function verifyInferOpenings(
  model: CausalLm,
  challenge: InferChallenge,
  root: Hex,
  openings: readonly InferOpening[],
  draw: Hex,
  k: number = DEFAULT_INFER_OPENINGS,
): Promise<InferVerification> {
  return checkInferOpenings(model, challenge, root, openings, chooseInferOpenings(challenge, draw, k));
}

/**
 * The checks of `verifyInferOpenings` against a given list of expected items: the oracle passes
 * the items it asked for at the commitment, as stored.
 */
export async function checkInferOpenings(
  model: CausalLm,
  challenge: InferChallenge,
  root: Hex,
  openings: readonly InferOpening[],
  expected: readonly number[],
): Promise<InferVerification> {
  const t0 = performance.now();
  checkInferChallenge(challenge, model);
  const fail = (reason: string, badItems: number[] = []): InferVerification => ({ ok: false, reason, badItems, worst: Infinity, maxAbs: Infinity, ms: performance.now() - t0 });
  if (typeof root !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(root)) return fail("root is not a 32-byte hex string");
  const n = challenge.prompts.length;
  if (expected.length < 1 || expected.length > Math.min(n, MAX_INFER_OPENINGS) || expected.some((i) => !Number.isInteger(i) || i < 0 || i >= n) || new Set(expected).size !== expected.length) {
    throw new LlmError("LlmBadOption", `expected items must be 1..${Math.min(n, MAX_INFER_OPENINGS)} distinct indices below ${n}`);
  }
  if (!Array.isArray(openings) || openings.length !== expected.length) return fail(`expected ${expected.length} openings`);
  const P = challenge.positions.length;
  const badItems: number[] = [];
  let firstReason = "";
  for (let i = 0; i < expected.length; i++) {
    const o = openings[i];
    if (!o || o.index !== expected[i]) return fail(`opening ${i} must be item ${expected[i]}`);
    try {
      checkFingerprintShape(o.fingerprint, P, challenge.topK, model.vocabSize);
    } catch (e) {
      badItems.push(o.index);
      firstReason ||= `item ${o.index}: ${(e as Error).message}`;
      continue;
    }
    if (!verifyMerkleProof(root, itemLeaf(challenge.seed, o.index, o.fingerprint), o.proof)) {
      badItems.push(o.index);
      firstReason ||= `item ${o.index}: Merkle proof does not match the committed root`;
    }
  }
  if (badItems.length > 0) return fail(firstReason, badItems);
  const T = challenge.prompts[0].length;
  const V = model.vocabSize;
  const rows = expected.map((i) => challenge.prompts[i]);
  // Only the fingerprinted positions are compared: a model with a positions graph computes the
  // logits there alone (the same numbers up to float32 summation order), else all of them.
  const at = model.forwardAt !== undefined;
  const logits = at ? await model.forwardAt!(rows, challenge.positions) : await model.forward(rows);
  const stride = (at ? P : T) * V;
  const read = at ? challenge.positions.map((_, pi) => pi) : challenge.positions;
  let worst = 0;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    const c = compareFingerprint(openings[i].fingerprint, logits, i * stride, V, read, challenge.topK, challenge.positions);
    worst = Math.max(worst, c.worst);
    maxAbs = Math.max(maxAbs, c.maxAbs);
    if (!c.ok) {
      badItems.push(expected[i]);
      firstReason ||= `item ${expected[i]}: ${c.reason}`;
    }
  }
  return { ok: badItems.length === 0, reason: badItems.length === 0 ? "ok" : firstReason, badItems, worst, maxAbs, ms: performance.now() - t0 };
}
