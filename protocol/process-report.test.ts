import { test } from "node:test";
import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  checkProcessReport,
  inLease,
  MAX_COMMAND_CHARS,
  MAX_REPORT_BYTES,
  MAX_REPORT_ENTRIES,
  processReportDigest,
  processReportSigner,
  signedProcessReportWire,
  signProcessReport,
  type ProcessEntry,
  type ProcessReport,
} from "./process-report";

const node = privateKeyToAccount(generatePrivateKey());
const DOMAIN = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" } as const;
const ORACLE = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const entry = (over: Partial<ProcessEntry> = {}): ProcessEntry => ({
  pid: 4242, ppid: 1, uid: 0, command: "/usr/bin/miner --gpu 0", cgroup: "/system.slice/miner.service", containerId: "", devices: ["/dev/nvidia0"], usedMemoryMiB: 0, source: "proc", ...over,
});
const report = (over: Partial<ProcessReport> = {}): ProcessReport => ({
  node: node.address, oracle: ORACLE, timestampMs: 1_764_000_000_000, leaseCgroup: "", leaseContainerId: "", processes: [entry()], ...over,
});

test("a signed report recovers to its node in its own domain, and is valid JSON for the wire schema", async () => {
  const s = await signProcessReport(node, DOMAIN, report());
  assert.equal(await processReportSigner(DOMAIN, s), node.address);
  assert.deepEqual(signedProcessReportWire.parse(JSON.parse(JSON.stringify(s))), s);
});

test("a report signed for another chain, registry or with any field changed recovers to someone else", async () => {
  const s = await signProcessReport(node, DOMAIN, report());
  assert.notEqual(await processReportSigner({ ...DOMAIN, chainId: 1 }, s), node.address);
  assert.notEqual(await processReportSigner({ ...DOMAIN, registry: "0x0000000000000000000000000000000000000001" }, s), node.address);
  for (const changed of [
    report({ oracle: "0x0000000000000000000000000000000000000002" }),
    report({ timestampMs: 1_764_000_000_001 }),
    report({ leaseCgroup: "/lease" }),
    report({ processes: [] }),
    report({ processes: [entry({ pid: 4243 })] }),
    report({ processes: [entry({ devices: [] })] }),
  ]) {
    assert.notEqual(await processReportSigner(DOMAIN, { report: changed, signature: s.signature }), node.address, JSON.stringify(changed));
  }
  assert.notEqual(processReportDigest(DOMAIN, report()), processReportDigest({ ...DOMAIN, chainId: 1 }, report()));
});

test("a signature that does not parse recovers to nobody", async () => {
  assert.equal(await processReportSigner(DOMAIN, { report: report(), signature: `0x${"00".repeat(65)}` }), undefined);
});

test("the bounds name what is too large: the entry count, a field, the whole text", () => {
  assert.equal(checkProcessReport(report()), undefined);
  const many = report({ processes: Array.from({ length: MAX_REPORT_ENTRIES + 1 }, (_, i) => entry({ pid: i + 1 })) });
  assert.equal(checkProcessReport(many)?.kind, "too-many");
  assert.equal(checkProcessReport(report({ processes: Array.from({ length: MAX_REPORT_ENTRIES }, (_, i) => entry({ pid: i + 1 })) })), undefined);
  const long = checkProcessReport(report({ processes: [entry({ command: "x".repeat(MAX_COMMAND_CHARS + 1) })] }));
  assert.equal(long?.kind, "oversized");
  assert.match(long!.message, /processes\.0\.command/);
  assert.equal(checkProcessReport(report({ leaseCgroup: "/" + "c".repeat(600) }))?.kind, "oversized");
  assert.equal(checkProcessReport(report({ processes: [entry({ devices: Array.from({ length: 17 }, (_, i) => `/dev/nvidia${i}`) })] }))?.kind, "oversized");
  // Every field inside its bound, the whole text not: 64 entries of long commands and cgroups.
  const fat = report({ processes: Array.from({ length: MAX_REPORT_ENTRIES }, (_, i) => entry({ pid: i + 1, command: "c".repeat(MAX_COMMAND_CHARS), cgroup: "/" + "g".repeat(500) })) });
  assert.ok(Buffer.byteLength(JSON.stringify(fat)) > MAX_REPORT_BYTES);
  assert.match(checkProcessReport(fat)!.message, /bytes/);
});

test("a process is inside the lease by cgroup path segments or by container id prefix", () => {
  const lease = { cgroup: "/lease/renter", containerId: "" };
  assert.equal(inLease(entry({ cgroup: "/lease/renter" }), lease), true);
  assert.equal(inLease(entry({ cgroup: "/lease/renter/job" }), lease), true);
  assert.equal(inLease(entry({ cgroup: "/lease/renter2" }), lease), false);
  assert.equal(inLease(entry({ cgroup: "/" }), lease), false);
  const id = "ab".repeat(32);
  assert.equal(inLease(entry({ containerId: id }), { cgroup: "", containerId: id.slice(0, 12) }), true);
  assert.equal(inLease(entry({ containerId: "cd".repeat(32) }), { cgroup: "", containerId: id.slice(0, 12) }), false);
  assert.equal(inLease(entry({ containerId: "" }), { cgroup: "", containerId: "" }), false);
});
