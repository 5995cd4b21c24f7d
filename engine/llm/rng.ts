/**
 * Counter-based pseudo-random numbers: every value is a pure function of (key, stream, counter),
 * so any weight of the model or any sampling draw can be recomputed on its own, in any order, in
 * any process. Integer arithmetic only (Math.imul, shifts, xor), so results are identical on
 * every JavaScript engine. Not a cryptographic generator: it derives model weights and sampling
 * noise from seeds that are themselves public; unpredictability comes from the keccak-derived
 * key, never from this mixer.
 */
import { bytesToHex, stringToBytes, type Hex } from "viem";
import { LlmError } from "./errors";
import { keccak256Bytes } from "../keccak";
import { hex32ToBytes } from "../merkle";
import { mix32 } from "../prng";

export { mix32 };

/** Checks a bytes32 hex seed ("0x" and 64 hex digits of either case) and returns its bytes. */
export function seedBytes(seed: Hex): Uint8Array {
  const b = typeof seed === "string" && seed.charCodeAt(1) === 120 ? hex32ToBytes(seed) : null;
  if (!b) throw new LlmError("LlmBadSeed", `seed must be a 32-byte hex string, got ${String(seed).slice(0, 80)}`);
  return b;
}

/** `keccak256(seed ‖ utf8(domain))`: separates the uses of one seed. */
export function deriveSeed(seed: Hex, domain: string): Hex {
  const d = stringToBytes(domain);
  const input = new Uint8Array(32 + d.length);
  input.set(seedBytes(seed), 0);
  input.set(d, 32);
  return bytesToHex(keccak256Bytes(input));
}

export class CounterRng {
  private readonly k: Uint32Array;

  /** The key is the 256-bit seed, used as eight 32-bit words. */
  constructor(seed: Hex) {
    const b = seedBytes(seed);
    this.k = new Uint32Array(8);
    for (let i = 0; i < 8; i++) this.k[i] = ((b[4 * i] << 24) | (b[4 * i + 1] << 16) | (b[4 * i + 2] << 8) | b[4 * i + 3]) >>> 0;
  }

  /** One 32-bit word of stream `stream` at position `counter` (0 <= counter < 2^53). */
  u32(stream: number, counter: number): number {
    const k = this.k;
    let h = mix32(k[0] ^ mix32((stream + 0x9e3779b9) >>> 0));
    h = mix32(h ^ k[1] ^ (counter >>> 0));
    h = mix32(h ^ k[2] ^ (Math.floor(counter / 4294967296) >>> 0));
    h = mix32(h ^ k[3] ^ k[4]);
    return mix32(h ^ k[5] ^ k[6] ^ k[7]);
  }

  /** Uniform in [0, 1) with 24 bits, exact as float32 and float64. */
  uniform(stream: number, counter: number): number {
    return (this.u32(stream, counter) >>> 8) / 16777216;
  }

  /**
   * Approximately standard normal: Irwin-Hall sum of four 24-bit uniforms, centred and scaled to
   * unit variance. Only additions and one multiplication of dyadic numbers, so the value is
   * exact and identical everywhere (no log/cos whose last bit may differ between engines).
   */
  normal(stream: number, counter: number): number {
    const c = counter * 4;
    const s = this.uniform(stream, c) + this.uniform(stream, c + 1) + this.uniform(stream, c + 2) + this.uniform(stream, c + 3);
    // Var of the sum of 4 U(0,1) is 4/12 = 1/3, so multiply by sqrt(3).
    return (s - 2) * 1.7320508075688772;
  }

  /** Integer uniform in [0, n), n <= 2^32 (rejection-free; bias < n / 2^32, negligible here). */
  below(stream: number, counter: number, n: number): number {
    return Math.floor((this.u32(stream, counter) / 4294967296) * n);
  }
}
