/**
 * The node agent's error catalogue and class: every failure an operator of the agent can see,
 * by its readable name, with its AG code (docs/errors.md and docs/agent.md say the cause and the
 * fix), on the one PoaiError base: a short message that says what to do, an optional hint line,
 * and the underlying cause.
 */
import { PoaiError, type ErrorCode } from "../engine/errors";

export const AGENT_ERRORS = {
  KeyPassword: "AG001", // the keystore password is wrong
  KeyMissing: "AG002", // no keystore at the given path (run `agent init`)
  KeyFile: "AG003", // the keystore file is not a valid encrypted JSON keystore
  NoPassword: "AG004", // no POAI_KEY_PASSWORD and no terminal to prompt on
  NotRegistered: "AG005", // the node key is not registered in the NodeRegistry
  Jailed: "AG006", // the node is jailed until a given time
  OracleUnreachable: "AG007", // the oracle does not answer (the loop retries with backoff)
  WrongChain: "AG008", // the RPC or the oracle is on another chain than the agent expects
  OracleRejected: "AG009", // the oracle answered a request with an error
  BadChallenge: "AG010", // a challenge the agent cannot run (unknown kind, malformed spec)
  BadArgument: "AG011", // a command-line argument is missing or malformed
  Chain: "AG012", // an RPC call or transaction failed
  Exiting: "AG013", // the node is unbonding/deregistered and no longer challenged
  BadUrl: "AG014", // an --oracle or --rpc URL without http(s):// or otherwise malformed
  NotRegistry: "AG015", // the --registry address has no code or does not answer as a NodeRegistry
  FraudUnacknowledged: "AG016", // a fraud verdict the operator has not acknowledged with `agent ack`
  ProcUnreadable: "AG050", // /proc cannot be listed: the /proc process source needs Linux
  ProcessConfig: "AG051", // a process-report setting is malformed (a filter pattern, the lease's cgroup or container id)
} as const satisfies Record<string, ErrorCode>;

export type AgentErrorReason = keyof typeof AGENT_ERRORS;

export class AgentError extends PoaiError {
  override name = "AgentError";

  constructor(
    readonly reason: AgentErrorReason,
    shortMessage: string,
    options?: { cause?: unknown; hint?: string; details?: Record<string, unknown> },
  ) {
    super(AGENT_ERRORS[reason], shortMessage, { cause: options?.cause, details: options?.details });
    // The hint is a second line for the operator (what was seen, what to check).
    if (options?.hint) this.message += `\n  ${options.hint}`;
  }
}

/**
 * The root cause of a connection failure in a few words (`connect ECONNREFUSED 127.0.0.1:8700`,
 * `getaddrinfo ENOTFOUND oracle.example`), walked down the cause chain; undefined if none.
 */
export function rootCause(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  let coded: string | undefined;
  let plain: string | undefined;
  // Loop bound: the cause chain, cycles cut by `seen`.
  while (cur && typeof cur === "object" && !seen.has(cur)) {
    seen.add(cur);
    const e = cur as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] };
    const msg = typeof e.message === "string" ? e.message : "";
    if (typeof e.code === "string" && /^E[A-Z_]+$/.test(e.code) && msg) coded = msg;
    else if (!(cur instanceof AgentError) && msg && msg !== "fetch failed") plain = msg;
    // AggregateError (one per address tried): its first error says it.
    cur = e.cause ?? (Array.isArray(e.errors) && e.errors.length > 0 ? e.errors[0] : undefined);
  }
  return coded ?? plain;
}

/** The short human text of any thrown value (AgentError message, else the error's message). */
export function describeError(err: unknown): string {
  if (err instanceof AgentError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
