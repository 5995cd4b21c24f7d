/**
 * The node agent's signed report of the compute processes on its machine that run outside the
 * lease's container (`POST /v1/processes`, and the session frame `{t:"processes", report,
 * signature}`): one wire schema, one EIP-712 type and one set of bounds, shared by the agent
 * (agent/processes/) that builds and signs it and the oracle (oracle/processes.ts) that checks
 * and keeps it.
 *
 * Binding: the signature is the node key's EIP-712 `ProcessReport` in the `PoAI Oracle API`
 * domain (chain id, NodeRegistry address, oracle API version), and the struct names the node,
 * the oracle member it is sent to and the agent's clock in milliseconds. So a report counts for
 * one node, one member of one deployment on one chain, once (each member keeps only reports
 * newer than the last it kept from the node) and only near the time it was made (the member's
 * clock-skew window). Anyone holding the report and its signature can check it against the node's
 * registered key: a foreign process it lists during a lease is evidence the operator cannot
 * later deny. It is the operator's own statement, so it proves presence, never absence (see
 * docs/agent.md, "Process reports").
 */
import { hashTypedData, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import { ORACLE_API_DOMAIN_NAME, domain } from "./eip712";

/** Most processes one report lists (the agent keeps the first ones, GPU users before the rest). */
export const MAX_REPORT_ENTRIES = 64;
/** Longest command line kept, characters (the agent cuts longer ones). */
export const MAX_COMMAND_CHARS = 256;
/** Longest cgroup path, characters (the lease's and each process's). */
export const MAX_CGROUP_CHARS = 512;
/** A container id: at most this many characters (Docker and containerd use 64 hex digits). */
export const MAX_CONTAINER_ID_CHARS = 64;
/** Most device paths listed per process, and the longest path. */
export const MAX_DEVICES_PER_PROCESS = 16;
export const MAX_DEVICE_CHARS = 64;
/** Largest report, bytes of its JSON text (`JSON.stringify(report)`), signature excluded. */
export const MAX_REPORT_BYTES = 32 * 1024;
/** How a process was seen: the /proc and cgroup walk, or nvidia-smi's compute list. */
export const PROCESS_SOURCES = ["proc", "nvidia-smi"] as const;

/**
 * The EIP-712 types. `usedMemoryMiB` is 0 when the source does not know it (the /proc source);
 * `containerId` and the lease's fields are "" when there is none.
 */
export const PROCESS_REPORT_TYPES = {
  ProcessReport: [
    { name: "node", type: "address" },
    { name: "oracle", type: "address" },
    { name: "timestampMs", type: "uint64" },
    { name: "leaseCgroup", type: "string" },
    { name: "leaseContainerId", type: "string" },
    { name: "processes", type: "ProcessEntry[]" },
  ],
  ProcessEntry: [
    { name: "pid", type: "uint32" },
    { name: "ppid", type: "uint32" },
    { name: "uid", type: "uint32" },
    { name: "command", type: "string" },
    { name: "cgroup", type: "string" },
    { name: "containerId", type: "string" },
    { name: "devices", type: "string[]" },
    { name: "usedMemoryMiB", type: "uint32" },
    { name: "source", type: "string" },
  ],
} as const;

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/) as unknown as z.ZodType<Address>;
const uint32 = z.number().int().min(0).max(0xffff_ffff);
/**
 * Structural limits only, loose on purpose (every string at most 4096 characters, at most 256
 * entries, the API's list bound): the tighter bounds above are checked by `checkProcessReport`,
 * which names what is too large.
 */
const text = z.string().max(4096);

export const processEntryWire = z
  .object({
    pid: uint32.min(1),
    ppid: uint32,
    uid: uint32,
    command: text,
    cgroup: text,
    containerId: text,
    devices: z.array(text).max(256),
    usedMemoryMiB: uint32,
    source: z.enum(PROCESS_SOURCES),
  })
  .strict();

export const processReportWire = z
  .object({
    node: address,
    oracle: address,
    timestampMs: z.number().int().min(0).safe(),
    leaseCgroup: text,
    leaseContainerId: text,
    processes: z.array(processEntryWire).max(256),
  })
  .strict();

/** The body of `POST /v1/processes`; the session frame is the same with `t: "processes"`. */
export const signedProcessReportWire = z
  .object({
    report: processReportWire,
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/) as unknown as z.ZodType<Hex>,
  })
  .strict();

export type ProcessEntry = z.infer<typeof processEntryWire>;
export type ProcessReport = z.infer<typeof processReportWire>;
export type SignedProcessReport = z.infer<typeof signedProcessReportWire>;

