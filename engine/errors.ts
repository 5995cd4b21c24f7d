/**
 * The one error base of PoAI (modelled on viem's `BaseError`): every error a person can see
 * carries a catalogue code, a short message that says what happened, optional structured
 * details and the cause chain. Each part subclasses it with its own code prefix:
 *
 *   EN  the engine (generators, sizing, verifiers, Merkle trees, judgment, the LLM)
 *   PR  the protocol layer (wire codecs, chain readers)
 *   OR  the oracle service      AG  the node agent      SM  the fleet simulator
 *
 * A code is the prefix and three digits (`OR110`, `AG007`, `EN201`); docs/errors.md is the
 * catalogue. Callers branch on `code` (or `instanceof`), never on message text.
 */

/** A catalogue code: two capital letters and three digits. */
export type ErrorCode = `${"EN" | "PR" | "OR" | "AG" | "SM"}${number}`;

const CODE_FORMAT = /^(EN|PR|OR|AG|SM)\d{3}$/;

export interface PoaiErrorOptions {
  /** The error this one wraps: kept as `cause`, walked by `walk()`. */
  cause?: unknown;
  /** Structured facts for logs and API answers (JSON-serialisable). */
  details?: Record<string, unknown>;
}

export class PoaiError extends Error {
  override name = "PoaiError";
  readonly code: ErrorCode;
  readonly shortMessage: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, shortMessage: string, opts: PoaiErrorOptions = {}) {
    if (!CODE_FORMAT.test(code)) throw new TypeError(`error code ${code} is not two capital letters and three digits`);
    super(`${code} ${shortMessage}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.shortMessage = shortMessage;
    if (opts.details !== undefined) this.details = opts.details;
  }

  /**
   * The first error along the cause chain (this one included) that `match` accepts, or the
   * deepest one when no predicate is given. Cycles in the chain end the walk.
   */
  walk(match?: (e: unknown) => boolean): unknown {
    return walkCauses(this, match);
  }
}

/** `walk()` for any thrown value, PoaiError or not. */
export function walkCauses(err: unknown, match?: (e: unknown) => boolean): unknown {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  let last: unknown = err;
  while (cur !== undefined && cur !== null && !seen.has(cur)) {
    if (match?.(cur)) return cur;
    seen.add(cur);
    last = cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return match ? undefined : last;
}

/** The catalogue code of the first PoaiError along the cause chain, if any. */
export function errorCode(err: unknown): ErrorCode | undefined {
  return (walkCauses(err, (e) => e instanceof PoaiError) as PoaiError | undefined)?.code;
}
