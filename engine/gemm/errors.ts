/** The gemm challenge's one error class: a malformed spec or opening, or a node runtime failure (EN10x). */
import { ENGINE_ERRORS, type EngineReasons } from "../error-codes";
import { PoaiError, type PoaiErrorOptions } from "../errors";

export class GemmError extends PoaiError {
  override name = "GemmError";

  constructor(
    readonly reason: EngineReasons<"Gemm">,
    shortMessage: string,
    opts?: PoaiErrorOptions,
  ) {
    super(ENGINE_ERRORS[reason], shortMessage, opts);
  }
}
