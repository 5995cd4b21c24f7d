/** `POST /v1/processes`: a node's GPU process list, stored with the request's nonce in one transaction. */
import { recordNonce, type Authenticated } from "./auth";
import { insertProcesses } from "./store/processes";
import type { DB } from "./store/schema";

/** `nowMs`: the oracle's chain-aligned time of the request. */
export function recordProcesses(db: DB, auth: Authenticated, processes: readonly unknown[], nowMs: number): { recorded: number } {
  db.transaction(() => {
    recordNonce(db, auth);
    insertProcesses(db, auth.signer.toLowerCase(), nowMs, processes);
  })();
  return { recorded: processes.length };
}
