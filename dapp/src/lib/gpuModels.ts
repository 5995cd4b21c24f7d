/**
 * GPU classes an operator can claim: the engine's hardware table (engine/hardware.ts), whose
 * `id` is `HardwareClaim.gpuModel` on chain. Nothing here is a second copy of the table.
 */
import { checkClaim, HARDWARE_CLASSES, HardwareError, type NodeClaim } from "../../../engine/hardware";

export interface GpuModelOption {
  id: number;
  label: string;
  kind: "gpu" | "cpu";
  /** Dense peak of one device in the class's rated precision, TFLOP/s. */
  peakTflops: number;
  precision: string;
  vramGiB: number;
}

export const GPU_MODELS: readonly GpuModelOption[] = HARDWARE_CLASSES.map((c) => ({
  id: c.id,
  label: c.name,
  kind: c.kind,
  peakTflops: c.peakTflops[c.ratedPrecision] ?? 0,
  precision: c.ratedPrecision,
  vramGiB: c.vramMiB / 1024,
}));

export function gpuModelLabel(id: number): string {
  return GPU_MODELS.find((m) => m.id === id)?.label ?? `model #${id}`;
}

/** The engine's check of a claim against its class, as a sentence; null when the claim is plausible. */
export function claimProblem(claim: NodeClaim): string | null {
  try {
    checkClaim(claim);
    return null;
  } catch (e) {
    if (e instanceof HardwareError) return e.shortMessage;
    throw e;
  }
}
