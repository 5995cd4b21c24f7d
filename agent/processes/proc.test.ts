/**
 * The /proc source and the report against real processes on this machine: children that hold a
 * file open under a device path the test points the source at (no GPU here, so a file in a
 * temporary directory stands in for /dev/nvidia0), one of them moved into a cgroup of its own
 * where this machine lets the test create one.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { processReportSigner } from "../../protocol/process-report";
import { AgentError } from "../errors";
import { parsePattern, ProcSource } from "./proc";
import { cgroupPathOf, containerIdOf, descendsFrom, parseStatus } from "./procfs";
import { leaseContainer, ProcessReporter } from "./report";
import { reporterFromSettings } from "./options";

const dir = mkdtempSync(path.join(tmpdir(), "poai-procs-"));
const dev = (n: number) => path.join(dir, "dev", `nvidia${n}`);
const devicePattern = new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/dev/nvidia[0-9]+$`);
const children: ChildProcess[] = [];

/** A shell that holds `file` open on fd 3 and runs `then` (it inherits the descriptor). */
function holding(file: string, then: string): ChildProcess {
  const c = spawn("sh", ["-c", `exec 3<"${file}"; ${then}`], { stdio: "ignore" });
  children.push(c);
  return c;
}

/** Waits until /proc shows `pid` holding `file` open (the shell's exec has run). */
async function holds(pid: number, file: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const seen = await new ProcSource({ devicePattern }).list();
    if (seen.some((p) => p.pid === pid && p.devices.includes(file))) return;
    await sleep(20);
  }
  assert.fail(`process ${pid} never showed ${file} open`);
}

/** A cgroup of our own under the unified (v2) or pids hierarchy, or why none can be made here. */
function makeCgroup(): { dir: string; path: string } | { reason: string } {
  const mine = readFileSync("/proc/self/cgroup", "utf8");
  const v2 = cgroupPathOf(mine);
  for (const root of ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"]) {
    const name = `poai-test-${process.pid}`;
    const d = path.join(root, name);
    try {
      mkdirSync(d);
      return { dir: d, path: (v2 === "/" ? "" : v2) + "/" + name };
    } catch {
      // next
    }
  }
  return { reason: "no writable cgroup v2 hierarchy here (not root, or cgroupfs read-only)" };
}

