/**
 * The nvidia-smi process source: the driver's own list of compute processes
 * (`nvidia-smi --query-compute-apps=pid,process_name,used_memory`, parsed by agent/gpu.ts) with
 * each process's parent, uid, command line and cgroup read from /proc.
 *
 * UNTESTED ON A GPU. The parser is tested on recorded output (processes/nvidia-smi.test.ts);
 * no machine the project is tested on has an NVIDIA GPU, so what the driver prints on a real
 * host has not been seen by a test. Known gaps to check on one: the pids nvidia-smi prints are
 * the host's (an agent inside a container with its own pid namespace cannot read them from its
 * /proc, and such entries keep nvidia-smi's name with an empty cgroup), a MIG or vGPU host may
 * list no compute processes at all, and the memory column may read `[N/A]` (such lines are
 * skipped). The /proc source (proc.ts) does not depend on any of this.
 */
import { COMPUTE_APPS_ARGS, parseComputeApps, runNvidiaSmi } from "../gpu";
import type { GpuProcess, ProcessSource } from "./source";
import { readProc } from "./procfs";
import { MAX_COMMAND_CHARS } from "../../protocol/process-report";

export interface NvidiaSmiSourceOptions {
  /** Default "/proc". */
  procRoot?: string;
  /** Runs nvidia-smi with the given arguments: stdout, or undefined when it is absent or fails. Default: the real binary. */
  run?: (args: string[]) => Promise<string | undefined>;
}

export class NvidiaSmiSource implements ProcessSource {
  readonly name = "nvidia-smi" as const;
  /** Whether the last listing found nvidia-smi (false: absent or failing; the list was empty). */
  available = false;

  constructor(private readonly opts: NvidiaSmiSourceOptions = {}) {}

  async list(): Promise<GpuProcess[]> {
    const out = await (this.opts.run ?? runNvidiaSmi)(COMPUTE_APPS_ARGS);
    this.available = out !== undefined;
    if (out === undefined) return [];
    const procRoot = this.opts.procRoot ?? "/proc";
    const list: GpuProcess[] = [];
    // Loop bound: parseComputeApps returns at most MAX_REPORTED_PROCESSES lines.
    for (const app of parseComputeApps(out)) {
      const p = await readProc(procRoot, app.pid);
      list.push({
        pid: app.pid,
        ppid: p?.ppid ?? 0,
        uid: p?.uid ?? 0,
        command: (p?.command ?? app.name).slice(0, MAX_COMMAND_CHARS),
        cgroup: p?.cgroup ?? "",
        containerId: p?.containerId ?? "",
        devices: [],
        // Rounding: nvidia-smi prints whole MiB; clamped to the report's uint32.
        usedMemoryMiB: Math.min(app.usedMemoryMiB, 0xffff_ffff),
        source: this.name,
      });
    }
    return list;
  }
}
