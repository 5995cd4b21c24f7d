/**
 * A node's gemm result (`GemmRun`, from the onnxruntime kernel in kernel.ts or the exact
 * reference in reference.ts) and its answer to the openings (`openGemm`): each opened row
 * recomputed exactly in O(n²), the fingerprint group holding it and the group's Merkle proof.
 * Loads no native code.
 */
import { bytesToHex, type Hex } from "viem";
import { merkleLevelsBytes, merkleProofFromLevels } from "../merkle";
import { computeRow } from "./data";
import { GemmError } from "./errors";
import { GEMM_MAX_OPENINGS, gemmRows, type GemmOpening, type GemmSpec } from "./spec";

export interface GemmRun {
  spec: GemmSpec;
  root: Hex;
  /** Merkle leaves, one per group of fingerprint rows. */
  leaves: Uint8Array[];
  /** relu(C)·R for every row, batch·n·m float32. */
  fingerprints: Float32Array;
  /** What ran the product: an onnxruntime execution provider, or "reference". */
  provider: string;
  /** setup = B, R, model and session; generate = A; compute = the session runs; hash = leaves and root. */
  timings: { setupMs: number; generateMs: number; computeMs: number; hashMs: number; totalMs: number };
  /** B, kept to answer openings. */
  B: Float32Array;
}

/** The node answers openings from its run (recomputing each opened row in O(n²)). */
export function openGemm(run: GemmRun, indices: readonly number[]): GemmOpening[] {
  const { spec } = run;
  if (indices.length > GEMM_MAX_OPENINGS) throw new GemmError("GemmBadOpening", `${indices.length} openings > ${GEMM_MAX_OPENINGS}`);
  const m = spec.projCols;
  const g = spec.groupRows;
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0 || index >= gemmRows(spec)) throw new GemmError("GemmBadOpening", `row ${index} out of range`);
  }
  // The tree is built once for all the proofs.
  const levels = indices.length > 0 ? merkleLevelsBytes(run.leaves) : [];
  return indices.map((index) => {
    const j = Math.floor(index / g);
    const group = run.fingerprints.slice(j * g * m, Math.min(gemmRows(spec), (j + 1) * g) * m);
    return { index, row: computeRow(spec, index, run.B), group, proof: merkleProofFromLevels(levels, j).map((p) => bytesToHex(p)) };
  });
}