describe("the /proc process source (real processes)", () => {
  let agent: ChildProcess;
  let agentChild = 0;
  let foreign: ChildProcess;

  before(async () => {
    mkdirSync(path.join(dir, "dev"));
    for (const n of [0, 1, 2, 3]) writeFileSync(dev(n), "");
    // The "agent": holds nvidia0 and starts a child that inherits it.
    agent = holding(dev(0), "sleep 60 & wait");
    foreign = holding(dev(1), "exec sleep 60");
    await holds(agent.pid!, dev(0));
    await holds(foreign.pid!, dev(1));
    for (let i = 0; i < 100 && agentChild === 0; i++) {
      const seen = await new ProcSource({ devicePattern }).list();
      agentChild = seen.find((p) => p.ppid === agent.pid && p.devices.includes(dev(0)))?.pid ?? 0;
      if (agentChild === 0) await sleep(20);
    }
    assert.ok(agentChild > 0, "the agent's child holding the device");
  });

  after(() => {
    for (const c of children) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the processes holding a device file, with parent, uid, command and cgroup, and not the others", async () => {
    const seen = await new ProcSource({ devicePattern }).list();
    const f = seen.find((p) => p.pid === foreign.pid);
    assert.ok(f, JSON.stringify(seen));
    assert.deepEqual(f.devices, [dev(1)]);
    assert.equal(f.ppid, process.pid);
    assert.equal(f.uid, process.getuid!());
    assert.match(f.command, /^sleep 60$/);
    assert.equal(f.cgroup, cgroupPathOf(readFileSync(`/proc/${foreign.pid}/cgroup`, "utf8")));
    assert.equal(f.source, "proc");
    assert.equal(seen.some((p) => p.pid === process.pid), false, "the test process holds no device");
    // The real NVIDIA pattern finds none of these (no GPU here).
    const nvidia = await new ProcSource().list();
    assert.equal(nvidia.some((p) => p.pid === foreign.pid || p.pid === agent.pid), false);
  });

  it("falls back to a command or cgroup filter for processes that hold no device", async () => {
    const plain = spawn("sleep", ["61.5"], { stdio: "ignore" });
    children.push(plain);
    await sleep(100);
    const byCommand = await new ProcSource({ devicePattern, commandPattern: /^sleep 61\.5$/ }).list();
    const hit = byCommand.find((p) => p.pid === plain.pid);
    assert.ok(hit, "the filter finds it");
    assert.deepEqual(hit.devices, []);
    assert.equal((await new ProcSource({ devicePattern }).list()).some((p) => p.pid === plain.pid), false, "without the filter it is not a GPU user");
    plain.kill("SIGKILL");
  });

  it("reports the foreign process, signed, and leaves out the agent and its child", async () => {
    const node = privateKeyToAccount(generatePrivateKey());
    const domain = { chainId: 31337, registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const };
    const oracle = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" as const;
    assert.equal(await descendsFrom("/proc", agentChild, agent.pid!), true);
    const reporter = new ProcessReporter({ sources: [new ProcSource({ devicePattern })], selfPid: agent.pid });
    const s = await reporter.signed(node, domain, oracle);
    const pids = s.report.processes.map((p) => p.pid);
    assert.ok(pids.includes(foreign.pid!), JSON.stringify(pids));
    assert.equal(pids.includes(agent.pid!), false, "the agent");
    assert.equal(pids.includes(agentChild), false, "the agent's child");
    assert.equal(s.report.node, node.address);
    assert.equal(s.report.oracle, oracle);
    assert.equal(await processReportSigner(domain, s), node.address);
    // Without the agent's pid named, both show up: the exclusion is what hides them.
    const all = (await new ProcessReporter({ sources: [new ProcSource({ devicePattern })], selfPid: 0x7fff_fff0 }).build(node.address, oracle)).processes.map((p) => p.pid);
    assert.ok(all.includes(agent.pid!) && all.includes(agentChild));
  });

  it("leaves out a process in the lease's cgroup and keeps one outside it", async (t) => {
    const cg = makeCgroup();
    if ("reason" in cg) {
      t.skip(cg.reason);
      return;
    }
    const renter = holding(dev(2), "exec sleep 60");
    const outsider = holding(dev(3), "exec sleep 60");
    try {
      await holds(renter.pid!, dev(2));
      await holds(outsider.pid!, dev(3));
      writeFileSync(path.join(cg.dir, "cgroup.procs"), String(renter.pid));
      const seen = await new ProcSource({ devicePattern }).list();
      assert.equal(seen.find((p) => p.pid === renter.pid)?.cgroup, cg.path, "the renter's process moved into the lease's cgroup");
      assert.notEqual(seen.find((p) => p.pid === outsider.pid)?.cgroup, cg.path);
      const lease = leaseContainer(cg.path, "");
      const report = await new ProcessReporter({ sources: [new ProcSource({ devicePattern })], lease: () => lease, selfPid: agent.pid }).build(privateKeyToAccount(generatePrivateKey()).address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
      const pids = report.processes.map((p) => p.pid);
      assert.equal(pids.includes(renter.pid!), false, "the renter's process is the lease's");
      assert.ok(pids.includes(outsider.pid!), "a process outside the lease is foreign");
      assert.equal(report.leaseCgroup, cg.path);
    } finally {
      renter.kill("SIGKILL");
      outsider.kill("SIGKILL");
      // The cgroup can go once its process has exited.
      for (let i = 0; i < 50; i++) {
        try {
          rmdirSync(cg.dir);
          break;
        } catch {
          await sleep(20);
        }
      }
    }
  });
});

describe("reading /proc text", () => {
  it("takes the cgroup v2 path, else the first v1 one, and a container id from any line", () => {
    const docker = "ab12".repeat(16);
    assert.equal(cgroupPathOf("12:pids:/a\n0::/system.slice/x.service\n"), "/system.slice/x.service");
    assert.equal(cgroupPathOf("4:memory:/m\n3:cpu:/c\n"), "/m");
    assert.equal(cgroupPathOf(""), "");
    assert.equal(containerIdOf(`0::/system.slice/docker-${docker}.scope\n`), docker);
    assert.equal(containerIdOf(`11:devices:/docker/${docker}\n0::/\n`), docker);
    assert.equal(containerIdOf(`0::/kubepods/besteffort/pod1/cri-containerd-${docker}\n`), docker);
    assert.equal(containerIdOf("0::/user.slice\n"), "");
  });

  it("reads the parent and the real uid from status", () => {
    assert.deepEqual(parseStatus("Name:\tminer\nPPid:\t7\nUid:\t1000\t0\t0\t0\n"), { ppid: 7, uid: 1000, name: "miner" });
    assert.equal(parseStatus("Name:\tx\n"), undefined);
  });
});

describe("process settings", () => {
  it("refuses a bad pattern, source or lease with AG051", () => {
    const refused = (f: () => unknown, what: RegExp) =>
      assert.throws(f, (e: unknown) => e instanceof AgentError && e.code === "AG051" && what.test(e.message));
    refused(() => parsePattern("--process-filter", "("), /--process-filter/);
    refused(() => parsePattern("--process-filter", ""), /--process-filter/);
    refused(() => reporterFromSettings({ sources: "proc,dcgm" }), /--process-sources/);
    refused(() => reporterFromSettings({ leaseCgroup: "/" }), /cgroup/);
    refused(() => reporterFromSettings({ leaseCgroup: "relative/path" }), /cgroup/);
    refused(() => reporterFromSettings({ leaseCgroup: "/a/../b" }), /cgroup/);
    refused(() => reporterFromSettings({ leaseContainer: "NOT-HEX" }), /container id/);
    assert.deepEqual(leaseContainer("/lease/x/", "abcdef012345"), { cgroup: "/lease/x", containerId: "abcdef012345" });
  });

  it("a /proc that cannot be listed is AG050", async () => {
    await assert.rejects(new ProcSource({ procRoot: path.join(dir, "no-such-proc") }).list(), (e: unknown) => e instanceof AgentError && e.code === "AG050");
  });
});
