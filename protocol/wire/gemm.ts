/**
 * The gemm challenge's openings on the wire (POST /v1/challenges/:id/open), the one codec both
 * sides use: the agent encodes each opened row with `encodeGemmOpening`, the oracle decodes it
 * with `decodeGemmOpening` into engine/gemm's `GemmOpening` for the verifier.
 *
 * An opening is `{index, data, proof}`: `data` = 0x-hex of float32 little-endian values, the
 * opened row of C (`n` values) then its fingerprint group (`groupRows·projCols` values, fewer in
 * a last partial group); `proof` = the group's Merkle proof.
 *
 * The challenge itself travels as its `GemmSpec` (POST /v1/challenges/next, field `spec`):
 * `decodeGemmSpec` checks its shape with a schema, then its values with `checkGemmSpec`.
 */
import { bytesToHex, concat } from "viem";
import { z } from "zod";
import { f32Bytes, f32FromBytes } from "../../engine/gemm/formats";
import { checkGemmSpec, gemmRows, type GemmOpening, type GemmSpec } from "../../engine/gemm/spec";
import { WireError } from "../errors";
import { hex32, hexBytes, hexBytesToArray, isHex32, isHexBytes, issues } from "./hex";

const count = z.number().int().min(1);

export const gemmSpecWire = z
  .object({
    kind: z.literal("gemm"),
    version: z.number().int(),
    seed: hex32,
    sharedSeed: hex32,
    n: count,
    batch: count,
    precision: z.enum(["fp32", "tf32", "fp16", "bf16"]),
    projCols: count,
    groupRows: count,
  })
  .strict();

/** The spec as the API sends it (a plain JSON object). */
export function encodeGemmSpec(spec: GemmSpec): Record<string, unknown> {
  return { ...spec };
}

/** Decodes a gemm challenge spec from the wire; a malformed one is a WireError (PR003). */
export function decodeGemmSpec(input: unknown): GemmSpec {
  const parsed = gemmSpecWire.safeParse(input);
  if (!parsed.success) throw new WireError("WireBadGemmSpec", issues(parsed.error, "spec"));
  try {
    checkGemmSpec(parsed.data);
  } catch (err) {
    throw new WireError("WireBadGemmSpec", (err as Error).message, { cause: err });
  }
  return parsed.data;
}

export const gemmOpeningWire = z.object({ index: z.number().int().min(0), data: hexBytes, proof: z.array(hex32) });

export type GemmOpeningWire = z.infer<typeof gemmOpeningWire>;

export function encodeGemmOpening(o: GemmOpening): GemmOpeningWire {
  return { index: o.index, data: bytesToHex(concat([f32Bytes(o.row), f32Bytes(o.group)])), proof: [...o.proof] };
}

/** The checks of `gemmOpeningWire`, by hand: the verifier decodes thousands of openings a second. */
function isGemmOpeningWire(v: unknown): v is GemmOpeningWire {
  if (typeof v !== "object" || v === null) return false;
  const { index, data, proof } = v as Record<string, unknown>;
  return Number.isInteger(index) && (index as number) >= 0 && isHexBytes(data) && Array.isArray(proof) && proof.every(isHex32);
}

/** Decodes an opening of `spec` from the wire; a malformed one is a WireError (PR001). */
export function decodeGemmOpening(input: unknown, spec: GemmSpec): GemmOpening {
  // The schema runs only on a malformed opening, to name what is wrong.
  if (!isGemmOpeningWire(input)) {
    const parsed = gemmOpeningWire.safeParse(input);
    throw new WireError("WireBadGemmOpening", parsed.success ? "malformed opening" : issues(parsed.error));
  }
  const { index, data, proof } = input;
  const g = spec.groupRows;
  const rows = gemmRows(spec);
  if (index >= rows) throw new WireError("WireBadGemmOpening", `row ${index} out of range`);
  const j = Math.floor(index / g);
  const groupLen = (Math.min(rows, (j + 1) * g) - j * g) * spec.projCols;
  // 4 bytes (8 hex digits after "0x") per float32: the length is checked before decoding.
  const bytes = (data.length - 2) / 2;
  if (bytes !== 4 * (spec.n + groupLen)) throw new WireError("WireBadGemmOpening", `data holds ${bytes} bytes, expected 4 x (${spec.n} + ${groupLen}) floats`);
  const all = f32FromBytes(hexBytesToArray(data));
  return { index, row: all.slice(0, spec.n), group: all.slice(spec.n), proof: [...proof] };
}
