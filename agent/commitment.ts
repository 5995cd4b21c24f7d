/**
 * The agent's side of commit-then-open: a Merkle tree over the result rows (or items) of one
 * challenge, built with engine/merkle.ts (leaf = keccak256(keccak256(row bytes))), its root
 * sent before the openings are known, then the opened rows with their proofs.
 */
import { bytesToHex, type Hex } from "viem";
import { leafHashBytes, merkleProofBytes, merkleRootBytes } from "../engine/merkle";
import { AgentError } from "./errors";
import type { Opening } from "./client";

/** Most rows opened per challenge that the agent will answer (the oracle asks for a few). */
export const MAX_OPENINGS = 256;

export class ResultCommitment {
  readonly root: Hex;
  private readonly leaves: Uint8Array[];

  constructor(readonly rows: readonly Uint8Array[]) {
    this.leaves = rows.map((r) => leafHashBytes(r));
    this.root = bytesToHex(merkleRootBytes(this.leaves));
  }

  open(indices: readonly number[]): Opening[] {
    if (!Array.isArray(indices) || indices.length > MAX_OPENINGS) {
      throw new AgentError("AG010_BAD_CHALLENGE", `the oracle asked for ${Array.isArray(indices) ? indices.length : "?"} openings (max ${MAX_OPENINGS})`);
    }
    return indices.map((index) => {
      if (!Number.isInteger(index) || index < 0 || index >= this.rows.length) {
        throw new AgentError("AG010_BAD_CHALLENGE", `opening index ${index} outside 0..${this.rows.length - 1}`);
      }
      return {
        index,
        data: bytesToHex(this.rows[index]),
        proof: merkleProofBytes(this.leaves, index).map((p) => bytesToHex(p)),
      };
    });
  }
}
