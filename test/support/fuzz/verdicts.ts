/**
 * What the fuzzers require of every answer: an HTTP status 4xx with `{error: {code, message}}`
 * whose code is in the oracle's catalogue (oracle/errors.ts, docs/errors.md), and for sessions a
 * close whose code is 4000 + the number of a catalogued code (or 1009 for an oversize frame, 1007
 * for text that is not UTF-8), or
 * an `ok: false` reply with such a code. An internal error (OR120) is never an answer.
 */
import assert from "node:assert/strict";
import { ERROR_CODES } from "../../../oracle/errors";
import { errorCodeOfClose } from "../../../protocol/session";
import type { Exchange } from "./raw-http";

export const CATALOGUE = new Set(Object.keys(ERROR_CODES));

export function assertNamedError(json: any, what: string): string {
  const code = json?.error?.code;
  assert.ok(typeof code === "string" && CATALOGUE.has(code), `${what}: not a catalogued error: ${JSON.stringify(json)?.slice(0, 300)}`);
  assert.equal(typeof json.error.message, "string", `${what}: error without message`);
  assert.notEqual(code, "OR120", `${what}: internal error`);
  return code;
}

/** Codes that say the chain could not be read (503): the only 5xx while the RPC endpoint is down. */
export const UNAVAILABLE = new Set(["OR005", "OR119"]);

/**
 * A named 4xx (or a 2xx where `mayBeOk`, or a 503 naming the chain where `chainDown`); HEAD
 * answers carry no body, so only their status counts.
 */
export function assertNamedHttp(ex: Exchange, o: { mayBeOk: boolean; head?: boolean; chainDown?: boolean; what: string }): { status: number; code?: string } {
  const r = ex.response;
  assert.ok(r, `${o.what}: the connection closed without an answer (${JSON.stringify(ex.bytes.subarray(0, 200).toString("latin1"))})`);
  if (o.mayBeOk && r.status >= 200 && r.status < 300) return { status: r.status };
  if (o.chainDown && r.status === 503) {
    const code = o.head ? undefined : assertNamedError(r.json, `${o.what} (503)`);
    assert.ok(code === undefined || UNAVAILABLE.has(code), `${o.what}: 503 with ${code}`);
    return { status: r.status, code };
  }
  assert.ok(r.status >= 400 && r.status < 500, `${o.what}: status ${r.status} ${r.body.subarray(0, 300).toString()}`);
  if (o.head) return { status: r.status };
  return { status: r.status, code: assertNamedError(r.json, `${o.what} (${r.status})`) };
}

/**
 * A session close that names a catalogued error (4000 + its number), or the WebSocket's own code
 * for what the transport refuses before the oracle reads it: 1009 oversize, 1007 not UTF-8.
 */
export function assertNamedClose(close: { code: number; reason: string }, what: string, o: { oversize?: boolean; notUtf8?: boolean } = {}): string {
  if (o.oversize && close.code === 1009) return "1009";
  if (o.notUtf8 && close.code === 1007) return "1007";
  const code = errorCodeOfClose(close.code);
  assert.ok(code !== undefined && CATALOGUE.has(code), `${what}: close ${close.code} (${close.reason}) names no catalogued error`);
  assert.notEqual(code, "OR120", `${what}: internal error`);
  return code;
}
