/**
 * Errors of the LLM engine. Every failure an operator or the oracle can see carries a reason
 * from the engine's catalogue (engine/error-codes.ts, EN2xx; what each means is in
 * docs/errors.md), a short message and, where there is one, the underlying cause.
 */
import { ENGINE_ERRORS, type EngineReasons } from "../error-codes";
import { PoaiError, type PoaiErrorOptions } from "../errors";

export type LlmErrorReason = EngineReasons<"Llm">;

export class LlmError extends PoaiError {
  override name = "LlmError";

  constructor(
    readonly reason: LlmErrorReason,
    shortMessage: string,
    opts?: PoaiErrorOptions,
  ) {
    super(ENGINE_ERRORS[reason], shortMessage, opts);
  }
}
