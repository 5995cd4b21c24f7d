/**
 * The challenge deadline rule, derived from the judge's noise model (engine/judge.ts). Every
 * span counts from the challenge's due instant, the same instant for every node of a round, and
 * the node is timed from there too (oracle/challenges.ts), so nothing a node does moves either.
 *
 *  - on time: due + ceil(onTimeFactor x expected) + network floor. An undisturbed honest
 *    challenge meets it except with probability Φ(-onTimeSigmas); only answers on time are paid.
 *  - cut-off (the `deadline` the oracle enforces): due + ceil(cutoffFactor x expected) + network
 *    floor. A later answer would have a ratio below the judge's shortRatio, so it is missed.
 *
 * The network floor (the committee's `deadlineSlackMs`) covers one push and one commit over the
 * node's link plus the oracle's own delivery lag; it is configuration, stated in docs/challenges.md.
 * The oracle's schedule phase (oracle/epoch/schedule.ts) applies the rule; the simulator (sim/)
 * models it.
 */
import { cutoffFactor, DEFAULT_JUDGE_PARAMS, onTimeFactor, type JudgeParams } from "../engine/judge";
import { PoaiError, type PoaiErrorOptions } from "../engine/errors";
import { PROTOCOL_ERRORS } from "./errors";

/** An expected time or network floor that is not a finite non-negative number (PR101). */
export class DeadlineError extends PoaiError {
  override name = "DeadlineError";
  readonly reason = "ParamsBadValue";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super(PROTOCOL_ERRORS.ParamsBadValue, shortMessage, opts);
  }
}

export interface DeadlineSpans {
  /** From the due instant to the on-time deadline, ms. */
  onTimeMs: number;
  /** From the due instant to the cut-off, ms (the challenge's `deadline`). */
  cutoffMs: number;
}

/**
 * The spans of a challenge expected to take `expectedMs` at the claim, with a network floor of
 * `networkFloorMs`. Rounded up to whole ms (in the node's favour).
 */
export function deadlineSpans(expectedMs: number, networkFloorMs: number, judge: Partial<JudgeParams> = {}): DeadlineSpans {
  if (!Number.isFinite(expectedMs) || expectedMs <= 0) throw new DeadlineError(`expected time ${expectedMs} ms`);
  if (!Number.isFinite(networkFloorMs) || networkFloorMs < 0) throw new DeadlineError(`network floor ${networkFloorMs} ms`);
  const p = { ...DEFAULT_JUDGE_PARAMS, ...judge };
  return {
    onTimeMs: Math.ceil(expectedMs * onTimeFactor(p)) + networkFloorMs,
    cutoffMs: Math.ceil(expectedMs * cutoffFactor(p)) + networkFloorMs,
  };
}
