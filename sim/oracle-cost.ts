/**
 * What the oracle spends per node per epoch, measured on this CPU with the real engine:
 * - gemm: a typical challenge (n = 4096, the size the engine gives every GPU class, and the
 *   batch the engine sizes for the typical claim) with honest openings under a root of the real
 *   tree (engine/bench/deep-gemm.ts: the opened rows computed exactly, every other leaf random,
 *   the whole tree built, so proofs have the real length and meet where real ones do). Timed
 *   per challenge, in CPU time of the process: the openings chosen at commit time, then the
 *   verifier's work (verifyGemmOpenings = chooseOpenings + checkGemmOpenings: every proof,
 *   fingerprint and Freivalds check). The verifier key (B·s etc.) is built once per size per
 *   epoch and reported apart.
 * - infer (when the protocol issues it): the engine's pooled prompts (a pool sampled once per
 *   epoch, each challenge splicing its prompts from it), then the choice of the opened items at
 *   commit time and verifyInferOpenings, on a small batch, in CPU time of the process
 *   (onnxruntime's threads included). The node's reply (openInfer) is not timed.
 * Not timed: decoding openings from the wire (JSON, base64), HTTP and the database.
 * Impure (timing, onnxruntime): used by the benchmark, not by the runner.
 */
import { loadavg } from "node:os";
import { keccak256 } from "viem";
import { buildDeepGemmChallenge } from "../engine/bench/deep-gemm";
import { chooseOpenings, gemmSecretSeed, gemmSharedSeed, generateGemmChallenge } from "../engine/gemm/spec";
import { prepareGemmVerifier } from "../engine/gemm/verifier-key";
import { checkGemmOpenings } from "../engine/gemm/verify";
import { checkClaim, peakGflops, type NodeClaim } from "../engine/hardware";
import { chooseInferOpenings, openInfer, runInfer, verifyInferOpenings } from "../engine/llm/infer";
import { loadEmbeddedModel } from "../engine/llm/model";
import { generateInferChallenge, generatePromptPool } from "../engine/llm/prompts";
import { sizeGemm } from "../engine/sizing";
import { SimError } from "./errors";
import type { ProtocolParams } from "./params";

export interface OracleCost {
  gemm: {
    n: number;
    /** Leaves of the typical challenge's tree (its batch from the engine's sizing). */
    leaves: number;
    openings: number;
    /** Siblings per proof (the real tree's depth). */
    proofLength: number;
    /** Per challenge: openings chosen at commit, then verifyGemmOpenings (proofs of the real length included). */
    chooseMs: number;
    verifyMs: number;
    perChallengeMs: number;
    /** Once per size per epoch (shared by every node). */
    keyBuildMs: number;
  };
  infer: { batch: number; openings: number; poolMs: number; generateMs: number; verifyMs: number; perChallengeMs: number } | null;
  /** Load average of this machine while measuring (the CPU is shared; timings grow with it). */
  loadAverage: number;
  /** Expected oracle time per node per epoch at the protocol's rounds and kind mix. */
  perNodeEpochMs: number;
  /** Nodes one oracle core verifies within one epoch of `epochMs`. */
  nodesPerCore: number;
  epochMs: number;
  typicalClaim: NodeClaim;
}

/** Infer challenges timed (after INFER_WARMUP untimed ones). */
export const INFER_REPEATS = 12;
export const INFER_WARMUP = 3;

/** Untimed verifications before timing (the JIT, and WebAssembly tier-up, compile on background threads whose CPU the process clock counts). */
export const WARMUP_REPEATS = 50;

