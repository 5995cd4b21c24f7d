/**
 * The process report's settings as `agent run` takes them (`--process-sources`,
 * `--gpu-device-pattern`, `--process-filter`, `--cgroup-filter`, `--lease-cgroup`,
 * `--lease-container`), checked before anything runs: AG051 names the one that is wrong.
 */
import type { Address } from "viem";
import { AgentError } from "../errors";
import type { OracleInfo } from "../client";
import type { SignedProcessReport } from "../../protocol/process-report";
import { NvidiaSmiSource } from "./nvidia-smi";
import { parsePattern, ProcSource } from "./proc";
import { leaseContainer, ProcessReporter } from "./report";
import type { ProcessSource } from "./source";

export interface ProcessSettings {
  /** Comma-separated: "proc", "nvidia-smi" or both (the default). */
  sources?: string;
  devicePattern?: string;
  commandFilter?: string;
  cgroupFilter?: string;
  leaseCgroup?: string;
  leaseContainer?: string;
  procRoot?: string;
}

export function reporterFromSettings(s: ProcessSettings): ProcessReporter {
  const names = (s.sources ?? "proc,nvidia-smi").split(",").map((n) => n.trim()).filter((n) => n !== "");
  const unknown = names.find((n) => n !== "proc" && n !== "nvidia-smi");
  if (unknown !== undefined || names.length === 0) throw new AgentError("ProcessConfig", `--process-sources must list proc and/or nvidia-smi, got ${JSON.stringify(s.sources)}`);
  const sources: ProcessSource[] = [];
  if (names.includes("proc")) {
    sources.push(
      new ProcSource({
        procRoot: s.procRoot,
        devicePattern: s.devicePattern === undefined ? undefined : parsePattern("--gpu-device-pattern", s.devicePattern),
        commandPattern: s.commandFilter === undefined ? undefined : parsePattern("--process-filter", s.commandFilter),
        cgroupPattern: s.cgroupFilter === undefined ? undefined : parsePattern("--cgroup-filter", s.cgroupFilter),
      }),
    );
  }
  if (names.includes("nvidia-smi")) sources.push(new NvidiaSmiSource({ procRoot: s.procRoot }));
  const lease = leaseContainer(s.leaseCgroup, s.leaseContainer);
  return new ProcessReporter({ sources, lease: () => lease, procRoot: s.procRoot });
}

/** The loop's `processReport`: signs for the chain, registry and member address the oracle's /v1/info names. */
export function reportFor(reporter: ProcessReporter, account: Parameters<ProcessReporter["signed"]>[0]): (info: OracleInfo) => Promise<SignedProcessReport> {
  return async (info) => {
    const oracle = info.raw.oracle;
    if (typeof oracle !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(oracle)) {
      throw new AgentError("OracleRejected", "the oracle's /v1/info names no oracle address to sign the process report for");
    }
    return reporter.signed(account, { chainId: info.chainId, registry: info.registry }, oracle as Address);
  };
}
