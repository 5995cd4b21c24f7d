/** `POST /v1/processes`: a node's GPU process list, stored with the request's nonce in one transaction. */
import { recordCaller, type Caller } from "./caller";
import { insertProcesses } from "./store/processes";
import { relaxedTransaction } from "./store/relaxed";
import type { DB } from "./store/schema";

/** `nowMs`: the oracle's chain-aligned time of the request. */
export function recordProcesses(db: DB, auth: Caller, processes: readonly unknown[], nowMs: number): { recorded: number } {
  relaxedTransaction(db, () => {
    recordCaller(db, auth);
    insertProcesses(db, auth.signer.toLowerCase(), nowMs, processes);
  });
  return { recorded: processes.length };
}
