/**
 * Where the agent learns which processes use the machine's GPUs. A source lists what it sees;
 * report.ts merges the sources, drops the lease's container and the agent itself, bounds the
 * list and signs it (protocol/process-report.ts).
 *
 *   proc.ts        the /proc and cgroup walk: works on any Linux host, tested here for real
 *   nvidia-smi.ts  nvidia-smi's compute list: tested on recorded output only, untested on a GPU
 */
import type { ProcessEntry } from "../../protocol/process-report";

/** One process as a source saw it: the report's entry (pid, parent, uid, command, cgroup, devices). */
export type GpuProcess = ProcessEntry;

export interface ProcessSource {
  /** `proc` or `nvidia-smi`: the `source` of the entries it lists. */
  readonly name: GpuProcess["source"];
  /** The processes that use a GPU now; an empty list when none do or the source has nothing to say. */
  list(): Promise<GpuProcess[]>;
}
