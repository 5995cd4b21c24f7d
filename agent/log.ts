/**
 * The agent's log: one line per event, either human text (`--log text`, the default on a
 * terminal) or one JSON object per line (`--log json`, what the demo and log shippers read).
 */
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
  (level: Level, event: string, msg: string, fields?: Record<string, unknown>): void;
}

export function makeLogger(format: "text" | "json", node: string, write: (line: string) => void = (l) => process.stdout.write(l + "\n")): Logger {
  return (level, event, msg, fields = {}) => {
    const t = new Date().toISOString();
    if (format === "json") {
      write(JSON.stringify({ t, level, node, event, msg, ...fields }, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    } else {
      write(`${t} ${level.toUpperCase().padEnd(5)} ${msg}`);
    }
  };
}
