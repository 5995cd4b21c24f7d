/**
 * The request_nonces table: the (node, nonce) pairs of accepted signed requests, the API's
 * replay defence (auth.ts).
 */
import type { DB } from "./schema";
import { statement } from "./statement";

const used = statement<[string, string]>("SELECT 1 FROM request_nonces WHERE node = ? AND nonce = ?");
const insert = statement<[string, string, number]>("INSERT INTO request_nonces (node, nonce, ts) VALUES (?, ?, ?)");
const prune = statement<[number]>("DELETE FROM request_nonces WHERE ts < ?");

/** Whether `node` (lower case) used `nonce` already. */
export function nonceUsed(db: DB, node: string, nonce: string): boolean {
  return used(db).get(node, nonce) !== undefined;
}

/** Stores a nonce; false when the pair is stored already (a concurrent duplicate loses on the primary key). */
export function insertNonce(db: DB, node: string, nonce: string, tsMs: number): boolean {
  try {
    insert(db).run(node, nonce, tsMs);
    return true;
  } catch (e) {
    if (String((e as { code?: string }).code).startsWith("SQLITE_CONSTRAINT")) return false;
    throw e;
  }
}

/** Forgets nonces stored with a timestamp before `beforeMs`; returns how many. */
export function pruneNoncesBefore(db: DB, beforeMs: number): number {
  return prune(db).run(beforeMs).changes;
}
