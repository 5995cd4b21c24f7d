/**
 * Hardware classes a node can claim. `id` is `HardwareClaim.gpuModel` on chain (uint16).
 *
 * Figures are the vendors' published peak numbers, DENSE (no 2:4 structured sparsity), per
 * device, in TFLOPS (10^12 FLOP/s); fp16 and bf16 are tensor-core rates with fp32 accumulation,
 * which is what the gemm challenge needs (its sums must be exact in fp32). A claim states the
 * node's throughput in its class's rated precision (`ratedPrecision`); an honest operator claims
 * what `agent bench` measures, which is below these peaks (a large GEMM reaches roughly 60-85 %
 * of peak). The peaks bound what a claim may say: a claim above `count x peak` is rejected.
 *
 * The CPU class (id 0) has no datasheet: its figures are measured on the machine (`bench`), and
 * the claim is checked against the measured throughput only.
 */
import { ENGINE_ERRORS, type EngineReasons } from "./error-codes";
import { PoaiError, type PoaiErrorOptions } from "./errors";

export type Precision = "fp32" | "tf32" | "fp16" | "bf16";

export interface HardwareClass {
  /** `HardwareClaim.gpuModel`. */
  id: number;
  name: string;
  kind: "gpu" | "cpu";
  /** Precision the class is rated and challenged in. */
  ratedPrecision: Precision;
  /** Dense peak per device, TFLOPS; null where the device has no such unit. */
  peakTflops: Record<Precision, number | null>;
  /** Memory per device, MiB. */
  vramMiB: number;
  /** Memory bandwidth per device, GB/s. */
  memBandwidthGBs: number;
  /** Where the figures come from. */
  source: string;
}

/** Id of the CPU class (machines without a GPU). */
export const CPU_CLASS_ID = 0;

const GIB = 1024;

export const HARDWARE_CLASSES: readonly HardwareClass[] = [
  {
    // Measured-claim class: peak figures are placeholders for "whatever bench measured".
    id: CPU_CLASS_ID,
    name: "CPU (no GPU)",
    kind: "cpu",
    ratedPrecision: "fp32",
    peakTflops: { fp32: 10, tf32: null, fp16: null, bf16: null },
    vramMiB: 1024 * GIB,
    memBandwidthGBs: 100,
    source: "measured by `agent bench` (onnxruntime CPU MatMul); peak is a sanity cap of 10 TFLOPS",
  },
  {
    // NVIDIA H100 Tensor Core GPU datasheet (H100 SXM column): FP32 67, TF32 989*, BF16/FP16
    // 1,979* TFLOPS, *with sparsity -> dense 494.7 / 989.4; 80 GB HBM3, 3.35 TB/s.
    id: 1,
    name: "NVIDIA H100 SXM5 80GB",
    kind: "gpu",
    ratedPrecision: "fp16",
    peakTflops: { fp32: 67, tf32: 494.7, fp16: 989.4, bf16: 989.4 },
    vramMiB: 80 * GIB,
    memBandwidthGBs: 3350,
    source: "NVIDIA H100 Tensor Core GPU datasheet, SXM column (sparsity figures halved)",
  },
  {
    // Same datasheet, H100 PCIe column: FP32 51, TF32 756*, BF16/FP16 1,513* (sparse);
    // 80 GB HBM2e, 2 TB/s.
    id: 2,
    name: "NVIDIA H100 PCIe 80GB",
    kind: "gpu",
    ratedPrecision: "fp16",
    peakTflops: { fp32: 51, tf32: 378, fp16: 756, bf16: 756 },
    vramMiB: 80 * GIB,
    memBandwidthGBs: 2000,
    source: "NVIDIA H100 Tensor Core GPU datasheet, PCIe column (sparsity figures halved)",
  },
  {
    // NVIDIA A100 Tensor Core GPU datasheet: FP32 19.5, TF32 156, BF16/FP16 312 (dense);
    // A100 80GB SXM: HBM2e 2,039 GB/s.
    id: 3,
    name: "NVIDIA A100 80GB SXM",
    kind: "gpu",
    ratedPrecision: "fp16",
    peakTflops: { fp32: 19.5, tf32: 156, fp16: 312, bf16: 312 },
    vramMiB: 80 * GIB,
    memBandwidthGBs: 2039,
    source: "NVIDIA A100 Tensor Core GPU datasheet, A100 80GB SXM column",
  },
  {
    // Same datasheet, A100 40GB: same compute, HBM2 1,555 GB/s.
    id: 4,
    name: "NVIDIA A100 40GB",
    kind: "gpu",
    ratedPrecision: "fp16",
    peakTflops: { fp32: 19.5, tf32: 156, fp16: 312, bf16: 312 },
    vramMiB: 40 * GIB,
    memBandwidthGBs: 1555,
    source: "NVIDIA A100 Tensor Core GPU datasheet, A100 40GB column",
  },
  {
    // NVIDIA L40S datasheet: FP32 91.6, TF32 183 / 366*, BF16/FP16 362.05 / 733*;
    // 48 GB GDDR6, 864 GB/s.
    id: 5,
    name: "NVIDIA L40S",
    kind: "gpu",
    ratedPrecision: "fp16",
    peakTflops: { fp32: 91.6, tf32: 183, fp16: 362, bf16: 362 },
    vramMiB: 48 * GIB,
    memBandwidthGBs: 864,
    source: "NVIDIA L40S datasheet (dense figures)",
  },
  {
    // NVIDIA Ada GPU architecture whitepaper, RTX 4090: FP32 82.6; FP16 tensor with FP32
    // accumulate 165.2 (330.4 sparse); TF32 82.6; BF16 165.2; 24 GB GDDR6X, 1,008 GB/s.
    id: 6,
    name: "NVIDIA GeForce RTX 4090",
    kind: "gpu",
    ratedPrecision: "fp16",
    peakTflops: { fp32: 82.6, tf32: 82.6, fp16: 165.2, bf16: 165.2 },
    vramMiB: 24 * GIB,
    memBandwidthGBs: 1008,
    source: "NVIDIA Ada GPU Architecture whitepaper, Appendix (GeForce RTX 4090, FP32 accumulate)",
  },
  {
    // NVIDIA Ampere GA102 GPU architecture whitepaper, RTX 3090: FP32 35.6; FP16 tensor with
    // FP32 accumulate 71 (142 sparse); TF32 35.6; BF16 71; 24 GB GDDR6X, 936 GB/s.
    id: 7,
    name: "NVIDIA GeForce RTX 3090",
    kind: "gpu",
    ratedPrecision: "fp16",
    peakTflops: { fp32: 35.6, tf32: 35.6, fp16: 71, bf16: 71 },
    vramMiB: 24 * GIB,
    memBandwidthGBs: 936,
    source: "NVIDIA Ampere GA102 GPU Architecture whitepaper (GeForce RTX 3090, FP32 accumulate)",
  },
  {
    // NVIDIA A10 datasheet: FP32 31.2, TF32 62.5 / 125*, BF16/FP16 125 / 250*; 24 GB GDDR6,
    // 600 GB/s.
    id: 8,
    name: "NVIDIA A10",
    kind: "gpu",
    ratedPrecision: "fp16",
    peakTflops: { fp32: 31.2, tf32: 62.5, fp16: 125, bf16: 125 },
    vramMiB: 24 * GIB,
    memBandwidthGBs: 600,
    source: "NVIDIA A10 Tensor Core GPU datasheet (dense figures)",
  },
  {
    // NVIDIA T4 datasheet: single precision 8.1, mixed precision (FP16/FP32) 65 TFLOPS;
    // no TF32 or BF16 units (Turing); 16 GB GDDR6, 320 GB/s.
    id: 9,
    name: "NVIDIA T4",
    kind: "gpu",
    ratedPrecision: "fp16",
    peakTflops: { fp32: 8.1, tf32: null, fp16: 65, bf16: null },
    vramMiB: 16 * GIB,
    memBandwidthGBs: 320,
    source: "NVIDIA T4 Tensor Core GPU datasheet",
  },
];

