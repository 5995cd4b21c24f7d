/** Schemas of the hex strings the wire carries (0x-prefixed, as viem writes them). */
import type { Hex } from "viem";
import { z } from "zod";

/** Whether `v` is 0x-hex of 32 bytes. */
export const isHex32 = (v: unknown): v is Hex => typeof v === "string" && /^0x[0-9a-fA-F]{64}$/.test(v);
/** Whether `v` is 0x-hex of a whole number of bytes (no capture group: a long string is one linear scan). */
export const isHexBytes = (v: unknown): v is Hex => typeof v === "string" && v.length % 2 === 0 && /^0x[0-9a-fA-F]*$/.test(v);

/** A 32-byte word: a Merkle node, a root, a seed. */
export const hex32 = z.custom<Hex>(isHex32, "expected 0x-hex of 32 bytes");

/** Any whole number of bytes. */
export const hexBytes = z.custom<Hex>(isHexBytes, "expected 0x-hex of whole bytes");

/** The bytes of 0x-hex already checked by `isHexBytes` (Node's native decoder). */
export function hexBytesToArray(v: Hex): Uint8Array {
  return new Uint8Array(Buffer.from(v.slice(2), "hex"));
}

/** The schema's issues in one line, for an error message. */
export function issues(error: z.ZodError, what = "opening"): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : what}: ${i.message}`).join("; ");
}
