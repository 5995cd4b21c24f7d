/**
 * What the oracle spends per node per epoch, measured on this CPU with the real engine:
 * - gemm: a typical challenge (n = 4096, the size the engine gives every GPU class) is run
 *   honestly once (onnxruntime, one product), then the oracle's real work per challenge is timed:
 *   choosing the openings at commit time, and verifyGemmOpenings (which chooses them again,
 *   checks each proof, fingerprint and Freivalds product), in CPU time of the process. A real challenge has a deeper Merkle
 *   tree than the one-product instance: the extra keccak256 per opening are timed and added.
 *   The verifier key (B·s etc.) is built once per size per epoch and reported apart.
 * - infer (when the protocol issues it): the engine's pooled prompts (a pool sampled once per
 *   epoch, each challenge splicing its prompts from it), then the choice and verification of the
 *   opened items, on a small batch, in CPU time of the process (onnxruntime's threads included).
 * Impure (timing, onnxruntime): used by the benchmark, not by the runner.
 */
import { loadavg } from "node:os";
import { keccak256, type Hex } from "viem";
import {
  chooseOpenings,
  gemmLeaves,
  gemmSecretSeed,
  gemmSharedSeed,
  generateGemmChallenge,
  openGemm,
  prepareGemmVerifier,
  runGemm,
  verifyGemmOpenings,
} from "../engine/gemm";
import { checkClaim, peakGflops, type NodeClaim } from "../engine/hardware";
import { verifyMerkleProof } from "../engine/merkle";
import { chooseInferOpenings, openInfer, runInfer, verifyInferOpenings } from "../engine/llm/infer";
import { loadEmbeddedModel } from "../engine/llm/model";
import { generateInferChallenge, generatePromptPool } from "../engine/llm/prompts";
import { sizeGemm } from "../engine/sizing";
import type { ProtocolParams } from "./params";

export interface OracleCost {
  gemm: {
    n: number;
    /** Leaves of the typical challenge's tree (its batch from the engine's sizing). */
    leaves: number;
    openings: number;
    /** Per challenge: openings chosen at commit, then verifyGemmOpenings. */
    chooseMs: number;
    verifyMs: number;
    /** Extra proof hashing of the real tree depth, per challenge. */
    depthMs: number;
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

/** Proof verifications timed per length. */
export const PROOF_REPEATS = 400;

/** Infer challenges timed (the first verification is a warm-up). */
export const INFER_REPEATS = 6;

/** Untimed verifications before timing. */
export const WARMUP_REPEATS = 8;

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
  // One product of the real size, computed honestly, so every check runs its full path.
  const spec = generateGemmChallenge(keccak256(new TextEncoder().encode("poai.sim.oracle-cost.challenge")), { n: sizing.n, batch: 1, precision: sizing.precision }, shared);
  const run = await runGemm(spec, { executionProviders: ["cpu"] });
  const k = Math.min(p.openings, sizing.n);
  const indices = chooseOpenings(spec, run.root, k);
  const openings = openGemm(run, indices);
  const choose: number[] = [];
  const verify: number[] = [];
  // Warm-up: the first calls run before the JIT has compiled the verifier's loops.
  for (let r = 0; r < WARMUP_REPEATS; r++) verifyGemmOpenings(spec, run.root, openings, key, { k });
  // CPU time of this process (user + system), not wall time: the machine is shared, and the
  // oracle's cost is the CPU it burns. The verifier is single-threaded JavaScript.
  for (let r = 0; r < repeats; r++) {
    const c0 = cpuMs();
    chooseOpenings(spec, run.root, k);
    choose.push(cpuMs() - c0);
    const v0 = cpuMs();
    const v = verifyGemmOpenings(spec, run.root, openings, key, { k });
    verify.push(cpuMs() - v0);
    if (!v.ok) throw new Error(`SimOracleCost: an honest answer did not verify: ${v.reason} ${v.detail}`);
  }
  // Depth difference: proof length of the real tree minus that of the one-product tree.
  const realLeaves = gemmLeaves({ ...spec, batch: sizing.batch });
  const extraLevels = Math.max(0, Math.ceil(Math.log2(realLeaves)) - Math.ceil(Math.log2(gemmLeaves(spec))));
  // Cost of one proof level as the verifier pays it: the engine's verifyMerkleProof over proofs
  // of two lengths (random siblings: the hashing is the same whether or not the root matches).
  const rand = (i: number) => keccak256(new TextEncoder().encode(`poai.sim.level.${i}`));
  const long = Array.from({ length: 24 }, (_, i) => rand(i));
  const short = long.slice(0, 4);
  const timeProofs = (proof: Hex[]) => {
    const c0 = cpuMs();
    for (let i = 0; i < PROOF_REPEATS; i++) verifyMerkleProof(run.root, rand(1000), proof);
    return cpuMs() - c0;
  };
  timeProofs(long); // warm-up
  const hashMs = Math.max(0, (timeProofs(long) - timeProofs(short)) / PROOF_REPEATS / (long.length - short.length));
  const depthMs = extraLevels * k * hashMs;
  const gemmPer = median(choose) + median(verify) + depthMs;

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
    for (let r = 0; r < INFER_REPEATS; r++) {
      const g0 = cpuMs();
      const challenge = await generateInferChallenge(keccak256(new TextEncoder().encode(`poai.sim.oracle-cost.infer.${r}`)), { batch, promptLen: 64, model, pool });
      gen.push(cpuMs() - g0);
      const answer = await runInfer(model, challenge);
      const v0 = cpuMs();
      const openings = openInfer(answer, chooseInferOpenings(challenge, answer.root, k));
      const v = await verifyInferOpenings(model, challenge, answer.root, openings, k);
      if (r > 0) ver.push(cpuMs() - v0); // the first verification warms the session up
      if (!v.ok) throw new Error(`SimOracleCost: an honest infer answer did not verify: ${v.reason}`);
    }
    await model.release();
    infer = { batch, openings: k, poolMs, generateMs: median(gen), verifyMs: median(ver), perChallengeMs: median(gen) + median(ver) };
  }
  const perChallenge = (1 - inferShare) * gemmPer + inferShare * (infer?.perChallengeMs ?? 0);
  const perNodeEpochMs = p.roundsPerEpoch * perChallenge;
  return {
    gemm: { n: sizing.n, leaves: realLeaves, openings: k, chooseMs: median(choose), verifyMs: median(verify), depthMs, perChallengeMs: gemmPer, keyBuildMs },
    infer,
    perNodeEpochMs,
    nodesPerCore: Math.floor(epochMs / perNodeEpochMs),
    epochMs,
    loadAverage: loadavg()[0],
    typicalClaim,
  };
}
