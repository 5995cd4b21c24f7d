/**
 * The oracle API's `retry-after` header, in one unit everywhere: whole seconds (RFC 9110
 * delay-seconds), on a 204 "nothing due" and on a 429 "rate limited" alike. The oracle rounds its
 * wait up, so a client never asks again before it was told to; a 429's body carries the exact
 * wait in `error.details.retryAfterMs` as well.
 */

/** The header value for a wait of `ms` milliseconds: seconds, rounded up, at least 1. */
export function retryAfterHeader(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/** The wait a `retry-after` header asks for, in ms; undefined when absent or not delay-seconds. */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined || !/^\d{1,9}$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}
