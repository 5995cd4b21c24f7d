/**
 * The chain's integers for people (DESIGN.md "Units"): wei as tokens, GFLOP/s as TFLOPS, MiB
 * as GiB, seconds as a duration and a date. The chain's values stay canonical everywhere they
 * are stored or sent; these strings are for reading only.
 */
import { formatUnits, parseUnits } from "viem";
import { TOKEN_DECIMALS } from "../protocol/units";
import { AgentError } from "./errors";

// The hardware converters live in protocol/ (the dApp prints claims with them too).
export { gib, tflops, TOKEN_DECIMALS } from "../protocol/units";

/** `wei` as a decimal token amount, exact (viem's formatUnits, trailing zeros dropped). */
export function tokens(wei: bigint): string {
  return `${formatUnits(wei, TOKEN_DECIMALS)} tokens`;
}

/** A decimal token amount typed by a person (`100`, `100.16`) as wei; exact or refused. */
export function parseTokens(text: string | undefined, what: string): bigint {
  if (text === undefined || !/^\d+(\.\d{1,18})?$/.test(text)) {
    throw new AgentError("BadArgument", `${what} must be a token amount like 100 or 100.5 (at most ${TOKEN_DECIMALS} decimals), got ${text ?? "nothing"}`, {
      hint: "amounts are in tokens, not wei: 1 token = 10^18 wei",
    });
  }
  return parseUnits(text, TOKEN_DECIMALS);
}

/** A duration in seconds as the two largest units: `2 d 4 h`, `3 h 12 min`, `4 min 5 s`, `42 s` (rounded down). */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const units: [string, number][] = [["d", 86_400], ["h", 3_600], ["min", 60], ["s", 1]];
  const parts: string[] = [];
  let rest = s;
  for (const [name, size] of units) {
    const q = Math.floor(rest / size);
    if (q > 0 || (name === "s" && parts.length === 0)) parts.push(`${q} ${name}`);
    rest -= q * size;
    if (parts.length === 2) break;
    if (parts.length === 1 && q > 0 && rest === 0) break;
  }
  return parts.join(" ");
}

/** A chain time as `2026-11-22 07:12 UTC (in 3 h 12 min)` or `(... ago)`. */
export function when(unixSec: number, nowSec: number): string {
  const d = new Date(unixSec * 1000).toISOString();
  const at = `${d.slice(0, 10)} ${d.slice(11, 16)} UTC`;
  const delta = unixSec - nowSec;
  return delta >= 0 ? `${at} (in ${duration(delta)})` : `${at} (${duration(-delta)} ago)`;
}

/** `part / whole` as a whole percentage (rounded down, so "delivers 99 %" never flatters). */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.floor((100 * part) / whole) : 0;
}
