/**
 * The infer challenge for the oracle (engine/llm): a batch of prompts synthesized from the
 * challenge seed by the embedded causal LM (spliced from a per-epoch prompt pool, so the model
 * runs once per epoch for prompt synthesis), sized so the batch's forward passes take the target
 * time at the node's claimed throughput; openings drawn from the committed root; opened items
 * recomputed and compared with tolerance. Verified items become synthetic-data records.
 *
 * Openings arrive in the one infer wire format, decoded by protocol/wire/infer.ts. Verification
 * runs in the worker pool when one is given (each worker loads its own copy of the model on its
 * first infer answer), else on the caller's thread.
 */
import type { Hex } from "viem";
import {
  chooseInferOpenings,
  deriveSeed,
  exportSyntheticRecords,
  generateInferChallenge,
  generatePromptPool,
  inferFlops,
  loadEmbeddedModel,
  checkInferOpenings,
  type CausalLm,
  type PromptPool,
} from "../engine/llm";
import type { InferOpening } from "../engine/llm/infer";
import { decodeInferChallenge, decodeInferOpening, encodeInferChallenge } from "../protocol/wire/infer";
import type { HardwareClaim } from "./chain";
import { answerSignatureResult, type PlannedChallenge, type VerifyArgs, type VerifyResult, type VerifyRunner, type WorkKind } from "./work";

/** Prompt pools kept (one per epoch). */
export const MAX_POOLS = 4;

export interface InferWorkOptions {
  /** Tokens per prompt, BOS included. */
  promptLen: number;
  /** Texts in the per-epoch pool. */
  poolSize: number;
  /** Largest batch (bounds the node's work and the spec's size). */
  maxBatch: number;
  /** Fewest items (at least the openings). */
  minBatch: number;
}

export const DEFAULT_INFER_OPTIONS: InferWorkOptions = { promptLen: 32, poolSize: 64, maxBatch: 256, minBatch: 8 };

/**
 * The infer verifier: the embedded model, loaded once on first use (per thread: in InferWork on
 * the main thread, or in each worker of the pool, pool-tasks.ts), and the check of one answer's
 * opened items.
 */
export class InferVerifier {
  private loaded?: Promise<CausalLm>;

  model(): Promise<CausalLm> {
    this.loaded ??= loadEmbeddedModel({ executionProviders: ["cpu"], intraOpNumThreads: 1 });
    return this.loaded;
  }

  async verify({ spec, root, openings, expected }: VerifyArgs): Promise<VerifyResult> {
    const model = await this.model();
    const c = decodeInferChallenge(spec);
    const decoded: InferOpening[] = [];
    for (const o of openings) {
      try {
        decoded.push(decodeInferOpening(o));
      } catch (e) {
        return { ok: false, fraud: true, reason: `malformed opening: ${(e as Error).message}` };
      }
    }
    const v = await checkInferOpenings(model, c, root, decoded, expected);
    if (!v.ok) return { ok: false, fraud: true, reason: v.reason };
    const records = exportSyntheticRecords(model.tokenizer, c, root, decoded, v).map((r) => ({ index: r.item, record: r }));
    return { ok: true, fraud: false, reason: v.reason || `${decoded.length} items verified`, records };
  }

  async close(): Promise<void> {
    if (this.loaded) await (await this.loaded).release();
  }
}

export class InferWork implements WorkKind {
  /** The model for prompt synthesis, and for verification when there is no runner. */
  private readonly local = new InferVerifier();
  private readonly pools = new Map<string, Promise<PromptPool>>();

  /** `runner`: where verifications run (the worker pool); none: here, on the caller's thread. */
  constructor(
    private readonly opts: InferWorkOptions = DEFAULT_INFER_OPTIONS,
    private readonly runner?: VerifyRunner,
  ) {}

  private pool(epochSeed: Hex, model: CausalLm): Promise<PromptPool> {
    let p = this.pools.get(epochSeed);
    if (!p) {
      p = generatePromptPool(deriveSeed(epochSeed, "poai.oracle.infer.pool"), { size: this.opts.poolSize, length: this.opts.promptLen, model });
      if (this.pools.size >= MAX_POOLS) this.pools.delete(this.pools.keys().next().value as string);
      this.pools.set(epochSeed, p);
    }
    return p;
  }

  async plan(epochSeed: Hex, seed: Hex, claim: HardwareClaim, targetMs: number): Promise<PlannedChallenge> {
    const model = await this.local.model();
    const seq = this.opts.promptLen;
    const perItem = inferFlops(1, seq);
    // Rounded up: an honest node is never given less work than the target.
    const wanted = Math.ceil((claim.gflops * 1e9 * (targetMs / 1000)) / perItem);
    const batch = Math.max(this.opts.minBatch, Math.min(this.opts.maxBatch, wanted));
    const challenge = await generateInferChallenge(seed, { batch, promptLen: seq, model, pool: await this.pool(epochSeed, model) });
    const flops = inferFlops(batch, seq);
    return {
      kind: "infer",
      spec: encodeInferChallenge(challenge),
      units: batch,
      mflop: Math.floor(flops / 1e6),
      expectedMs: (flops / (claim.gflops * 1e9)) * 1000,
    };
  }

  chooseOpenings(spec: Record<string, unknown>, draw: Hex, k: number): number[] {
    const c = decodeInferChallenge(spec);
    return chooseInferOpenings(c, draw, Math.min(k, c.prompts.length));
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
    if (this.runner) return this.runner.verify("infer", args);
    return (await answerSignatureResult(args)) ?? this.local.verify(args);
  }

  async close(): Promise<void> {
    await this.local.close();
  }
}
