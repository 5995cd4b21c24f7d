/** The gemm challenge's one error class: a malformed spec or opening, or a node runtime failure. */
export class GemmError extends Error {
  constructor(
    readonly code: "GemmBadSpec" | "GemmBadOpening" | "GemmRuntime",
    message: string,
    readonly cause?: unknown,
  ) {
    super(`${code}: ${message}`);
    this.name = "GemmError";
  }
}
