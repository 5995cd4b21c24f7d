/**
 * The /proc and cgroup process source: every process on the machine, read from /proc, counts as
 * a GPU user when one of its open descriptors points at a GPU device (`devicePattern`, NVIDIA's
 * device files by default), or, as a fallback where descriptors say nothing (a driver that needs
 * no device file, a process whose descriptors cannot be read), when its command line or cgroup
 * matches a configured filter. Works on any Linux host with or without a GPU; the agent runs it
 * as root (or with CAP_SYS_PTRACE) to read every process's descriptors.
 */
import { AgentError } from "../errors";
import type { GpuProcess, ProcessSource } from "./source";
import { listPids, openDevices, readProc } from "./procfs";
import { MAX_DEVICES_PER_PROCESS, MAX_DEVICE_CHARS } from "../../protocol/process-report";

/** NVIDIA's device files: /dev/nvidia0..N, nvidiactl, nvidia-uvm(-tools), nvidia-modeset, nvidia-caps/*. */
export const NVIDIA_DEVICES = /^\/dev\/nvidia(?:[0-9]+|ctl|-uvm|-uvm-tools|-modeset|-caps\/.+)$/;

/** Process directories read per listing, at most (Linux's default pid_max is 4,194,304; hosts run far fewer). */
export const MAX_PIDS = 65_536;

export interface ProcSourceOptions {
  /** Default "/proc". */
  procRoot?: string;
  /** Descriptor targets that are GPU devices; default NVIDIA_DEVICES. */
  devicePattern?: RegExp;
  /** Fallback: a process whose command line matches counts as a GPU user. */
  commandPattern?: RegExp;
  /** Fallback: a process whose cgroup path matches counts as a GPU user. */
  cgroupPattern?: RegExp;
}

export class ProcSource implements ProcessSource {
  readonly name = "proc" as const;
  private readonly procRoot: string;
  private readonly devicePattern: RegExp;

  constructor(private readonly opts: ProcSourceOptions = {}) {
    this.procRoot = opts.procRoot ?? "/proc";
    this.devicePattern = opts.devicePattern ?? NVIDIA_DEVICES;
  }

  async list(): Promise<GpuProcess[]> {
    let pids: number[];
    try {
      pids = await listPids(this.procRoot, MAX_PIDS);
    } catch (err) {
      throw new AgentError("ProcUnreadable", `cannot list processes in ${this.procRoot}: the /proc process source needs Linux`, { cause: err });
    }
    const out: GpuProcess[] = [];
    // Loop bound: MAX_PIDS processes, each read once.
    for (const pid of pids) {
      const p = await readProc(this.procRoot, pid);
      if (!p) continue; // exited meanwhile
      const { devices } = await openDevices(this.procRoot, pid, (t) => this.devicePattern.test(t));
      const filtered = (this.opts.commandPattern?.test(p.command) ?? false) || (this.opts.cgroupPattern?.test(p.cgroup) ?? false);
      if (devices.length === 0 && !filtered) continue;
      out.push({
        ...p,
        devices: devices.slice(0, MAX_DEVICES_PER_PROCESS).map((d) => d.slice(0, MAX_DEVICE_CHARS)),
        usedMemoryMiB: 0,
        source: this.name,
      });
    }
    return out;
  }
}

/**
 * A filter pattern from the command line or a config file: a regular expression, AG051 when it
 * does not compile or is longer than 512 characters.
 */
export function parsePattern(what: string, text: string): RegExp {
  if (text.length === 0 || text.length > 512) throw new AgentError("ProcessConfig", `${what} must be a regular expression of 1 to 512 characters`);
  try {
    return new RegExp(text);
  } catch (err) {
    throw new AgentError("ProcessConfig", `${what} is not a regular expression: ${(err as Error).message}`, { cause: err });
  }
}
