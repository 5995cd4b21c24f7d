/**
 * The nvidia-smi source on nvidia-smi's compute-apps output as the driver documents it
 * (`pid, process_name, used_memory` with `--format=csv,noheader`). No GPU here: the output is
 * written in that format, not recorded on a device, and the source is untested on a real GPU.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { COMPUTE_APPS_ARGS } from "../gpu";
import { NvidiaSmiSource } from "./nvidia-smi";
import { cgroupPathOf } from "./procfs";
import { mergeSources, ProcessReporter } from "./report";
import { MAX_REPORT_BYTES, MAX_REPORT_ENTRIES, checkProcessReport } from "../../protocol/process-report";
import type { GpuProcess, ProcessSource } from "./source";

describe("the nvidia-smi process source", () => {
  let child: ChildProcess;
  before(async () => {
    child = spawn("sleep", ["60"], { stdio: "ignore" });
    await sleep(50);
  });
  after(() => child.kill("SIGKILL"));

  it("asks nvidia-smi for the compute apps and fills parent, uid, command and cgroup from /proc", async () => {
    const asked: string[][] = [];
    // A live pid (this test's child) and one that exists nowhere (a pid of another namespace).
    const out = `${child.pid}, /usr/bin/python3, 10240 MiB\n4194300, /opt/miner/xmr-gpu, 512 MiB\n`;
    const source = new NvidiaSmiSource({ run: async (args) => (asked.push(args), out) });
    const list = await source.list();
    assert.deepEqual(asked, [COMPUTE_APPS_ARGS]);
    assert.equal(source.available, true);
    assert.equal(list.length, 2);
    assert.deepEqual(list[0], {
      pid: child.pid, ppid: process.pid, uid: process.getuid!(), command: "sleep 60",
      cgroup: cgroupPathOf(readFileSync(`/proc/${child.pid}/cgroup`, "utf8")), containerId: "", devices: [], usedMemoryMiB: 10240, source: "nvidia-smi",
    });
    // Not in this /proc: nvidia-smi's name, nothing else known.
    assert.deepEqual(list[1], { pid: 4194300, ppid: 0, uid: 0, command: "/opt/miner/xmr-gpu", cgroup: "", containerId: "", devices: [], usedMemoryMiB: 512, source: "nvidia-smi" });
  });

  it("reports nothing, and says so, without nvidia-smi or with no process on the GPU", async () => {
    const absent = new NvidiaSmiSource({ run: async () => undefined });
    assert.deepEqual(await absent.list(), []);
    assert.equal(absent.available, false);
    const idle = new NvidiaSmiSource({ run: async () => "No running processes found\n" });
    assert.deepEqual(await idle.list(), []);
    assert.equal(idle.available, true);
  });
});

describe("merging and bounding the sources", () => {
  const entry = (pid: number, over: Partial<GpuProcess> = {}): GpuProcess => ({
    pid, ppid: 1, uid: 0, command: `job ${pid}`, cgroup: "/jobs", containerId: "", devices: [], usedMemoryMiB: 0, source: "proc", ...over,
  });
  const fixed = (name: GpuProcess["source"], list: GpuProcess[]): ProcessSource => ({ name, list: async () => list });

  it("one entry per pid: the first source's, with both sources' devices and the larger memory", () => {
    const merged = mergeSources([[entry(7, { devices: ["/dev/nvidia0"] })], [entry(7, { source: "nvidia-smi", usedMemoryMiB: 900, devices: ["/dev/nvidia1"] }), entry(3, { source: "nvidia-smi" })]]);
    assert.deepEqual(merged.map((p) => [p.pid, p.source, p.devices, p.usedMemoryMiB]), [[3, "nvidia-smi", [], 0], [7, "proc", ["/dev/nvidia0", "/dev/nvidia1"], 900]]);
  });

  it("keeps at most the protocol's entries, device holders first, and fits the byte bound", async () => {
    const many = Array.from({ length: 100 }, (_, i) => entry(1000 + i, { devices: i % 2 === 0 ? [] : ["/dev/nvidia0"], command: "c".repeat(256), cgroup: "/" + "g".repeat(500) }));
    const r = await new ProcessReporter({ sources: [fixed("proc", many)], selfPid: 0x7fff_fff0 }).build("0x0000000000000000000000000000000000000001", "0x0000000000000000000000000000000000000002");
    assert.ok(r.processes.length <= MAX_REPORT_ENTRIES && r.processes.length > 0);
    assert.ok(Buffer.byteLength(JSON.stringify(r)) <= MAX_REPORT_BYTES);
    assert.equal(checkProcessReport(r), undefined);
    assert.ok(r.processes.every((p) => p.devices.length > 0), "filter-only matches are cut first");
  });
});