/** CPU time of this process so far, ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export async function measureOracleCost(p: ProtocolParams, epochMs: number, opts: { repeats?: number; inferBatch?: number } = {}): Promise<OracleCost> {
  const repeats = Math.max(3, Math.min(opts.repeats ?? 31, 200));
  // Typical claim: an RTX 4090 at 85 % of its peak (the fleet's most common class).
  const typicalClaim: NodeClaim = { gpuModel: 6, gpuCount: 1, gflops: Math.round(peakGflops(6) * 0.85), vramMiB: 24 * 1024 };
  checkClaim(typicalClaim);
  const sizing = sizeGemm(typicalClaim, { targetSeconds: p.targetMs / 1000 });
  const epochSeed = keccak256(new TextEncoder().encode("poai.sim.oracle-cost"));
  const shared = gemmSharedSeed(epochSeed, sizing.n);
  const k0 = cpuMs();
  const key = prepareGemmVerifier(shared, gemmSecretSeed(epochSeed, sizing.n), sizing.n);
  const keyBuildMs = cpuMs() - k0;
  // A challenge of the typical size, its tree of the real depth, honest openings (see the header).
  const spec = generateGemmChallenge(keccak256(new TextEncoder().encode("poai.sim.oracle-cost.challenge")), sizing, shared);
  const k = Math.min(p.openings, sizing.n);
  const deep = buildDeepGemmChallenge(spec, k, "poai.sim.oracle-cost");
  const choose: number[] = [];
  const verify: number[] = [];
  // Warm-up: the first calls run before the JIT has compiled the verifier's code.
  for (let r = 0; r < WARMUP_REPEATS; r++) checkGemmOpenings(spec, deep.root, deep.openings, key, deep.indices);
  // CPU time of this process (user + system), not wall time: the machine is shared, and the
  // oracle's cost is the CPU it burns. The verifier is single-threaded.
  for (let r = 0; r < repeats; r++) {
    const c0 = cpuMs();
    chooseOpenings(spec, deep.root, k);
    choose.push(cpuMs() - c0);
    // verifyGemmOpenings(spec, root, ...) is chooseOpenings(spec, root, k) then these checks;
    // the openings were drawn from a provisional root (deep-gemm.ts), so the list is passed.
    const v0 = cpuMs();
    chooseOpenings(spec, deep.root, k);
    const v = checkGemmOpenings(spec, deep.root, deep.openings, key, deep.indices);
    verify.push(cpuMs() - v0);
    if (!v.ok) throw new SimError("SimOracleCostUnverified", `an honest answer did not verify: ${v.reason} ${v.detail}`);
  }
  const gemmPer = median(choose) + median(verify);

  let infer: OracleCost["infer"] = null;
  const inferShare = p.kinds.includes("infer") ? p.kinds.filter((x) => x === "infer").length / p.kinds.length : 0;
  if (inferShare > 0) {
    const batch = opts.inferBatch ?? 64;
    const k = Math.min(batch, p.inferOpenings ?? p.openings);
    // Pooled prompts (the engine's cheap mode): the pool is sampled once per epoch, each
    // challenge splices its prompts from it. CPU time of the process (onnxruntime's threads
    // included) for the oracle's steps: the challenge's prompts, then openings and verification.
    const model = await loadEmbeddedModel({ intraOpNumThreads: 1 });
    const p0 = cpuMs();
    const pool = await generatePromptPool(keccak256(new TextEncoder().encode("poai.sim.oracle-cost.pool")), { size: 32, length: Math.min(2 * 64, model.maxContext - 1), model });
    const poolMs = cpuMs() - p0;
    const gen: number[] = [];
    const ver: number[] = [];
    for (let r = 0; r < INFER_WARMUP + INFER_REPEATS; r++) {
      const g0 = cpuMs();
      const challenge = await generateInferChallenge(keccak256(new TextEncoder().encode(`poai.sim.oracle-cost.infer.${r}`)), { batch, promptLen: 64, model, pool });
      const genMs = cpuMs() - g0;
      const answer = await runInfer(model, challenge); // the node's work, not timed
      const c0 = cpuMs();
      const indices = chooseInferOpenings(challenge, answer.root, k); // at commit
      const chooseMs = cpuMs() - c0;
      const openings = openInfer(answer, indices); // the node's reply, not timed
      const v0 = cpuMs();
      const v = await verifyInferOpenings(model, challenge, answer.root, openings, answer.root, k);
      const verifyMs = cpuMs() - v0;
      if (!v.ok) throw new SimError("SimOracleCostUnverified", `an honest infer answer did not verify: ${v.reason}`);
      if (r >= INFER_WARMUP) {
        gen.push(genMs);
        ver.push(chooseMs + verifyMs);
      }
    }
    await model.release();
    infer = { batch, openings: k, poolMs, generateMs: median(gen), verifyMs: median(ver), perChallengeMs: median(gen) + median(ver) };
  }
  const perChallenge = (1 - inferShare) * gemmPer + inferShare * (infer?.perChallengeMs ?? 0);
  const perNodeEpochMs = p.roundsPerEpoch * perChallenge;
  return {
    gemm: { n: sizing.n, leaves: deep.leaves, openings: k, proofLength: deep.proofLength, chooseMs: median(choose), verifyMs: median(verify), perChallengeMs: gemmPer, keyBuildMs },
    infer,
    perNodeEpochMs,
    nodesPerCore: Math.floor(epochMs / perNodeEpochMs),
    epochMs,
    loadAverage: loadavg()[0],
    typicalClaim,
  };
}
