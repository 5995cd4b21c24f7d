/**
 * The evidence table: the document of each wrong answer (protocol/evidence.ts), keyed by its
 * hash, and for each fraud slash the list of its documents' hashes, keyed by the slash's
 * evidence hash. Written with the verdict (a challenge) or the report (a slash).
 */
import type { Hex } from "viem";
import type { DB } from "./schema";
import { statement } from "./statement";

export interface EvidenceRow {
  hash: Hex;
  epoch: number;
  node: string;
  doc: string;
}

const insert = statement<[Hex, number, string, string]>("INSERT OR IGNORE INTO evidence (hash, epoch, node, doc) VALUES (?, ?, ?, ?)");
const byHash = statement<[string], EvidenceRow>("SELECT hash, epoch, node, doc FROM evidence WHERE hash = ?");

/** Stores one document under its hash; an identical one stored already is kept. */
export function putEvidence(db: DB, row: EvidenceRow): void {
  insert(db).run(row.hash, row.epoch, row.node.toLowerCase(), row.doc);
}

export function getEvidence(db: DB, hash: string): EvidenceRow | undefined {
  return byHash(db).get(hash.toLowerCase());
}
