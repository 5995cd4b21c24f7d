/**
 * The protocol layer's error catalogue and classes: every reason a shared codec or parameter set
 * can be refused for, by its readable name, with its PR code (docs/errors.md says where each
 * happens and what to do).
 *
 *   PR0xx  wire codecs: a challenge's openings as they arrive over HTTP
 *   PR1xx  protocol parameters (the values a deployment is made with)
 *   PR2xx  keys: a committee member's secret and what derives from it (keys.ts)
 *   PR3xx  leases: the settlement leaves of the leases root (leases.ts)
 */
import { PoaiError, type ErrorCode, type PoaiErrorOptions } from "../engine/errors";

export const PROTOCOL_ERRORS = {
  WireBadGemmOpening: "PR001",
  WireBadInferOpening: "PR002",
  WireBadGemmSpec: "PR003",
  WireBadInferChallenge: "PR004",
  ParamsBadValue: "PR101",
  KeyBadInput: "PR201",
  LeaseBadInput: "PR301",
} as const satisfies Record<string, ErrorCode>;

export type ProtocolErrorReason = keyof typeof PROTOCOL_ERRORS;

/**
 * An opening that does not decode: wrong shape, bad hex, an index or length that does not fit
 * the challenge. The oracle counts it as a malformed (fraudulent) answer.
 */
export class WireError extends PoaiError {
  override name = "WireError";

  constructor(
    readonly reason: Extract<ProtocolErrorReason, `Wire${string}`>,
    shortMessage: string,
    opts?: PoaiErrorOptions,
  ) {
    super(PROTOCOL_ERRORS[reason], shortMessage, opts);
  }
}

/**
 * A key derivation refused its input: a private key or member secret that is not 32 bytes, a
 * chain id, contract address or epoch out of range. Nothing is derived.
 */
export class KeyError extends PoaiError {
  override name = "KeyError";
  readonly reason = "KeyBadInput";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super(PROTOCOL_ERRORS.KeyBadInput, shortMessage, opts);
  }
}

/**
 * A lease settlement the leases tree refuses: a lease id that is not a positive uint256, no node or more
 * than MAX_LEASE_NODES shares, a share outside 0..10_000 basis points, the same lease twice, or a chain id
 * or LeaseManager address that does not fit. No tree is built.
 */
export class LeaseError extends PoaiError {
  override name = "LeaseError";
  readonly reason = "LeaseBadInput";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super(PROTOCOL_ERRORS.LeaseBadInput, shortMessage, opts);
  }
}
