/**
 * Why a figure is unknown, in words: no oracle configured, the oracle or the RPC unreachable
 * (with the cause), or an answer the page could not read. A figure the page does not know is
 * shown as "unknown" with this reason, never as zero. Pure.
 */
import { OracleError } from "./oracleApi";

export const NO_ORACLE = "no oracle configured: open the page with ?oracle=URL";

/** The reason an oracle read failed, starting with "oracle unreachable" when it did not answer at all. */
export function oracleReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof OracleError && error.status === undefined && /did not answer/.test(message))
    return `oracle unreachable: ${message}`;
  return `oracle error: ${message}`;
}

/** The reason a chain read failed: viem's short message, without its multi-line details. */
export function rpcReason(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string; name?: string } | null;
  const text = (e?.shortMessage ?? e?.message ?? String(error)).split("\n")[0];
  if (/HTTP request failed|fetch|Failed to fetch|network|took too long|timed? ?out/i.test(text) || e?.name === "HttpRequestError")
    return `RPC unreachable: ${text}`;
  return `chain read failed: ${text}`;
}
