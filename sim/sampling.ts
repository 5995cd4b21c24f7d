/**
 * How the oracle's openings meet a forged answer. The oracle opens k distinct rows (or items)
 * of n, chosen uniformly from keccak(challengeSeed, root) after the node committed to its root,
 * so the node cannot know which ones. If m of the n rows are wrong, the number of wrong rows
 * among the opened ones is hypergeometric(n, m, k). The simulator draws it (it does not use the
 * expectation), sampling the k openings one after the other without replacement: exactly the
 * oracle's sampling, seen from the node's side.
 */
import type { PoaiErrorOptions } from "../engine/errors";
import { SimError } from "./errors";
import type { Rng } from "./rng";

/** Longest opening list the simulator draws; the engine opens far fewer rows. */
export const MAX_OPENINGS = 4096;

/** Inputs of the opening draws out of their domain (SM001). */
export class SamplingError extends SimError {
  override name = "SamplingError";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super("SimSamplingBadInput", shortMessage, opts);
  }
}

function check(n: number, m: number, k: number): void {
  if (!Number.isInteger(n) || n < 1) throw new SamplingError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(m) || m < 0 || m > n) throw new SamplingError(`m must be in [0, n], got ${m}`);
  if (!Number.isInteger(k) || k < 0 || k > n || k > MAX_OPENINGS) {
    throw new SamplingError(`k must be in [0, min(n, ${MAX_OPENINGS})], got ${k}`);
  }
}

/** Number of wrong rows among k opened of n rows of which m are wrong: one hypergeometric draw. */
export function drawWrongOpened(n: number, m: number, k: number, rng: Rng): number {
  check(n, m, k);
  if (m === 0 || k === 0) return 0;
  if (m === n) return k;
  let wrong = 0;
  let badLeft = m;
  let left = n;
  for (let i = 0; i < k; i++) {
    if (rng.uniform() * left < badLeft) {
      wrong++;
      badLeft--;
    }
    left--;
  }
  return wrong;
}

/** P(at least one wrong row opened) = 1 - C(n-m, k) / C(n, k), exactly (product form). */
export function probCaught(n: number, m: number, k: number): number {
  check(n, m, k);
  if (m === 0 || k === 0) return 0;
  if (n - m < k) return 1;
  let miss = 1;
  for (let i = 0; i < k; i++) miss *= (n - m - i) / (n - i);
  return 1 - miss;
}

/**
 * Rows a forger with fraction f fakes out of n: ceil(f * n) when f > 0, so a forger that fakes
 * anything fakes at least one row (rounded against the forger: a row is either right or not).
 */
export function forgedRows(n: number, f: number): number {
  if (!(f >= 0 && f <= 1)) throw new SamplingError(`forged fraction must be in [0, 1], got ${f}`);
  return f === 0 ? 0 : Math.min(n, Math.ceil(f * n));
}
