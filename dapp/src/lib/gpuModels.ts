/**
 * GPU classes an operator can claim. The `id` is `HardwareClaim.gpuModel` on chain.
 * TODO(engine/hardware.ts): replace with the engine's class table once it exists.
 */
export interface GpuModelOption {
  id: number;
  label: string;
  /** Rated dense TFLOP/s of one GPU of the class, to prefill the claim. */
  tflopsPerGpu: number;
  vramGiBPerGpu: number;
}

export const GPU_MODELS: readonly GpuModelOption[] = [
  { id: 0, label: "CPU (no GPU)", tflopsPerGpu: 0.1, vramGiBPerGpu: 4 },
  { id: 1, label: "NVIDIA H100 SXM", tflopsPerGpu: 989, vramGiBPerGpu: 80 },
  { id: 2, label: "NVIDIA A100 80GB", tflopsPerGpu: 312, vramGiBPerGpu: 80 },
  { id: 3, label: "NVIDIA L40S", tflopsPerGpu: 362, vramGiBPerGpu: 48 },
  { id: 4, label: "NVIDIA RTX 4090", tflopsPerGpu: 165, vramGiBPerGpu: 24 },
];

export function gpuModelLabel(id: number): string {
  return GPU_MODELS.find((m) => m.id === id)?.label ?? `model #${id}`;
}
