/**
 * The status values the oracle stores, as typed constants. The text of each value is what the
 * database holds (and what earlier versions wrote), so none of them may change.
 */

/** A challenge's verdict (challenges.verdict); null until judged. */
export const CHALLENGE_VERDICT = {
  Pass: "pass",
  Fail: "fail",
  Fraud: "fraud",
  /** Opened after the deadline. */
  Late: "late",
  /** Not answered before the deadline (set when the epoch is judged). */
  Missed: "missed",
  /** The verifier itself failed: not the node's fault. */
  Error: "error",
  /**
   * The oracle itself delayed or missed it (its loop lagged, it was down, it lost its database):
   * left out of every count, numerator and denominator alike (DESIGN.md "Voiding").
   */
  Void: "void",
} as const;
export type ChallengeVerdict = (typeof CHALLENGE_VERDICT)[keyof typeof CHALLENGE_VERDICT];

/** Where the oracle's copy of an epoch report is (reports.status). */
export const REPORT_STATE = {
  /** Judged and built by this oracle as proposer. */
  Built: "built",
  /** Quorum of signatures collected. */
  Signed: "signed",
  /** submitReport sent by the relay. */
  Submitted: "submitted",
  /** A report for the epoch is on chain, in its dispute window. */
  Onchain: "onchain",
  Finalized: "finalized",
  Vetoed: "vetoed",
  /** Signed by this oracle as a committee member for another proposer. */
  Cosigned: "cosigned",
} as const;
export type ReportState = (typeof REPORT_STATE)[keyof typeof REPORT_STATE];

/** One relay transaction's life (transactions.status). */
export const TX_STATUS = {
  /** Signed and stored, maybe never broadcast (a crash between the two). */
  Signed: "signed",
  Sent: "sent",
  /** Has a receipt, not yet enough confirmations. */
  Mined: "mined",
  Confirmed: "confirmed",
  Reverted: "reverted",
  /** Another transaction of the same purpose and nonce was mined instead. */
  Replaced: "replaced",
  /** Its nonce was used by a transaction we have no receipt for. */
  Dropped: "dropped",
} as const;
export type TxStatus = (typeof TX_STATUS)[keyof typeof TX_STATUS];

/** Transactions still to follow up: no final outcome yet. */
export const LIVE_TX_STATUSES: readonly TxStatus[] = [TX_STATUS.Signed, TX_STATUS.Sent, TX_STATUS.Mined];
