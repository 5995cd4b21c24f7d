/**
 * The statistics the judge's tests rest on: the normal CDF (through erfc) and binomial tails and
 * critical counts, memoised. Pure; judge.ts re-exports what callers use.
 */

/** Complementary error function (Numerical Recipes erfcc, fractional error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

function binomialTerm(n: number, p: number, i: number): number {
  if (p <= 0) return i === 0 ? 1 : 0;
  if (p >= 1) return i === n ? 1 : 0;
  return Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
}

/** P(Binomial(n, p) >= k), exact sum in log space (n bounded by the callers). */
export function binomialTail(n: number, p: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let s = 0;
  for (let i = k; i <= n; i++) s += binomialTerm(n, p, i);
  return Math.min(1, s);
}

/** P(Binomial(n, p) < k), summed directly (no 1 - tail cancellation for tiny values). */
export function binomialHead(n: number, p: number, k: number): number {
  if (k <= 0) return 0;
  if (k > n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  let s = 0;
  for (let i = 0; i < k; i++) s += binomialTerm(n, p, i);
  return Math.min(1, s);
}

const memo = new Map<string, number | null>();
/** Most memoised critical counts; the memo is cleared beyond it. */
const MEMO_MAX = 4096;

function memoised(key: string, f: () => number | null): number | null {
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const v = f();
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(key, v);
  return v;
}

/** Least k with P(Binomial(n, p) >= k) <= a, or null when even k = n is too likely. */
export function criticalCount(n: number, p: number, a: number): number | null {
  return memoised(`u:${n}:${p}:${a}`, () => {
    let found: number | null = null;
    // The tail grows as k falls: add one term per step from k = n while it stays within a
    // (O(n) terms, each O(k): bounded by the callers' n).
    let tail = 0;
    for (let k = n; k >= 0; k--) {
      tail += binomialTerm(n, p, k);
      if (Math.min(1, tail) > a) break;
      found = k;
    }
    return found;
  });
}

/** Largest k with P(Binomial(n, p) < k) <= a (0 when even k = 1 is too likely). */
export function lowerCriticalCount(n: number, p: number, a: number): number {
  return memoised(`l:${n}:${p}:${a}`, () => {
    let k = 0;
    // The head grows with k: add one term per step while it stays within a.
    let head = 0;
    while (k < n) {
      head += binomialTerm(n, p, k);
      if (Math.min(1, head) > a) break;
      k++;
    }
    return k;
  }) as number;
}
