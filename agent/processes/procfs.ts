/**
 * Reading one process from a Linux /proc tree: its parent, real uid, command line, cgroup and
 * container id, and the paths its open file descriptors point at. Every read tolerates the
 * process exiting meanwhile (undefined). `procRoot` is "/proc" on a host; tests may point it
 * elsewhere, never needed here because /proc is real on the machines the agent runs on.
 */
import { readFile, readdir, readlink } from "node:fs/promises";
import path from "node:path";
import { MAX_CGROUP_CHARS, MAX_COMMAND_CHARS } from "../../protocol/process-report";

export interface ProcInfo {
  pid: number;
  ppid: number;
  uid: number;
  command: string;
  /** The cgroup v2 path (the `0::` line) where there is one, else the first v1 line's path. */
  cgroup: string;
  /** A Docker, containerd, CRI-O or Podman container id named in any cgroup line, "" when none. */
  containerId: string;
}

/** Open descriptors looked at per process, at most: a process holding more is read up to here. */
export const MAX_FDS_PER_PROCESS = 16_384;
/** Parents walked up from a process, at most (a process tree deeper than this is cut). */
export const MAX_ANCESTRY = 64;

// 64 hex digits after a runtime's prefix (`docker-<id>.scope`, `cri-containerd-<id>`, `crio-<id>`,
// `libpod-<id>`) or as a path segment of its own (`/docker/<id>`, `/kubepods/.../<id>`).
const CONTAINER_ID = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?(?:$|\/)/;

/** The container id in cgroup text, "" when none. */
export function containerIdOf(cgroupText: string): string {
  // Loop bound: the lines of one /proc/<pid>/cgroup (one per hierarchy, a dozen at most).
  for (const line of cgroupText.split("\n")) {
    const p = line.slice(line.indexOf(":", line.indexOf(":") + 1) + 1);
    const m = CONTAINER_ID.exec(p);
    if (m) return m[1];
  }
  return "";
}

/** The path of a process's cgroup from /proc/<pid>/cgroup text: the v2 line, else the first v1 one. */
export function cgroupPathOf(cgroupText: string): string {
  let first: string | undefined;
  for (const line of cgroupText.split("\n")) {
    const a = line.indexOf(":");
    const b = line.indexOf(":", a + 1);
    if (a < 0 || b < 0) continue;
    const p = line.slice(b + 1).trim();
    if (line.slice(0, a) === "0" && line.slice(a + 1, b) === "") return p;
    first ??= p;
  }
  return first ?? "";
}

/** `PPid:` and the real uid of `Uid:` from /proc/<pid>/status text. */
export function parseStatus(text: string): { ppid: number; uid: number; name: string } | undefined {
  const ppid = /^PPid:\s*(\d+)/m.exec(text);
  const uid = /^Uid:\s*(\d+)/m.exec(text);
  const name = /^Name:\s*(.*)$/m.exec(text);
  if (!ppid || !uid) return undefined;
  return { ppid: Number(ppid[1]), uid: Number(uid[1]), name: name?.[1] ?? "" };
}

const read = (file: string) => readFile(file, "utf8").catch(() => undefined);

/** The pids under `procRoot`, ascending, at most `max` of them. */
export async function listPids(procRoot: string, max: number): Promise<number[]> {
  const names = await readdir(procRoot);
  const pids = names.filter((n) => /^[1-9][0-9]*$/.test(n)).map(Number).sort((a, b) => a - b);
  return pids.slice(0, max);
}

/** One process, or undefined when it is gone (or is not a process directory). */
export async function readProc(procRoot: string, pid: number): Promise<ProcInfo | undefined> {
  const dir = path.join(procRoot, String(pid));
  const status = await read(path.join(dir, "status"));
  const parsed = status === undefined ? undefined : parseStatus(status);
  if (!parsed) return undefined;
  const cmdline = await read(path.join(dir, "cmdline"));
  // Kernel threads have no command line: their name in brackets, as ps shows them.
  const args = (cmdline ?? "").split("\0").filter((s) => s !== "").join(" ");
  const command = (args || `[${parsed.name}]`).slice(0, MAX_COMMAND_CHARS);
  const cg = (await read(path.join(dir, "cgroup"))) ?? "";
  return { pid, ppid: parsed.ppid, uid: parsed.uid, command, cgroup: cgroupPathOf(cg).slice(0, MAX_CGROUP_CHARS), containerId: containerIdOf(cg) };
}

/**
 * The targets of a process's open descriptors that `match` accepts, sorted and deduplicated.
 * `unreadable` when its fd directory cannot be read (another user's process without root).
 */
export async function openDevices(procRoot: string, pid: number, match: (target: string) => boolean): Promise<{ devices: string[]; unreadable: boolean }> {
  const fdDir = path.join(procRoot, String(pid), "fd");
  let fds: string[];
  try {
    fds = await readdir(fdDir);
  } catch {
    return { devices: [], unreadable: true };
  }
  const found = new Set<string>();
  // Loop bound: MAX_FDS_PER_PROCESS descriptors.
  for (const fd of fds.slice(0, MAX_FDS_PER_PROCESS)) {
    const target = await readlink(path.join(fdDir, fd)).catch(() => undefined);
    if (target !== undefined && match(target)) found.add(target);
  }
  return { devices: [...found].sort(), unreadable: false };
}

/** The parent of `pid`, undefined when it is gone. */
export async function parentOf(procRoot: string, pid: number): Promise<number | undefined> {
  const status = await read(path.join(procRoot, String(pid), "status"));
  return status === undefined ? undefined : parseStatus(status)?.ppid;
}

/** Whether `pid` is `ancestor` or one of its descendants (walking up at most MAX_ANCESTRY parents). */
export async function descendsFrom(procRoot: string, pid: number, ancestor: number): Promise<boolean> {
  let cur: number | undefined = pid;
  // Loop bound: MAX_ANCESTRY steps; pid 0 (the kernel) ends every chain.
  for (let i = 0; i <= MAX_ANCESTRY && cur !== undefined && cur > 0; i++) {
    if (cur === ancestor) return true;
    cur = await parentOf(procRoot, cur);
  }
  return false;
}
