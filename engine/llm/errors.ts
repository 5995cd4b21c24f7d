/**
 * Errors of the LLM engine. Every failure an operator or the oracle can see carries a code from
 * this list (the catalogue is in docs/llm.md), a short message and, where there is one, the
 * underlying cause.
 */
export type LlmErrorCode =
  | "LlmBadSeed" // a seed that is not a 32-byte hex string
  | "LlmBadOption" // an option outside its documented bounds
  | "LlmBadTokenizer" // a tokenizer file that does not parse or does not fit the model
  | "LlmBadModel" // an ONNX model without usable token-ids input / logits output
  | "LlmModelLoad" // onnxruntime could not create a session
  | "LlmBadInput" // token ids outside the vocabulary, ragged batch, sequence too long
  | "LlmBadChallenge" // an infer challenge that is malformed
  | "LlmBadAnswer"; // an infer answer or opening that is malformed

export class LlmError extends Error {
  constructor(
    readonly code: LlmErrorCode,
    readonly shortMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${shortMessage}`, options);
    this.name = "LlmError";
  }
}
