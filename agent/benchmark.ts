/**
 * What this machine can honestly claim: the engine's gemm kernel (the code that answers
 * challenges) timed end to end, as the oracle times a challenge (data generation, products,
 * fingerprints, Merkle root), on the sizes challenges use; VRAM from nvidia-smi, else RAM.
 */
import { freemem } from "node:os";
import { keccak256, stringToBytes } from "viem";
import { generateGemmChallenge } from "../engine/gemm/spec";
import { runGemm } from "../engine/gemm/kernel";
import { CPU_CLASS_ID, HARDWARE_CLASSES } from "../engine/hardware";
import { HONEST_CLAIM_SHARE } from "../engine/judge";
import { queryGpus } from "./gpu";

/**
 * Share of the measured throughput claimed by default on a CPU: its cores are shared with the
 * agent itself, the OS and often other agents (the demo runs five on one machine).
 */
export const DEFAULT_CLAIM_MARGIN = 0.5;

/**
 * The default claim share for a provider: on a GPU, the judge's HONEST_CLAIM_SHARE (0.85: the
 * judge expects an undisturbed honest node to deliver at least 1.05x its claim, and pay follows
 * measured throughput up to 1.3x the claim, so the margin costs an honest node nothing); on a
 * CPU, DEFAULT_CLAIM_MARGIN.
 */
export function defaultClaimMargin(provider: string): number {
  return provider === "cpu" ? DEFAULT_CLAIM_MARGIN : HONEST_CLAIM_SHARE;
}
/** Matrix sizes timed (challenges for small claims use these). */
export const BENCH_SIZES = [256, 512, 1024] as const;
/** Most runs per size (bounds the bench loop). */
const MAX_RUNS_PER_SIZE = 50;

export interface MachineMeasurement {
  classId: number;
  className: string;
  gpus: { name: string; memoryMiB: number }[];
  provider: string;
  /** Lowest end-to-end GFLOP/s over the sizes (best run per size): what a claim is based on. */
  measuredGflops: number;
  /** Highest end-to-end GFLOP/s over the sizes (the machine at its most efficient size). */
  bestGflops: number;
  perSize: { n: number; batch: number; gflops: number; ms: number }[];
  vramMiB: number;
}

export async function measureMachine(opts: { seconds?: number; threads?: number } = {}): Promise<MachineMeasurement> {
  const gpus = (await queryGpus()) ?? [];
  const providers = gpus.length > 0 ? ["cuda", "cpu"] : ["cpu"];
  const budgetMs = (opts.seconds ?? 3) * 1000;
  const perSize: MachineMeasurement["perSize"] = [];
  let provider = "cpu";
  for (const n of BENCH_SIZES) {
    const until = performance.now() + budgetMs / BENCH_SIZES.length;
    // Like a challenge for a small claim: at least 4 matrices, about 2^31 FLOP per run.
    const batch = Math.max(4, Math.round(2 ** 31 / (2 * n ** 3)));
    let best = 0;
    let bestMs = 0;
    for (let r = 0; r < MAX_RUNS_PER_SIZE && (r < 2 || performance.now() < until); r++) {
      const spec = generateGemmChallenge(keccak256(stringToBytes(`poai.bench.${n}.${r}`)), { n, batch, precision: "fp32" });
      const run = await runGemm(spec, { executionProviders: providers, intraOpNumThreads: opts.threads ?? 0 });
      provider = run.provider;
      const gflops = (2 * batch * n ** 3) / (run.timings.totalMs * 1e6);
      if (gflops > best) {
        best = gflops;
        bestMs = run.timings.totalMs;
      }
    }
    perSize.push({ n, batch, gflops: best, ms: bestMs });
  }
  const measuredGflops = Math.min(...perSize.map((p) => p.gflops));
  const bestGflops = Math.max(...perSize.map((p) => p.gflops));
  const classId = gpus.length > 0 ? matchClass(gpus[0].name) : CPU_CLASS_ID;
  const vramMiB = gpus.length > 0 ? gpus.reduce((s, g) => s + g.memoryMiB, 0) : Math.floor(freemem() / (1024 * 1024));
  return { classId, className: HARDWARE_CLASSES.find((c) => c.id === classId)?.name ?? "unknown", gpus, provider, measuredGflops, bestGflops, perSize, vramMiB };
}

/** The hardware class whose name best matches nvidia-smi's GPU name; CPU class if none does. */
export function matchClass(gpuName: string): number {
  const norm = (s: string) => s.toLowerCase().replace(/nvidia|geforce|tensor core|[^a-z0-9]/g, "");
  const g = norm(gpuName);
  let best = CPU_CLASS_ID;
  let bestLen = 0;
  for (const c of HARDWARE_CLASSES) {
    if (c.kind !== "gpu") continue;
    const model = norm(c.name.split(" ").slice(0, 3).join(" "));
    if (g.includes(model) && model.length > bestLen) {
      best = c.id;
      bestLen = model.length;
    }
  }
  return best;
}
