/**
 * The grinding forger: it computes only part of a challenge, fills the rest with made-up values,
 * and then re-commits, changing one made-up value at a time, until the openings it can predict
 * miss every made-up row or item. What it can predict is the draw from public data alone, the
 * engine's sampler fed with the root (`chooseOpenings(spec, root, k)`,
 * `chooseInferOpenings(challenge, root, k)`): the derivation the oracle used before openings
 * came from a secret opening key. Against a root-only draw it passes every challenge; against the
 * keyed draw (protocol/openings.ts) its prediction is worthless and it is caught with probability
 * 1 - (1 - f)^k per challenge, whatever the number of tries.
 *
 * Each try changes one leaf, so the root is updated along one path (depth hashes), not rebuilt:
 * at the production depth a try costs a few microseconds, and 1 / (1 - f)^k tries are expected.
 */
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { fingerprintLeaves } from "../engine/gemm/data";
import type { GemmRun } from "../engine/gemm/kernel";
import { chooseOpenings } from "../engine/gemm/spec";
import { f32Bytes } from "../engine/gemm/formats";
import { chooseInferOpenings, itemLeaf, type InferAnswer, type InferChallenge } from "../engine/llm";
import { leafHashBytes, merkleLevelsBytes, merkleRoot, updateMerkleLeaf as updatePath } from "../engine/merkle";

/** Most re-commitments one challenge is ground for (the search gives up after this). */
export const MAX_GRIND_TRIES = 1 << 22;

export interface GrindResult {
  /** Re-commitments tried (1 when the first root already missed every made-up row). */
  tries: number;
  /** Whether a root was found whose public draw misses every made-up row or item. */
  found: boolean;
  /** The rows or items the public draw of the final root opens. */
  predicted: number[];
  root: Hex;
}


const misses = (predicted: readonly number[], forged: (i: number) => boolean) => predicted.every((i) => !forged(i));

/**
 * Grinds a forged gemm run: `forged(row)` says which rows hold made-up fingerprints (run is the
 * forged result, its root over them). Varies the first value of the first forged row, a value
 * that is made up anyway, so the result stays as wrong as it was, never more.
 */
export function grindGemm(run: GemmRun, forged: (row: number) => boolean, k: number, maxTries = MAX_GRIND_TRIES): { run: GemmRun; grind: GrindResult } {
  const { spec } = run;
  const rows = spec.batch * spec.n;
  const m = spec.projCols;
  const g = spec.groupRows;
  let target = -1;
  for (let i = 0; i < rows && target < 0; i++) if (forged(i)) target = i;
  let root = run.root;
  let predicted = chooseOpenings(spec, root, k);
  if (target < 0 || misses(predicted, forged)) return { run, grind: { tries: 1, found: misses(predicted, forged), predicted, root } };
  const fp = run.fingerprints.slice();
  const levels = merkleLevelsBytes(run.leaves.slice());
  const j = Math.floor(target / g);
  const from = j * g * m;
  const to = Math.min(rows, (j + 1) * g) * m;
  const base = fp[target * m];
  let tries = 1;
  // Loop bound: maxTries re-commitments.
  while (tries < maxTries) {
    tries++;
    fp[target * m] = base + tries / 4; // stays on the k/4 grid of made-up values
    root = bytesToHex(updatePath(levels, j, leafHashBytes(f32Bytes(fp.subarray(from, to)))));
    predicted = chooseOpenings(spec, root, k);
    if (misses(predicted, forged)) break;
  }
  const found = misses(predicted, forged);
  const leaves = fingerprintLeaves(spec, fp);
  return { run: { ...run, fingerprints: fp, leaves, root }, grind: { tries, found, predicted, root } };
}

/** Grinds a forged infer answer the same way, varying one quantised logit of the first forged item. */
export function grindInfer(
  answer: InferAnswer,
  challenge: InferChallenge,
  forged: (item: number) => boolean,
  k: number,
  maxTries = MAX_GRIND_TRIES,
): { answer: InferAnswer; grind: GrindResult } {
  const n = answer.items.length;
  let target = -1;
  for (let i = 0; i < n && target < 0; i++) if (forged(i)) target = i;
  let root = answer.root;
  let predicted = chooseInferOpenings(challenge, root, Math.min(k, n));
  if (target < 0 || misses(predicted, forged)) return { answer, grind: { tries: 1, found: misses(predicted, forged), predicted, root } };
  const item = { ids: answer.items[target].ids, q: answer.items[target].q.map((row) => row.slice()) };
  const base = item.q[0][0];
  const levels = merkleLevelsBytes(answer.leaves.map((l) => hexToBytes(l)));
  let tries = 1;
  // Loop bound: maxTries re-commitments.
  while (tries < maxTries) {
    tries++;
    item.q[0][0] = base + tries;
    root = bytesToHex(updatePath(levels, target, hexToBytes(itemLeaf(challenge.seed, target, item))));
    predicted = chooseInferOpenings(challenge, root, Math.min(k, n));
    if (misses(predicted, forged)) break;
  }
  const items = answer.items.map((fp, i) => (i === target ? item : fp));
  const leaves = items.map((fp, i) => itemLeaf(challenge.seed, i, fp));
  const rebuilt = merkleRoot(leaves);
  return { answer: { ...answer, items, leaves, root: rebuilt }, grind: { tries, found: misses(predicted, forged), predicted, root: rebuilt } };
}
