/**
 * What the oracle benchmark reads from the outside of the oracle process: its CPU time from
 * /proc/<pid>/stat (user + system, every thread), and its Prometheus text exposition (/metrics),
 * parsed into samples with histogram helpers. Pure but for the two reads.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

let ticks: number | undefined;
/** Clock ticks per second of /proc's times (`getconf CLK_TCK`, 100 on Linux). */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** utime + stime of `pid` from one line of /proc/<pid>/stat, seconds. */
export function parseProcStat(line: string, hz = clockTicks()): number {
  // Fields after the command name (which may hold spaces and parentheses): state is field 3.
  const rest = line.slice(line.lastIndexOf(")") + 2).split(" ");
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat line: ${line.slice(0, 80)}`);
  return (utime + stime) / hz;
}

export function processCpuSeconds(pid: number): number {
  return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/**
 * CPU seconds of `pid`'s main thread (the event loop) and of its other threads together (V8's
 * garbage-collection and compiler helpers, libuv's pool, worker threads: Node names them all
 * "node", so they are not told apart).
 */
export function threadCpuSeconds(pid: number): { main: number; other: number } {
  const out = { main: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let line: string;
    try {
      line = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended meanwhile
    }
    out[tid === String(pid) ? "main" : "other"] += parseProcStat(line);
  }
  return out;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a text exposition (format 0.0.4); comments and malformed lines are skipped. */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: m[4] === "+Inf" ? Infinity : Number(m[4]) });
  }
  return out;
}

const matches = (s: Sample, name: string, where: Record<string, string>) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v);

/** The sum of every sample of `name` whose labels include `where`. */
export function total(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  return samples.filter((s) => matches(s, name, where)).reduce((a, s) => a + s.value, 0);
}

export interface HistogramSummary {
  count: number;
  sumSeconds: number;
  /** Upper bounds of the buckets holding the 50th and 99th percentiles (Infinity past the last bucket). */
  p50: number;
  p99: number;
}

/** A histogram's count, sum and bucket-resolution percentiles, summed over the series matching `where`. */
export function histogram(samples: readonly Sample[], name: string, where: Record<string, string> = {}): HistogramSummary {
  const count = total(samples, `${name}_count`, where);
  const buckets = new Map<number, number>();
  for (const s of samples.filter((x) => matches(x, `${name}_bucket`, where))) {
    const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const at = (q: number) => (count === 0 ? 0 : (sorted.find(([, c]) => c >= q * count)?.[0] ?? Infinity));
  return { count, sumSeconds: total(samples, `${name}_sum`, where), p50: at(0.5), p99: at(0.99) };
}

/** `after` minus `before`, sample by sample (counters and histograms over one phase). */
export function diff(after: readonly Sample[], before: readonly Sample[]): Sample[] {
  const key = (s: Sample) => `${s.name}${JSON.stringify(s.labels)}`;
  const prev = new Map(before.map((s) => [key(s), s.value]));
  return after.map((s) => ({ ...s, value: s.value - (prev.get(key(s)) ?? 0) }));
}
