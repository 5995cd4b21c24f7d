/**
 * The gemm challenge for the oracle (engine/gemm/verify.ts): sized to the node's claim with
 * engine/sizing.ts, openings drawn from the committed root, verified with the per-epoch
 * verifier key (Freivalds vector secret until the epoch seed is revealed).
 *
 * Wire format of an opening (POST /v1/challenges/:id/open), either
 *   {index, data, proof}: data = 0x-hex of float32 little-endian (row C_i ‖ its fingerprint group), or
 *   {index, row, group, proof}: engine/gemm.ts `GemmOpeningWire` (base64 float32 little-endian).
 */
import { hexToBytes, type Hex } from "viem";
import {
  chooseOpenings,
  checkGemmSpec,
  gemmLeaves,
  gemmRows,
  gemmSecretSeed,
  gemmSharedSeed,
  generateGemmChallenge,
  type GemmOpening,
  type GemmSpec,
} from "../engine/gemm/spec";
import { f32FromBytes } from "../engine/gemm/formats";
import { prepareGemmVerifier, type GemmVerifierKey } from "../engine/gemm/verifier-key";
import { verifyGemmOpenings } from "../engine/gemm/verify";
import { decodeGemmOpening } from "../protocol/wire/gemm";
import { sizeGemm } from "../engine/sizing";
import type { HardwareClaim } from "./chain";
import type { PlannedChallenge, VerifyResult, WorkKind } from "./work";

/** Verifier keys kept (one per epoch and matrix size). */
export const MAX_VERIFIER_KEYS = 16;

export class GemmWork implements WorkKind {
  private readonly keys = new Map<string, GemmVerifierKey>();

  constructor(private readonly opts: { maxN: number }) {}

  plan(epochSeed: Hex, seed: Hex, claim: HardwareClaim, targetMs: number): PlannedChallenge {
    const sizing = sizeGemm(
      { gpuModel: claim.gpuModel, gpuCount: Math.max(1, claim.gpuCount), gflops: claim.gflops, vramMiB: claim.vramMiB },
      { targetSeconds: targetMs / 1000, maxN: this.opts.maxN },
    );
    const spec = generateGemmChallenge(seed, sizing, gemmSharedSeed(epochSeed, sizing.n));
    return {
      kind: "gemm",
      spec: spec as unknown as Record<string, unknown>,
      units: gemmRows(spec),
      // Rounds down: MFLOP of verified work.
      mflop: Math.floor(sizing.flops / 1e6),
      expectedMs: sizing.expectedSeconds * 1000,
    };
  }

  chooseOpenings(spec: Record<string, unknown>, root: Hex, k: number): number[] {
    const s = spec as unknown as GemmSpec;
    return chooseOpenings(s, root, Math.min(k, gemmRows(s)));
  }

  private key(epochSeed: Hex, spec: GemmSpec): GemmVerifierKey {
    const id = `${spec.sharedSeed}:${spec.n}`;
    let k = this.keys.get(id);
    if (!k) {
      k = prepareGemmVerifier(spec.sharedSeed, gemmSecretSeed(epochSeed, spec.n), spec.n);
      if (this.keys.size >= MAX_VERIFIER_KEYS) this.keys.delete(this.keys.keys().next().value as string);
      this.keys.set(id, k);
    }
    return k;
  }

  async verify(epochSeed: Hex, specIn: Record<string, unknown>, root: Hex, openings: readonly Record<string, unknown>[], k: number): Promise<VerifyResult> {
    const spec = specIn as unknown as GemmSpec;
    checkGemmSpec(spec);
    const decoded: GemmOpening[] = [];
    for (const o of openings) {
      try {
        decoded.push(decodeOpening(o, spec));
      } catch (e) {
        return { ok: false, fraud: true, reason: `malformed opening: ${(e as Error).message}` };
      }
    }
    const v = verifyGemmOpenings(spec, root, decoded, this.key(epochSeed, spec), { k: Math.min(k, gemmRows(spec)) });
    if (v.ok) return { ok: true, fraud: false, reason: v.detail };
    // Every rejection is of a committed answer: the root was fixed before the openings were known.
    return { ok: false, fraud: true, reason: `${v.reason}: ${v.detail}`, evidence: v.evidence ?? undefined };
  }
}

function decodeOpening(o: Record<string, unknown>, spec: GemmSpec): GemmOpening {
  if (typeof o.row === "string" && typeof o.group === "string") {
    return decodeGemmOpening(o as never, spec);
  }
  if (typeof o.data !== "string" || !Array.isArray(o.proof) || !Number.isInteger(o.index)) throw new Error("opening needs index, data and proof");
  const index = o.index as number;
  const all = f32FromBytes(hexToBytes(o.data as Hex));
  const g = spec.groupRows;
  const rows = gemmRows(spec);
  if (index < 0 || index >= rows) throw new Error(`row ${index} out of range`);
  const j = Math.floor(index / g);
  const groupLen = (Math.min(rows, (j + 1) * g) - j * g) * spec.projCols;
  if (all.length !== spec.n + groupLen) throw new Error(`data holds ${all.length} floats, expected ${spec.n} + ${groupLen}`);
  return { index, row: all.slice(0, spec.n), group: all.slice(spec.n), proof: o.proof as Hex[] };
}

export { gemmLeaves };
