/**
 * The gemm challenge for the oracle (engine/gemm/verify.ts): sized to the node's claim with
 * engine/sizing.ts, openings drawn from the challenge's opening draw (protocol/openings.ts), verified with the per-epoch
 * verifier key (Freivalds vector secret until the epoch seed is revealed). Openings arrive in
 * the one gemm wire format, decoded by protocol/wire/gemm.ts. Verification runs in the worker
 * pool when one is given (its inputs and verdict are plain data), else on the caller's thread.
 */
import type { Hex } from "viem";
import {
  chooseOpenings,
  gemmLeaves,
  gemmRows,
  gemmSecretSeed,
  gemmSharedSeed,
  generateGemmChallenge,
  type GemmOpening,
  type GemmSpec,
} from "../engine/gemm/spec";
import { prepareGemmVerifier, type GemmVerifierKey } from "../engine/gemm/verifier-key";
import { checkGemmOpenings } from "../engine/gemm/verify";
import { decodeGemmOpening, decodeGemmSpec, encodeGemmSpec } from "../protocol/wire/gemm";
import { sizeGemm } from "../engine/sizing";
import type { HardwareClaim } from "./chain";
import { answerSignatureResult, type PlannedChallenge, type VerifyArgs, type VerifyResult, type VerifyRunner, type WorkKind } from "./work";

/** Verifier keys kept (one per epoch and matrix size). */
export const MAX_VERIFIER_KEYS = 16;

/**
 * The gemm verifier: per-epoch verifier keys (kept per thread, MAX_VERIFIER_KEYS of them) and the
 * check of one answer's openings. Runs wherever it is constructed: in GemmWork on the main
 * thread, or in each worker of the pool (pool-tasks.ts).
 */
export class GemmVerifier {
  private readonly keys = new Map<string, GemmVerifierKey>();

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

  verify({ epochSeed, spec: specIn, root, openings, expected }: VerifyArgs): VerifyResult {
    // The oracle's own stored spec: one that does not decode is a verifier error, not the node's.
    const spec = decodeGemmSpec(specIn);
    const decoded: GemmOpening[] = [];
    for (const o of openings) {
      try {
        decoded.push(decodeGemmOpening(o, spec));
      } catch (e) {
        return { ok: false, fraud: true, reason: `malformed opening: ${(e as Error).message}` };
      }
    }
    const v = checkGemmOpenings(spec, root, decoded, this.key(epochSeed, spec), expected);
    if (v.ok) return { ok: true, fraud: false, reason: v.detail };
    // Every rejection is of a committed answer: the root was fixed before the openings were known,
    // and the node key signed root and openings together (work.ts answerSignatureResult).
    return { ok: false, fraud: true, reason: `${v.reason}: ${v.detail}`, evidence: v.evidence ?? undefined };
  }
}

export class GemmWork implements WorkKind {
  private local?: GemmVerifier;

  /** `runner`: where verifications run (the worker pool); none: here, on the caller's thread. */
  constructor(
    private readonly opts: { maxN: number },
    private readonly runner?: VerifyRunner,
  ) {}

  plan(epochSeed: Hex, seed: Hex, claim: HardwareClaim, targetMs: number): PlannedChallenge {
    const sizing = sizeGemm(
      { gpuModel: claim.gpuModel, gpuCount: Math.max(1, claim.gpuCount), gflops: claim.gflops, vramMiB: claim.vramMiB },
      { targetSeconds: targetMs / 1000, maxN: this.opts.maxN },
    );
    const spec = generateGemmChallenge(seed, sizing, gemmSharedSeed(epochSeed, sizing.n));
    return {
      kind: "gemm",
      spec: encodeGemmSpec(spec),
      units: gemmRows(spec),
      // Rounds down: MFLOP of verified work.
      mflop: Math.floor(sizing.flops / 1e6),
      expectedMs: sizing.expectedSeconds * 1000,
    };
  }

  chooseOpenings(spec: Record<string, unknown>, draw: Hex, k: number): number[] {
    const s = decodeGemmSpec(spec);
    return chooseOpenings(s, draw, Math.min(k, gemmRows(s)));
  }

  async verify(
    epochSeed: Hex,
    spec: Record<string, unknown>,
    root: Hex,
    openings: readonly Record<string, unknown>[],
    expected: readonly number[],
    signed?: VerifyArgs["signed"],
  ): Promise<VerifyResult> {
    const args = { epochSeed, spec, root, openings, expected, signed };
    if (this.runner) return this.runner.verify("gemm", args);
    const unsigned = await answerSignatureResult(args);
    if (unsigned) return unsigned;
    this.local ??= new GemmVerifier();
    return this.local.verify(args);
  }
}

export { gemmLeaves };
