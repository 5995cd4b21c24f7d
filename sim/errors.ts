/**
 * The simulator's error catalogue and its base class: every reason a simulation can be refused
 * or stop for, by its readable name, with its SM code (docs/errors.md says what each means).
 * The modules with a class of their own (sampling, fleet, processor sharing, runner) subclass
 * SimError with their one reason; the rest throw SimError with theirs.
 */
import { PoaiError, type ErrorCode, type PoaiErrorOptions } from "../engine/errors";

export const SIM_ERRORS = {
  SimSamplingBadInput: "SM001",
  SimFleetBadInput: "SM002",
  SimSharingBadInput: "SM003",
  SimRunBadInput: "SM004",
  SimDetectionBadBatch: "SM005",
  SimCrossCheckTooLarge: "SM006",
  SimBenchBadArgument: "SM007",
  SimOracleCostUnverified: "SM008",
} as const satisfies Record<string, ErrorCode>;

export type SimErrorReason = keyof typeof SIM_ERRORS;

export class SimError extends PoaiError {
  override name = "SimError";

  constructor(
    readonly reason: SimErrorReason,
    shortMessage: string,
    opts?: PoaiErrorOptions,
  ) {
    super(SIM_ERRORS[reason], shortMessage, opts);
  }
}
