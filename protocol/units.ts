/**
 * The chain's hardware integers for people (DESIGN.md "Units"): GFLOP/s as TFLOPS, MiB as GiB.
 * The chain's values stay canonical everywhere they are stored or sent; these are for reading
 * only. Shared by the agent's CLI and the dApp, so both print a claim the same way.
 */

/** Decimals of the stake and reward token (PoAIToken, an 18-decimal ERC-20). */
export const TOKEN_DECIMALS = 18;

/** GFLOP/s as TFLOPS (a number, exact in binary floating point to well beyond any claim). */
export function gflopsToTflops(gflops: number): number {
  return gflops / 1000;
}

/** MiB as GiB (a number). */
export function mibToGib(mib: number): number {
  return mib / 1024;
}

/** GFLOP/s as TFLOPS with 3 decimals (rounded to nearest: display only, never a claim). */
export function tflops(gflops: number): string {
  return `${gflopsToTflops(gflops).toFixed(3)} TFLOPS`;
}

/** MiB as GiB with 1 decimal (rounded to nearest: display only). */
export function gib(mib: number): string {
  return `${mibToGib(mib).toFixed(1)} GiB`;
}