/** What is wrong with a report's size, or undefined when it is inside every bound. */
export type ReportSizeProblem = { kind: "too-many"; message: string } | { kind: "oversized"; message: string };

/** The bounds above, checked in order: the entry count, each field, the whole JSON text. */
export function checkProcessReport(r: ProcessReport): ReportSizeProblem | undefined {
  if (r.processes.length > MAX_REPORT_ENTRIES) {
    return { kind: "too-many", message: `report lists ${r.processes.length} processes, at most ${MAX_REPORT_ENTRIES}` };
  }
  const over = (what: string, v: string, max: number) => (v.length > max ? { kind: "oversized" as const, message: `${what} has ${v.length} characters, at most ${max}` } : undefined);
  const lease = over("leaseCgroup", r.leaseCgroup, MAX_CGROUP_CHARS) ?? over("leaseContainerId", r.leaseContainerId, MAX_CONTAINER_ID_CHARS);
  if (lease) return lease;
  // Loop bound: at most MAX_REPORT_ENTRIES entries (checked above), each at most 256 devices (schema).
  for (const [i, p] of r.processes.entries()) {
    const field =
      over(`processes.${i}.command`, p.command, MAX_COMMAND_CHARS) ??
      over(`processes.${i}.cgroup`, p.cgroup, MAX_CGROUP_CHARS) ??
      over(`processes.${i}.containerId`, p.containerId, MAX_CONTAINER_ID_CHARS);
    if (field) return field;
    if (p.devices.length > MAX_DEVICES_PER_PROCESS) return { kind: "oversized", message: `processes.${i}.devices lists ${p.devices.length}, at most ${MAX_DEVICES_PER_PROCESS}` };
    for (const d of p.devices) {
      const dev = over(`processes.${i}.devices`, d, MAX_DEVICE_CHARS);
      if (dev) return dev;
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(r), "utf8");
  if (bytes > MAX_REPORT_BYTES) return { kind: "oversized", message: `report is ${bytes} bytes, at most ${MAX_REPORT_BYTES}` };
  return undefined;
}

/** The container a lease runs in: its cgroup path, its container id, or both ("" for none). */
export interface LeaseContainer {
  cgroup: string;
  containerId: string;
}

export const NO_LEASE: LeaseContainer = { cgroup: "", containerId: "" };

/**
 * Whether a process runs inside the lease's container: its cgroup at or below the lease's
 * (path segments, so "/a/b" is not inside "/a/bc"), or the lease's container id as a prefix of
 * its own (a 12-digit short id matches the full id). The agent leaves these out of its report;
 * the oracle's reader leaves them out again with the lease the judge names.
 */
export function inLease(p: Pick<ProcessEntry, "cgroup" | "containerId">, lease: LeaseContainer): boolean {
  const cg = lease.cgroup.replace(/\/+$/, "");
  if (cg !== "" && (p.cgroup === cg || p.cgroup.startsWith(cg + "/"))) return true;
  return lease.containerId !== "" && p.containerId !== "" && p.containerId.startsWith(lease.containerId);
}

/** Where a report is signed: the `PoAI Oracle API` domain of one chain and NodeRegistry. */
export interface ReportDomain {
  chainId: number;
  registry: Address;
}

function typedData(d: ReportDomain, r: ProcessReport) {
  return {
    domain: domain(ORACLE_API_DOMAIN_NAME, d.chainId, d.registry),
    types: PROCESS_REPORT_TYPES,
    primaryType: "ProcessReport" as const,
    message: { ...r, timestampMs: BigInt(r.timestampMs) },
  };
}

/** The EIP-712 digest a report's signature is over (its evidence hash). */
export function processReportDigest(d: ReportDomain, r: ProcessReport): Hex {
  return hashTypedData(typedData(d, r));
}

/** Signs a report with the node key (`signer`: a viem account, e.g. `privateKeyToAccount`). */
export async function signProcessReport(
  signer: { signTypedData: (args: ReturnType<typeof typedData>) => Promise<Hex> },
  d: ReportDomain,
  r: ProcessReport,
): Promise<SignedProcessReport> {
  return { report: r, signature: await signer.signTypedData(typedData(d, r)) };
}

/** The address a signed report recovers to in domain `d` (undefined for a signature that does not recover). */
export async function processReportSigner(d: ReportDomain, s: SignedProcessReport): Promise<Address | undefined> {
  try {
    return await recoverTypedDataAddress({ ...typedData(d, s.report), signature: s.signature });
  } catch {
    return undefined;
  }
}
