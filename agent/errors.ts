/**
 * Errors an operator of the node agent can see. Every failure carries a code from this list
 * (the catalogue with causes and fixes is docs/agent.md), a short message that says what to do,
 * and the underlying cause where there is one.
 */
export type AgentErrorCode =
  | "AG001_KEY_PASSWORD" // the keystore password is wrong
  | "AG002_KEY_MISSING" // no keystore at the given path (run `agent init`)
  | "AG003_KEY_FILE" // the keystore file is not a valid encrypted JSON keystore
  | "AG004_NO_PASSWORD" // no POAI_KEY_PASSWORD and no terminal to prompt on
  | "AG005_NOT_REGISTERED" // the node key is not registered in the NodeRegistry
  | "AG006_JAILED" // the node is jailed until a given time
  | "AG007_ORACLE_UNREACHABLE" // the oracle does not answer (the loop retries with backoff)
  | "AG008_WRONG_CHAIN" // the RPC or the oracle is on another chain than the agent expects
  | "AG009_ORACLE_REJECTED" // the oracle answered a request with an error
  | "AG010_BAD_CHALLENGE" // a challenge the agent cannot run (unknown kind, malformed spec)
  | "AG011_BAD_ARGUMENT" // a command-line argument is missing or malformed
  | "AG012_CHAIN" // an RPC call or transaction failed
  | "AG013_EXITING"; // the node is unbonding/deregistered and no longer challenged

export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    readonly shortMessage: string,
    options?: { cause?: unknown; details?: string },
  ) {
    super(`${code}: ${shortMessage}${options?.details ? `\n  ${options.details}` : ""}`, options);
    this.name = "AgentError";
  }
}

/** The short human text of any thrown value (AgentError message, else the error's message). */
export function describeError(err: unknown): string {
  if (err instanceof AgentError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