/** Largest number of devices one node may claim (bounds every per-device loop). */
export const MAX_GPU_COUNT = 64;

/** A hardware claim that names no known class, is malformed or exceeds the class's peak (EN31x). */
export class HardwareError extends PoaiError {
  override name = "HardwareError";

  constructor(
    readonly reason: EngineReasons<"Hardware">,
    shortMessage: string,
    opts?: PoaiErrorOptions,
  ) {
    super(ENGINE_ERRORS[reason], shortMessage, opts);
  }
}

const BY_ID = new Map(HARDWARE_CLASSES.map((c) => [c.id, c]));

export function hardwareClass(id: number): HardwareClass {
  const c = BY_ID.get(id);
  if (!c) throw new HardwareError("HardwareUnknownModel", `no hardware class with id ${id}`);
  return c;
}

/** The engine's view of `HardwareClaim` (region is irrelevant to the challenges). */
export interface NodeClaim {
  gpuModel: number;
  gpuCount: number;
  /** Whole-node dense throughput in the rated precision, GFLOP/s. */
  gflops: number;
  vramMiB: number;
}

/**
 * Checks a claim against its class: known model, 1..MAX_GPU_COUNT devices (CPU: exactly 1),
 * positive throughput not above count x peak, VRAM not above count x device memory.
 * Returns the class.
 */
export function checkClaim(claim: NodeClaim): HardwareClass {
  const cls = hardwareClass(claim.gpuModel);
  const { gpuCount, gflops, vramMiB } = claim;
  if (!Number.isInteger(gpuCount) || gpuCount < 1 || gpuCount > MAX_GPU_COUNT) {
    throw new HardwareError("HardwareBadClaim", `gpuCount ${gpuCount} outside 1..${MAX_GPU_COUNT}`);
  }
  if (cls.kind === "cpu" && gpuCount !== 1) throw new HardwareError("HardwareBadClaim", "a CPU node claims gpuCount 1");
  if (!Number.isFinite(gflops) || gflops <= 0) throw new HardwareError("HardwareBadClaim", `gflops ${gflops} must be > 0`);
  if (!Number.isInteger(vramMiB) || vramMiB <= 0) throw new HardwareError("HardwareBadClaim", `vramMiB ${vramMiB} must be > 0`);
  const peak = cls.peakTflops[cls.ratedPrecision]!;
  if (gflops > gpuCount * peak * 1000) {
    throw new HardwareError("HardwareClaimAbovePeak", `${gflops} GFLOP/s > ${gpuCount} x ${peak} TFLOPS peak of ${cls.name}`);
  }
  if (vramMiB > gpuCount * cls.vramMiB) {
    throw new HardwareError("HardwareClaimAbovePeak", `${vramMiB} MiB > ${gpuCount} x ${cls.vramMiB} MiB of ${cls.name}`);
  }
  return cls;
}

/** Peak throughput of a whole node of `count` devices in the rated precision, GFLOP/s. */
export function peakGflops(id: number, count = 1): number {
  const cls = hardwareClass(id);
  return cls.peakTflops[cls.ratedPrecision]! * 1000 * count;
}
