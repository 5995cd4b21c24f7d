/**
 * Structured logging: one JSON object per line on stdout (or a given stream), with the time,
 * level, an event name and fields. bigints are written as decimal strings, errors with their
 * code and cause chain.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** Longest cause chain written out for one error. */
const MAX_CAUSE_DEPTH = 5;

function errorFields(e: unknown, depth = 0): unknown {
  if (!(e instanceof Error)) return e;
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  const code = (e as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (e.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = errorFields(e.cause, depth + 1);
  return out;
}

function replacer(_k: string, v: unknown) {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Error) return errorFields(v);
  return v;
}

export function createLogger(
  opts: { level?: LogLevel; write?: (line: string) => void; base?: Record<string, unknown> } = {},
): Logger {
  const min = LEVELS[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => process.stdout.write(line + "\n"));
  const base = opts.base ?? {};
  const log = (level: LogLevel) => (event: string, fields: Record<string, unknown> = {}) => {
    if (LEVELS[level] < min) return;
    write(JSON.stringify({ t: new Date().toISOString(), level, event, ...base, ...fields }, replacer));
  };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => createLogger({ ...opts, base: { ...base, ...fields } }),
  };
}
