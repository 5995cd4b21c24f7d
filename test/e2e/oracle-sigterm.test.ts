/**
 * A clean stop on SIGTERM through the launch the docs give (`npx tsx oracle/cli.ts start`): npx,
 * tsx and the oracle's node process stand between the signal and the oracle. Signalled at the
 * launcher alone (a shell's `kill`, a supervisor that signals its main process) and at the whole
 * process group (systemd's default, a terminal): the oracle logs its stop, every process of the
 * launch is gone and its port is closed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../scripts/devnet/node";
import { deployDevnet, ROOT, startHardhatNode, type Devnet, type HardhatNode } from "../support/oracle-devnet";

/** Processes whose command line names `needle` (the launch's config file), by pid. */
function processesNaming(needle: string): string[] {
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return out.split("\n").filter((l) => l.includes(needle) && !l.includes("ps -eo")).map((l) => l.trim());
}

async function portOpen(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

describe("oracle stops cleanly on SIGTERM through npx tsx", { timeout: 240_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;

  before(async () => {
    hh = await startHardhatNode();
    dev = await deployDevnet(hh.url, { epochLength: 10, genesisDelay: 4 });
  });
  after(async () => {
    await hh?.stop();
  });

  for (const target of ["launcher", "group"] as const) {
    it(`signalled at the ${target}`, async () => {
      const port = await freePort();
      const configFile = join(dev.dir, `sigterm-${target}.json`);
      writeFileSync(configFile, JSON.stringify({ rpcUrl: hh.url, deploymentFile: dev.deploymentFile, dbPath: join(dev.dir, `sigterm-${target}.sqlite`), port, pollIntervalMs: 300 }));
      const proc = spawn("npx", ["tsx", "oracle/cli.ts", "start", "--config", configFile], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        detached: target === "group",
      });
      const events: string[] = [];
      createInterface({ input: proc.stdout! }).on("line", (l) => {
        try {
          events.push(JSON.parse(l).event);
        } catch {
          /* not a log line */
        }
      });
      proc.stderr!.resume();
      const exited = new Promise<{ code: number | null; signal: string | null }>((r) => proc.once("exit", (code, signal) => r({ code, signal })));
      try {
        for (let i = 0; !events.includes("oracle.started"); i++) {
          assert.ok(i < 600, "the oracle did not start in 60 s");
          assert.equal(proc.exitCode, null, "the launch exited before the oracle started");
          await sleep(100);
        }
        assert.ok(await portOpen(port), "the oracle's port does not answer");
        assert.ok(processesNaming(configFile).length >= 2, `the launch's processes: ${processesNaming(configFile).join("; ")}`);
        // A pass is in progress or due: the stop has something to wait for.
        await sleep(1_000);
        if (target === "group") process.kill(-proc.pid!, "SIGTERM");
        else proc.kill("SIGTERM");
        const t0 = Date.now();
        const end = await Promise.race([exited, sleep(20_000).then(() => undefined)]);
        assert.ok(end, "the launch did not exit within 20 s of SIGTERM");
        assert.ok(end.code === 0 || end.signal === "SIGTERM", `exit ${JSON.stringify(end)}`);
        // The oracle itself ran its stop to the end, and nothing of the launch is left.
        for (let i = 0; i < 50 && processesNaming(configFile).length > 0; i++) await sleep(100);
        assert.deepEqual(processesNaming(configFile), [], "processes left behind");
        assert.ok(events.includes("oracle.stopping"), events.slice(-5).join(","));
        assert.ok(events.includes("oracle.stopped"), events.slice(-5).join(","));
        assert.ok(!events.includes("oracle.stop_timeout"));
        assert.equal(await portOpen(port), false, "the port still answers");
        assert.ok(Date.now() - t0 < 15_000);
      } finally {
        if (proc.exitCode === null && proc.signalCode === null) {
          try {
            process.kill(target === "group" ? -proc.pid! : proc.pid!, "SIGKILL");
          } catch {
            /* gone */
          }
        }
      }
    });
  }
});
