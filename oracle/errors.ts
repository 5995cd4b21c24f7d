/**
 * Errors an oracle operator or a client of the oracle's API can see. Every one carries a code
 * from the numbered catalogue in docs/errors.md (OR001...), a short message, an HTTP status
 * where it answers a request, and the underlying cause where there is one.
 */
import { PoaiError, type ErrorCode, type PoaiErrorOptions } from "../engine/errors";

export const ERROR_CODES = {
  // Start-up and environment (OR00x)
  OR001: "config value invalid",
  OR002: "config file unreadable",
  OR003: "deployment record missing or incomplete",
  OR004: "database open or migration failed",
  OR005: "RPC endpoint unreachable",
  OR006: "oracle key is not a committee member",
  // API requests (OR1xx)
  OR101: "request body is not valid JSON",
  OR102: "request does not match the schema",
  OR103: "request body too large",
  OR104: "authentication headers missing or malformed",
  OR105: "signature does not match the node (wrong key, chain, contract or body)",
  OR106: "timestamp outside the clock-skew window",
  OR107: "nonce already used",
  OR108: "node not registered",
  OR109: "node not active",
  OR110: "rate limit exceeded",
  OR111: "not found",
  OR112: "method not allowed",
  OR113: "challenge belongs to another node",
  OR114: "challenge not in a state that accepts this request",
  OR115: "challenge deadline passed",
  OR116: "openings do not match the requested indices",
  OR117: "signer is not a committee member",
  OR118: "report differs from this member's own view",
  OR119: "chain state unavailable, try again",
  OR120: "internal error",
  OR121: "request content type is not application/json",
  OR122: "request not received in time",
  OR123: "malformed HTTP request",
  OR124: "an epoch's draws are not revealed yet",
  // Epoch loop, committee and relay (OR2xx)
  OR201: "epoch started without a seed commitment: no challenges for it",
  OR202: "transaction reverted",
  OR203: "transaction stuck: replaced with a higher fee",
  OR204: "committee quorum not reached",
  OR205: "report already on chain",
  OR206: "verification of an answer failed with an error",
  OR207: "slash list truncated to the contract's bound",
  OR208: "rewards pool underfunded for the epoch's rewards",
  OR209: "seed in the database does not match the on-chain commitment",
  OR210: "report's parent left behind by the chain: dropped, judged again",
  OR211: "the chain's latest report is at or after this epoch: report dropped",
  OR212: "worker pool queue full: verification or judging refused",
  OR213: "ended epoch lost with the database: not reported",
  OR214: "the chain's latest report is not in this oracle's database: no report can build on it",
  OR215: "transaction not possible yet (the chain has not reached its time): waited for, tried again on the next pass",
  OR216: "oracle wallet cannot pay for gas: fund its address",
  OR217: "block production halted: the chain's head has not advanced",
  OR218: "oracle not ready: a health check fails",
  OR219: "fraud slash not proven by its evidence",
  // Process reports (OR23x): refused, nothing stored
  OR230: "process report names another node than its sender",
  OR231: "process report is for another oracle member",
  OR232: "process report lists too many processes",
  OR233: "process report or one of its fields is too large",
  OR234: "process report timestamp outside the clock-skew window",
  OR235: "process report not newer than the node's last by the minimum interval",
  OR236: "process report signature does not recover to its node",
} as const satisfies Record<ErrorCode, string>;

export type OracleErrorCode = keyof typeof ERROR_CODES;

/** The codes of a configuration the oracle refuses to start with (value invalid, file unreadable). */
export const CONFIG_ERROR_CODES: readonly OracleErrorCode[] = ["OR001", "OR002"];

/** An oracle error: a PoaiError with the HTTP status it answers a request with (500 when none). */
export class OracleError extends PoaiError {
  override name = "OracleError";
  declare readonly code: OracleErrorCode;
  readonly status: number;

  constructor(code: OracleErrorCode, shortMessage: string, opts: PoaiErrorOptions & { status?: number } = {}) {
    super(code, shortMessage, { cause: opts.cause, details: opts.details });
    this.status = opts.status ?? 500;
  }

  toJSON() {
    return { error: { code: this.code, message: this.shortMessage, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** Shorthand for the request errors: each maps to its documented HTTP status. */
export const httpError = {
  badJson: (m = "body is not valid JSON") => new OracleError("OR101", m, { status: 400 }),
  schema: (m: string) => new OracleError("OR102", m, { status: 400 }),
  tooLarge: (limit: number) => new OracleError("OR103", `body exceeds ${limit} bytes`, { status: 413 }),
  missingAuth: (m: string) => new OracleError("OR104", m, { status: 401 }),
  badSignature: (m = "signature does not recover to x-poai-node") => new OracleError("OR105", m, { status: 401 }),
  stale: (m: string) => new OracleError("OR106", m, { status: 401 }),
  replay: () => new OracleError("OR107", "nonce already used by this node", { status: 409 }),
  unknownNode: (node: string) => new OracleError("OR108", `node ${node} is not registered`, { status: 403 }),
  inactive: (node: string, status: string) => new OracleError("OR109", `node ${node} is ${status}`, { status: 403, details: { nodeStatus: status } }),
  /** `limit`: the bucket that is empty, the source address's or the signer's (access.ts). */
  rateLimited: (retryAfterMs: number, limit?: "source" | "signer") =>
    new OracleError("OR110", "too many requests", { status: 429, details: limit ? { retryAfterMs, limit } : { retryAfterMs } }),
  notFound: (m = "no such resource") => new OracleError("OR111", m, { status: 404 }),
  method: () => new OracleError("OR112", "method not allowed", { status: 405 }),
  notYours: () => new OracleError("OR113", "challenge belongs to another node", { status: 403 }),
  state: (m: string) => new OracleError("OR114", m, { status: 409 }),
  deadline: () => new OracleError("OR115", "challenge deadline passed", { status: 409 }),
  openings: (m: string) => new OracleError("OR116", m, { status: 400 }),
  notMember: (a: string) => new OracleError("OR117", `${a} is not a committee member`, { status: 403 }),
  mismatch: (m: string) => new OracleError("OR118", m, { status: 409 }),
  unavailable: (m: string, cause?: unknown) => new OracleError("OR119", m, { status: 503, cause }),
  contentType: (got: string | undefined) =>
    new OracleError("OR121", `content-type must be application/json, got ${got === undefined ? "none" : JSON.stringify(got.slice(0, 100))}`, { status: 415 }),
  timeout: (m: string) => new OracleError("OR122", m, { status: 408 }),
  malformed: (m: string, status = 400) => new OracleError("OR123", m, { status }),
  notRevealed: (m: string, revealAtMs: number) => new OracleError("OR124", m, { status: 409, details: { revealAtMs } }),
  reportNode: (m: string) => new OracleError("OR230", m, { status: 403 }),
  reportOracle: (m: string) => new OracleError("OR231", m, { status: 403 }),
  reportTooMany: (m: string) => new OracleError("OR232", m, { status: 400 }),
  reportOversized: (m: string) => new OracleError("OR233", m, { status: 413 }),
  reportStale: (m: string) => new OracleError("OR234", m, { status: 400 }),
  reportOrder: (m: string) => new OracleError("OR235", m, { status: 409 }),
  reportSignature: (m: string) => new OracleError("OR236", m, { status: 401 }),
  /** A body that ended before its declared length. */
  incomplete: (m: string) => new OracleError("OR122", m, { status: 408 }),
};
