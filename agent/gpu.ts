/**
 * What the machine's GPUs are doing, from `nvidia-smi` where it exists. Parsing is pure and
 * tested on recorded output; the process runner is the only I/O. Untested on a real GPU: no
 * machine the project is tested on has one (processes/nvidia-smi.ts says what that leaves open).
 */
import { execFile } from "node:child_process";

/** One line of nvidia-smi's compute-apps query. */
export interface ComputeApp {
  pid: number;
  name: string;
  usedMemoryMiB: number;
}

/** Longest list reported to the oracle (its API bounds the body too). */
export const MAX_REPORTED_PROCESSES = 64;
const NVIDIA_SMI_TIMEOUT_MS = 5_000;

/** The arguments of the compute-apps query whose output `parseComputeApps` reads. */
export const COMPUTE_APPS_ARGS = ["--query-compute-apps=pid,process_name,used_memory", "--format=csv,noheader"];

/** Parses `nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv,noheader`. */
export function parseComputeApps(csv: string): ComputeApp[] {
  const out: ComputeApp[] = [];
  for (const line of csv.split("\n")) {
    if (out.length >= MAX_REPORTED_PROCESSES) break;
    const t = line.trim();
    if (t === "" || /^no running/i.test(t)) continue;
    // The name may itself contain commas: pid is the first field, memory the last.
    const first = t.indexOf(",");
    const last = t.lastIndexOf(",");
    if (first < 0 || last <= first) continue;
    const pid = Number(t.slice(0, first).trim());
    const name = t.slice(first + 1, last).trim();
    const mem = t.slice(last + 1).trim();
    const m = /^(\d+)\s*MiB$/i.exec(mem);
    if (!Number.isInteger(pid) || pid <= 0 || !m) continue;
    out.push({ pid, name, usedMemoryMiB: Number(m[1]) });
  }
  return out;
}

/** Parses `nvidia-smi --query-gpu=memory.total,name --format=csv,noheader,nounits`. */
export function parseGpuMemory(csv: string): { name: string; memoryMiB: number }[] {
  const gpus: { name: string; memoryMiB: number }[] = [];
  for (const line of csv.split("\n")) {
    const t = line.trim();
    if (!t) continue;
    const [mem, ...name] = t.split(",");
    const n = Number(mem.trim());
    if (Number.isFinite(n) && n > 0) gpus.push({ memoryMiB: n, name: name.join(",").trim() });
  }
  return gpus;
}

/** Runs nvidia-smi with `args`: its stdout, or undefined when it is absent, fails or times out. */
export function runNvidiaSmi(args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("nvidia-smi", args, { timeout: NVIDIA_SMI_TIMEOUT_MS }, (err, stdout) => {
      // ENOENT (no driver), a timeout or a failing driver all mean: nothing to report.
      if (err) resolve(undefined);
      else resolve(stdout);
    });
  });
}

/** GPU compute processes, or `undefined` when nvidia-smi is absent or fails. */
export async function queryComputeApps(): Promise<ComputeApp[] | undefined> {
  const out = await runNvidiaSmi(COMPUTE_APPS_ARGS);
  return out === undefined ? undefined : parseComputeApps(out);
}

/** The GPUs and their memory, or `undefined` without nvidia-smi. */
export async function queryGpus(): Promise<{ name: string; memoryMiB: number }[] | undefined> {
  const out = await runNvidiaSmi(["--query-gpu=memory.total,name", "--format=csv,noheader,nounits"]);
  return out === undefined ? undefined : parseGpuMemory(out);
}
