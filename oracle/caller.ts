/**
 * Who a call comes from. A signed HTTP request carries its nonce, recorded in the transaction of
 * its effect so it cannot be replayed; a session frame carries none: its session's sequence
 * numbers guard it, and the session's opening nonce was recorded when it was accepted.
 */
import { recordNonce, type Authenticated } from "./auth";
import type { DB } from "./store/schema";

export type Caller = Pick<Authenticated, "signer"> & Partial<Pick<Authenticated, "nonce" | "timestampSec">>;

/** Records the caller's request nonce, if it has one; call inside the effect's transaction. */
export function recordCaller(db: DB, c: Caller): void {
  if (c.nonce !== undefined && c.timestampSec !== undefined) recordNonce(db, { signer: c.signer, nonce: c.nonce, timestampSec: c.timestampSec });
}
