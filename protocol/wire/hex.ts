/** Schemas of the hex strings the wire carries (0x-prefixed, as viem writes them). */
import type { Hex } from "viem";
import { z } from "zod";

/** A 32-byte word: a Merkle node, a root, a seed. */
export const hex32 = z.custom<Hex>((v) => typeof v === "string" && /^0x[0-9a-fA-F]{64}$/.test(v), "expected 0x-hex of 32 bytes");

/** Any whole number of bytes. */
export const hexBytes = z.custom<Hex>((v) => typeof v === "string" && /^0x([0-9a-fA-F]{2})*$/.test(v), "expected 0x-hex of whole bytes");

/** The schema's issues in one line, for an error message. */
export function issues(error: z.ZodError, what = "opening"): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : what}: ${i.message}`).join("; ");
}
