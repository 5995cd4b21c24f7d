/**
 * The gemm challenge's openings on the wire (POST /v1/challenges/:id/open): what the node sends
 * for each opened row and how the oracle reads it back into engine/gemm's `GemmOpening`.
 */
import type { Hex } from "viem";
import { GemmError } from "../../engine/gemm/errors";
import { f32Bytes, f32FromBytes } from "../../engine/gemm/formats";
import type { GemmOpening, GemmSpec } from "../../engine/gemm/spec";

export interface GemmOpeningWire {
  index: number;
  /** base64 of float32 little-endian. */
  row: string;
  group: string;
  proof: Hex[];
}

export function encodeGemmOpening(o: GemmOpening): GemmOpeningWire {
  return {
    index: o.index,
    row: Buffer.from(f32Bytes(o.row)).toString("base64"),
    group: Buffer.from(f32Bytes(o.group)).toString("base64"),
    proof: [...o.proof],
  };
}

/** Decodes an opening from the wire; a malformed one is a GemmBadOpening error. */
export function decodeGemmOpening(w: GemmOpeningWire, spec: GemmSpec): GemmOpening {
  if (!w || !Number.isInteger(w.index) || typeof w.row !== "string" || typeof w.group !== "string" || !Array.isArray(w.proof)) {
    throw new GemmError("GemmBadOpening", "opening is missing fields");
  }
  const maxGroup = spec.groupRows * spec.projCols * 4;
  if (w.row.length > Math.ceil((spec.n * 4) / 3) * 4 + 4 || w.group.length > Math.ceil(maxGroup / 3) * 4 + 4) {
    throw new GemmError("GemmBadOpening", "opening is larger than the spec allows");
  }
  const row = f32FromBytes(Buffer.from(w.row, "base64"));
  const group = f32FromBytes(Buffer.from(w.group, "base64"));
  if (row.length !== spec.n) throw new GemmError("GemmBadOpening", `row of ${row.length} values, expected ${spec.n}`);
  return { index: w.index, row, group, proof: w.proof.map((p) => p) };
}
