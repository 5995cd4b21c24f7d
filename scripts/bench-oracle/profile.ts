/**
 * Where a V8 CPU profile (`node --cpu-prof`, a .cpuprofile file) spends its time: self time by
 * function and by source file or package, the largest first.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Now on the clock of V8's profile timestamps (CLOCK_MONOTONIC, the same in every process), microseconds. */
export const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

export interface ProfileRow {
  name: string;
  ms: number;
  share: number;
}

/** Shortens a frame's URL to the repository path or the npm package it is in. */
export function whereOf(url: string): string {
  if (!url) return "(native)";
  const path = url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1];
  if (path.startsWith("node:")) return path;
  const repo = /\/(engine|protocol|oracle|agent|scripts)\/(.*)$/.exec(path);
  return repo ? `${repo[1]}/${repo[2]}` : path;
}

/**
 * Self time by function and by file, the largest `top` of each; only the samples inside
 * `window` (monotonicMicros() readings) when given. Sampled time is wall time of the main
 * thread: a blocking call (a disk sync) counts in the function that made it.
 */
export function summarizeProfile(file: string, top = 15, window?: [number, number]): { totalMs: number; functions: ProfileRow[]; files: ProfileRow[] } {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (window && (at < window[0] || at > window[1])) continue;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === "(idle)" || f.functionName === "(program)") continue;
    totalMs += ms;
    const where = whereOf(f.url);
    const name = `${f.functionName || "(anonymous)"} ${where}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    fn.set(name, (fn.get(name) ?? 0) + ms);
    files.set(where, (files.get(where) ?? 0) + ms);
  }
  const rows = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => ({ name, ms, share: totalMs ? ms / totalMs : 0 }));
  return { totalMs, functions: rows(fn), files: rows(files) };
}
