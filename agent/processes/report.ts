/**
 * The agent's process report: the GPU processes its sources see, less the lease's container and
 * the agent itself (its own pid and every process below it), bounded to the protocol's limits
 * and signed by the node key for one oracle member (protocol/process-report.ts).
 *
 * Outside a lease every GPU process but the agent's is listed: the operator's own jobs are not
 * a violation then, and the list shows what the machine runs. During a lease a process that is
 * listed is foreign by construction (it is outside the renter's container), and the oracle keeps
 * the signed report as evidence for the lease's judge.
 */
import type { Address } from "viem";
import {
  checkProcessReport,
  inLease,
  NO_LEASE,
  type LeaseContainer,
  MAX_CGROUP_CHARS,
  MAX_CONTAINER_ID_CHARS,
  MAX_REPORT_ENTRIES,
  signProcessReport,
  type ProcessReport,
  type ReportDomain,
  type SignedProcessReport,
} from "../../protocol/process-report";
import { AgentError } from "../errors";
import { descendsFrom } from "./procfs";
import type { GpuProcess, ProcessSource } from "./source";

/**
 * A lease container from its settings: AG051 for a cgroup that is not an absolute path of at
 * most MAX_CGROUP_CHARS, or is the root "/" (which would hide every process), and for a
 * container id that is not 12 to 64 lower-case hex digits.
 */
export function leaseContainer(cgroup = "", containerId = ""): LeaseContainer {
  const cg = cgroup.replace(/\/+$/, "");
  if (cgroup !== "" && (!cgroup.startsWith("/") || cg === "" || cgroup.length > MAX_CGROUP_CHARS || /\/\.\.?(\/|$)/.test(cgroup))) {
    throw new AgentError("ProcessConfig", `the lease's cgroup must be an absolute cgroup path other than "/", at most ${MAX_CGROUP_CHARS} characters, got ${JSON.stringify(cgroup.slice(0, 80))}`);
  }
  if (containerId !== "" && !new RegExp(`^[0-9a-f]{12,${MAX_CONTAINER_ID_CHARS}}$`).test(containerId)) {
    throw new AgentError("ProcessConfig", `the lease's container id must be 12 to ${MAX_CONTAINER_ID_CHARS} lower-case hex digits, got ${JSON.stringify(containerId.slice(0, 80))}`);
  }
  return { cgroup: cg, containerId };
}

/** One entry per pid across the sources: the first source's entry, with every device and the largest memory figure. */
export function mergeSources(lists: readonly GpuProcess[][]): GpuProcess[] {
  const byPid = new Map<number, GpuProcess>();
  // Loop bound: the sources' lists, each bounded by its source (MAX_PIDS, MAX_REPORTED_PROCESSES).
  for (const list of lists) {
    for (const p of list) {
      const seen = byPid.get(p.pid);
      if (!seen) byPid.set(p.pid, { ...p, devices: [...p.devices] });
      else {
        seen.devices = [...new Set([...seen.devices, ...p.devices])].sort();
        seen.usedMemoryMiB = Math.max(seen.usedMemoryMiB, p.usedMemoryMiB);
      }
    }
  }
  return [...byPid.values()].sort((a, b) => a.pid - b.pid);
}

export interface ReporterOptions {
  sources: readonly ProcessSource[];
  /** The lease running now, if any (read at every report). */
  lease?: () => LeaseContainer;
  /** The agent's pid; it and its descendants are left out. Default process.pid. */
  selfPid?: number;
  /** Where descendants are looked up; default "/proc". */
  procRoot?: string;
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
}

export class ProcessReporter {
  constructor(private readonly o: ReporterOptions) {}

  /** The report for `node` to `oracle`, unsigned: merged, filtered, bounded. */
  async build(node: Address, oracle: Address): Promise<ProcessReport> {
    const lease = this.o.lease?.() ?? NO_LEASE;
    const selfPid = this.o.selfPid ?? process.pid;
    const procRoot = this.o.procRoot ?? "/proc";
    const lists = await Promise.all(this.o.sources.map((s) => s.list()));
    const kept: GpuProcess[] = [];
    // Loop bound: the merged list (bounded by the sources); descendsFrom walks MAX_ANCESTRY parents each.
    for (const p of mergeSources(lists)) {
      if (inLease(p, lease)) continue;
      if (p.pid === selfPid || p.ppid === selfPid || (await descendsFrom(procRoot, p.pid, selfPid))) continue;
      kept.push(p);
    }
    // Processes holding a GPU device first, so a bound cuts the filter-only matches first.
    kept.sort((a, b) => Number(b.devices.length > 0) - Number(a.devices.length > 0) || a.pid - b.pid);
    const report: ProcessReport = {
      node,
      oracle,
      timestampMs: Math.floor((this.o.now ?? Date.now)()),
      leaseCgroup: lease.cgroup,
      leaseContainerId: lease.containerId,
      processes: kept.slice(0, MAX_REPORT_ENTRIES),
    };
    // Loop bound: at most MAX_REPORT_ENTRIES entries dropped, one per pass, until the text fits.
    while (report.processes.length > 0 && checkProcessReport(report) !== undefined) report.processes.pop();
    return report;
  }

  /** The report signed by `account` (the node key) in `domain` for the member `oracle`. */
  async signed(account: Parameters<typeof signProcessReport>[0] & { address: Address }, domain: ReportDomain, oracle: Address): Promise<SignedProcessReport> {
    return signProcessReport(account, domain, await this.build(account.address, oracle));
  }
}
