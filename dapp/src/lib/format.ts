/** Display formatting for amounts, addresses and times. Pure. */
import { formatUnits, parseUnits } from "viem";
import { TOKEN_DECIMALS } from "../../../protocol/units";

export { TOKEN_DECIMALS };

/**
 * `1250000000000000000000n` -> `"1,250"`; keeps up to `maxFraction` decimals, truncated toward
 * zero (a displayed balance never exceeds the real one).
 */
export function formatToken(amount: bigint, maxFraction = 4, decimals = TOKEN_DECIMALS): string {
  const negative = amount < 0n;
  const text = formatUnits(negative ? -amount : amount, decimals);
  const [whole, fraction = ""] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cut = fraction.slice(0, maxFraction).replace(/0+$/, "");
  return `${negative ? "-" : ""}${grouped}${cut ? `.${cut}` : ""}`;
}

export class AmountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AmountError";
  }
}

/** Parses what an operator types ("1,250.5") into token units; rejects anything else by name. */
export function parseTokenInput(text: string, decimals = TOKEN_DECIMALS): bigint {
  const clean = text.trim().replace(/,/g, "");
  if (!/^\d+(\.\d+)?$/.test(clean)) throw new AmountError(`"${text}" is not an amount`);
  const [, fraction = ""] = clean.split(".");
  if (fraction.length > decimals) throw new AmountError(`at most ${decimals} decimals`);
  return parseUnits(clean, decimals);
}

export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** A unix time in seconds as `2026-11-22 06:15 UTC`. */
export function formatTime(seconds: bigint | number): string {
  const d = new Date(Number(seconds) * 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** A duration in seconds as `2d 3h`, `5h 10m`, `4m 20s` or `12s`. */
export function formatDuration(seconds: bigint | number): string {
  let s = Math.max(0, Math.floor(Number(seconds)));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** `bytes8` region code from text like "eu-west" (ASCII, at most 8 bytes, right-padded with zeros). */
export function regionToBytes8(region: string): `0x${string}` {
  const text = region.trim();
  if (!/^[\x20-\x7e]{1,8}$/.test(text)) throw new AmountError("region: 1 to 8 printable ASCII characters");
  let hex = "";
  for (const ch of text) hex += ch.charCodeAt(0).toString(16).padStart(2, "0");
  return `0x${hex.padEnd(16, "0")}`;
}

export function bytes8ToRegion(hex: string): string {
  let out = "";
  for (let i = 2; i + 2 <= hex.length; i += 2) {
    const code = parseInt(hex.slice(i, i + 2), 16);
    if (code === 0) break;
    out += String.fromCharCode(code);
  }
  return out;
}
