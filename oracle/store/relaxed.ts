/**
 * Relaxed commits: the oracle's connection commits with `synchronous = FULL` (schema.ts); the
 * high-volume writes of the agents' frames commit with NORMAL through `relaxedTransaction`.
 */
import type { DB } from "./schema";
import { statement } from "./statement";

/**
 * Runs `fn` in one transaction committed with `synchronous = NORMAL` instead of the connection's
 * FULL: the commit is in the WAL when it returns, so it survives a crash of the process, but an
 * OS crash or a power loss may roll it back (with the relaxed commits after it) until the next
 * FULL commit, whose sync of the WAL persists everything committed before it. For the
 * high-volume writes of the agents' frames (GPU-process reports, commitments, answers, issue
 * marks, session nonces, the heartbeat), whose loss the protocol heals: a challenge whose
 * commitment or answer is lost is pushed again on reconnection and the node answers it again
 * (the same work gives the same root, and the openings follow from the root); a lost issue mark
 * or heartbeat only widens the downtime that restart voids; a lost process report is sent again
 * within the agent's report period; a replayed session opening is useless without the client's
 * ephemeral key. One sync per frame would cost a disk flush per frame, at fleet scale thousands a
 * second. Writes whose loss cannot be healed (a seed before its commitment is sent, a relay
 * transaction before it is broadcast, reports) keep FULL. Inside an open transaction, `fn` just
 * runs in it.
 */
export function relaxedTransaction<T>(db: DB, fn: () => T): T {
  if (db.inTransaction) return fn();
  syncNormal(db).run();
  try {
    return db.transaction(fn)();
  } finally {
    syncFull(db).run();
  }
}
const syncNormal = statement("PRAGMA synchronous = NORMAL");
const syncFull = statement("PRAGMA synchronous = FULL");
