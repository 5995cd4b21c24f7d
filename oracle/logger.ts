/**
 * Structured logging on pino: one JSON object per line on stdout (or a given `write`), with the
 * time `t` (ISO 8601), the `level` by name, the `event` name and fields. bigints are written as
 * decimal strings, errors as `{name, message, code, cause}` with their cause chain. Writes are
 * synchronous: a line is out when the call returns (the crash-test hook in cli.ts relies on it).
 */
import pino, { type DestinationStream } from "pino";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Longest cause chain written out for one error. */
const MAX_CAUSE_DEPTH = 5;
/** Deepest nesting of a field walked for bigints and errors (deeper values are written as pino writes them). */
const MAX_FIELD_DEPTH = 8;

function errorFields(e: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  const code = (e as { code?: unknown }).code;
  if (code !== undefined) out.code = logValue(code);
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = e.cause instanceof Error ? errorFields(e.cause, depth + 1) : logValue(e.cause);
  return out;
}

/** A field value as the log writes it: bigints as decimal strings, errors as plain objects. */
function logValue(v: unknown, depth = 0): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Error) return errorFields(v, 0);
  if (v === null || typeof v !== "object" || depth >= MAX_FIELD_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => logValue(x, depth + 1));
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = logValue(x, depth + 1);
  return out;
}

const logFields = (fields: Record<string, unknown>) => logValue(fields) as Record<string, unknown>;

let stdout: DestinationStream | undefined;
/** fd 1, written synchronously; one stream for every logger of the process. */
const stdoutStream = () => (stdout ??= pino.destination({ dest: 1, sync: true }));

/** A pino destination that hands each line, without its newline, to `write`. */
function lineStream(write: (line: string) => void): DestinationStream {
  return { write: (s: string) => write(s.endsWith("\n") ? s.slice(0, -1) : s) };
}

function wrap(p: pino.Logger): Logger {
  return {
    debug: (event, fields = {}) => p.debug(fields, event),
    info: (event, fields = {}) => p.info(fields, event),
    warn: (event, fields = {}) => p.warn(fields, event),
    error: (event, fields = {}) => p.error(fields, event),
    child: (fields) => wrap(p.child(logFields(fields))),
  };
}

export function createLogger(
  opts: { level?: LogLevel; write?: (line: string) => void; base?: Record<string, unknown> } = {},
): Logger {
  const p = pino(
    {
      level: opts.level ?? "info",
      messageKey: "event",
      base: opts.base ? logFields(opts.base) : null,
      timestamp: () => `,"t":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }), log: logFields },
      // Errors are converted by `log` wherever they sit; an `err` field is not serialized again.
      serializers: { err: (v: unknown) => v },
    },
    opts.write ? lineStream(opts.write) : stdoutStream(),
  );
  return wrap(p);
}
