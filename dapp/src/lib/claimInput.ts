/**
 * The hardware claim as the operator types it (TFLOPS, GiB) turned into the contract's
 * `HardwareClaim` units (GFLOP/s, MiB, bytes8 region). Pure.
 */
import type { HardwareClaim } from "./chain";
import { regionToBytes8 } from "./format";

export interface ClaimForm {
  gpuModel: number;
  gpuCount: string;
  tflops: string;
  vramGiB: string;
  region: string;
}

/** Bounds of `HardwareClaim` fields (uint16 / uint32 on chain). */
const MAX_U16 = 65_535;
const MAX_U32 = 4_294_967_295;
/** Plain decimal numbers only: no exponent, hex or sign. */
const DECIMAL = /^\d{1,12}(\.\d{1,9})?$/;

export class FormError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FormError";
  }
}

function intField(text: string, what: string, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new FormError(`${what}: a whole number`);
  const n = Number(text.trim());
  if (n > max) throw new FormError(`${what}: at most ${max.toLocaleString("en-US")}`);
  return n;
}

/** The claim typed in the form; throws a FormError naming the first bad field. */
export function claimFrom(form: ClaimForm): HardwareClaim {
  const tflops = Number(form.tflops.trim());
  if (!(DECIMAL.test(form.tflops.trim()) && tflops > 0)) throw new FormError("TFLOPS: a number above zero, like 0.5 or 165");
  // Rounded to the nearest GFLOP/s: the claim is what the operator typed, to the contract's unit.
  const gflops = Math.round(tflops * 1000);
  if (gflops < 1 || gflops > MAX_U32) throw new FormError("TFLOPS: between 0.001 and 4,294,967");
  const vram = Number(form.vramGiB.trim());
  if (!DECIMAL.test(form.vramGiB.trim())) throw new FormError("VRAM: a number of GiB, like 24");
  // Rounded down to whole MiB: never claim more memory than typed.
  const vramMiB = Math.floor(vram * 1024);
  if (vramMiB > MAX_U32) throw new FormError("VRAM: too large");
  return {
    gpuModel: form.gpuModel,
    gpuCount: intField(form.gpuCount, "GPU count", MAX_U16),
    gflops,
    vramMiB,
    region: regionToBytes8(form.region || "unknown"),
  };
}
