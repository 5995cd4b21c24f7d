/**
 * Seeded pseudo-random numbers for the fleet simulator. Every stream is a pure function of
 * (run seed, labels...), so a node's draws do not depend on how many other nodes exist or in
 * which order they are simulated: same seed, same results, on any machine.
 *
 * Generator: xoshiro128** (Blackman and Vigna), 32-bit integer arithmetic only, seeded through
 * a 32-bit mixer. Not cryptographic: the simulator models randomness, it does not defend
 * against anyone.
 */
import { mix32 } from "../engine/prng";

export { mix32 };

/** Hashes a list of 32-bit labels (seed, node index, epoch, stream id...) to one word. */
export function hashLabels(labels: readonly number[]): number {
  let h = 0x6a09e667;
  for (const l of labels) h = mix32(h ^ mix32((l >>> 0) + 0x9e3779b9));
  return h;
}

/** Labels of independent streams, so adding a draw in one place never shifts another. */
export const Stream = {
  fleet: 1,
  node: 2,
  epoch: 3,
  challenge: 4,
  schedule: 5,
  openings: 6,
  network: 7,
  throttle: 8,
  behaviour: 9,
  realCheck: 10,
} as const;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...labels: number[]) {
    const h = hashLabels(labels);
    this.a = mix32(h ^ 0x243f6a88);
    this.b = mix32(h ^ 0x85a308d3);
    this.c = mix32(h ^ 0x13198a2e);
    this.d = mix32(h ^ 0x03707344);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // xoshiro's one forbidden state
  }

  /** Next 32-bit word (xoshiro128**). */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 bits. */
  uniform(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Integer uniform in [0, n), n <= 2^32 (bias < n / 2^53, negligible). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** Standard normal (Box-Muller; one of the pair is discarded to keep the stream stateless). */
  normal(): number {
    let u = this.uniform();
    while (u <= 0) u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with median `median` and log-space standard deviation `sigma`. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with mean `mean`. */
  exponential(mean: number): number {
    let u = this.uniform();
    while (u <= 0) u = this.uniform();
    return -mean * Math.log(u);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
