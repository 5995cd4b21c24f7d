/**
 * The red-team benchmark's statistics, pure: the gain of a strategy over the honest identity and
 * a paired bootstrap interval over epochs.
 *
 * gain = Σ cheater_e / Σ honest_e - 1 over the epochs e, where cheater_e is what all the
 * strategy's identities were paid in epoch e minus the stake slashed from them in that epoch's
 * report, and honest_e what the honest identity on the same machine was paid. The interval
 * resamples epochs with replacement, each epoch's pair together (the two share the machine, the
 * draws and the oracle), and takes the 2.5 % and 97.5 % quantiles of the resampled gains. With
 * few epochs it is wide, which is the honest answer.
 */
import { createHash } from "node:crypto";

export interface EpochPair {
  /** Tokens the honest identity was paid in the epoch. */
  honest: number;
  /** Tokens the strategy's identities were paid in the epoch, minus stake slashed from them in it. */
  cheater: number;
}

/** Gain of a sample of epochs; -1 (all lost) when the honest identity earned nothing either (no evidence of gain). */
function gainOf(pairs: readonly EpochPair[]): number {
  const h = pairs.reduce((a, p) => a + p.honest, 0);
  const c = pairs.reduce((a, p) => a + p.cheater, 0);
  if (h <= 0) return c > 0 ? Infinity : -1;
  return c / h - 1;
}

/** A deterministic uniform stream from a seed string (SHA-256 in counter mode). */
function uniforms(seed: string): () => number {
  let counter = 0;
  let buf = Buffer.alloc(0);
  let off = 0;
  return () => {
    if (off + 4 > buf.length) {
      buf = createHash("sha256").update(`${seed}:${counter++}`).digest();
      off = 0;
    }
    const v = buf.readUInt32BE(off);
    off += 4;
    return v / 2 ** 32;
  };
}

export function bootstrapGain(pairs: readonly EpochPair[], o: { resamples: number; seed: string }): { gain: number; low: number; high: number } {
  if (pairs.length === 0) return { gain: NaN, low: NaN, high: NaN };
  const u = uniforms(o.seed);
  const gains: number[] = [];
  // Loop bound: o.resamples resamples of pairs.length draws.
  for (let r = 0; r < o.resamples; r++) {
    const sample = Array.from({ length: pairs.length }, () => pairs[Math.floor(u() * pairs.length)]);
    gains.push(gainOf(sample));
  }
  gains.sort((a, b) => a - b);
  const q = (p: number) => gains[Math.min(gains.length - 1, Math.max(0, Math.floor(p * gains.length)))];
  return { gain: gainOf(pairs), low: q(0.025), high: q(0.975) };
}
