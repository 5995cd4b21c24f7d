/**
 * Process reports end to end: the agent's /proc source sees a real process holding a stand-in
 * GPU device file (no GPU here), the agent's reporter signs the report, and it reaches a real
 * oracle (Hardhat node, deployed contracts, SQLite on disk) over `POST /v1/processes` and over a
 * session, through the challenge loop itself; the lease judge's reader finds it as evidence.
 * Bad reports get their named error over both transports and leave the database as it was.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Address } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { parseConfig } from "../../oracle/config";
import { startOracle, type OracleHandle } from "../../oracle/index";
import { foreignProcesses } from "../../oracle/processes";
import { OracleClient, OracleRejection } from "../../agent/client";
import { SessionClient } from "../../agent/session-client";
import { runLoop } from "../../agent/loop";
import { ProcSource } from "../../agent/processes/proc";
import { ProcessReporter } from "../../agent/processes/report";
import { reportFor } from "../../agent/processes/options";
import type { Solver } from "../../agent/solver-types";
import { processReportSigner, signProcessReport, type SignedProcessReport } from "../../protocol/process-report";
import { dbDigest } from "../support/db-digest";
import { signedFetch } from "../support/oracle-client";
import { signedReport } from "../support/process-report";
import { deployDevnet, HH_KEYS, registerNode, startHardhatNode, type Devnet, type HardhatNode } from "../support/oracle-devnet";

const NO_LEASE = { cgroup: "", containerId: "" };

describe("process reports through a real oracle", { timeout: 180_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let oracle: OracleHandle;
  let n1: PrivateKeyAccount;
  let n2: PrivateKeyAccount;
  let oracleAddress: Address;
  let minerPid = 0;
  let reporter: ProcessReporter;
  const dir = mkdtempSync(join(tmpdir(), "poai-e2e-procs-"));
  const device = join(dir, "nvidia0");

  before(async () => {
    writeFileSync(device, "");
    // A "foreign miner" holding the stand-in device open, started through a shell that exits at
    // once, so it is not below this process (which plays the agent and is left out of reports).
    minerPid = Number(execFileSync("sh", ["-c", `sh -c 'exec 3<"${device}"; exec sleep 120' >/dev/null 2>&1 & echo $!`], { encoding: "utf8" }).trim());
    hh = await startHardhatNode();
    dev = await deployDevnet(hh.url, { epochLength: 30, genesisDelay: 6 });
    n1 = (await registerNode(dev, HH_KEYS[1])).node;
    n2 = (await registerNode(dev, HH_KEYS[2])).node;
    const cfg = parseConfig({
      rpcUrl: hh.url,
      deploymentFile: dev.deploymentFile,
      dbPath: join(dev.dir, "processes.sqlite"),
      port: 0,
      logLevel: "error",
      processReportMinIntervalMs: 0,
    });
    oracle = await startOracle(cfg, { runScheduler: false });
    oracleAddress = (await (await fetch(oracle.url + "/v1/info")).json()).oracle;
    const devicePattern = new RegExp(`^${device.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
    reporter = new ProcessReporter({ sources: [new ProcSource({ devicePattern })] });
    for (let i = 0; i < 100; i++) {
      if ((await new ProcSource({ devicePattern }).list()).some((p) => p.pid === minerPid)) break;
      await sleep(20);
    }
  });

  after(async () => {
    if (minerPid > 0) process.kill(minerPid, "SIGKILL");
    await oracle?.stop();
    await hh?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const evidence = (node: Address, fromMs: number) => foreignProcesses(oracle.db, node, fromMs, Date.now() + 60_000, NO_LEASE, 1000);

  it("stores the agent's signed report sent over HTTP, and the reader finds the foreign process with its evidence", async () => {
    const t0 = Date.now() - 1;
    const client = new OracleClient(oracle.url, n1);
    const info = await client.info();
    await client.processes(await reportFor(reporter, n1)(info));
    const got = evidence(n1.address, t0);
    assert.equal(got.reports, 1);
    assert.equal(got.evidence.length, 1);
    const [e] = got.evidence;
    assert.deepEqual(e.foreign.map((p) => [p.pid, p.devices]), [[minerPid, [device]]]);
    assert.equal(await processReportSigner({ chainId: dev.chainId, registry: dev.addresses.NodeRegistry }, e.signed), n1.address);
    // Another lease's container does not hide it (lease filtering itself: oracle/processes.test.ts).
    assert.equal(foreignProcesses(oracle.db, n1.address, t0, Date.now() + 60_000, { cgroup: "/lease/other", containerId: "" }, 1000).evidence.length, 1);
  });

  it("stores the report the challenge loop sends over a session", async () => {
    const t0 = Date.now() - 1;
    const session = new SessionClient(oracle.url, n2, { waitMs: 200 });
    const controller = new AbortController();
    const idle: Solver = { name: "idle", solve: async () => undefined };
    const loop = runLoop({ client: session, solver: idle, log: () => undefined, signal: controller.signal, processReport: reportFor(reporter, n2), processReportMs: 60_000 });
    for (let i = 0; i < 200 && evidence(n2.address, t0).reports === 0; i++) await sleep(25);
    controller.abort();
    await loop;
    session.close();
    const got = evidence(n2.address, t0);
    assert.equal(got.reports, 1);
    assert.deepEqual(got.evidence[0].foreign.map((p) => p.pid), [minerPid]);
  });

  it("refuses a report for another node, another oracle, another chain or altered, over HTTP and a session, and changes nothing", async () => {
    const ctx = { account: n1, chainId: dev.chainId, registry: dev.addresses.NodeRegistry };
    const d = { chainId: dev.chainId, registry: dev.addresses.NodeRegistry, oracle: oracleAddress };
    const good = await signedReport(n1, d);
    const cases: [string, number, SignedProcessReport][] = [
      ["OR230", 403, await signedReport(n2, d)],
      ["OR231", 403, await signedReport(n1, { ...d, oracle: n2.address })],
      ["OR236", 401, await signedReport(n1, { ...d, chainId: 1 })],
      ["OR236", 401, await signedReport(n1, { ...d, registry: n2.address })],
      ["OR236", 401, { report: { ...good.report, timestampMs: good.report.timestampMs + 1 }, signature: good.signature }],
      ["OR234", 400, await signedReport(n1, d, { timestampMs: Date.now() - 120_000 })],
    ];
    const session = new SessionClient(oracle.url, n1, { waitMs: 50 });
    await session.next(); // opens the session (its opening nonce is stored) before the snapshots
    for (const [code, status, body] of cases) {
      const before = dbDigest(oracle.db);
      const res = await signedFetch(oracle.url, ctx, "POST", "/v1/processes", body);
      assert.equal(res.status, status, `${code}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.error.code, code);
      assert.equal(dbDigest(oracle.db), before, `${code} over HTTP changed the database`);
      await assert.rejects(session.processes(body), (e: unknown) => e instanceof OracleRejection && e.oracleCode === code, `${code} over a session`);
      assert.equal(dbDigest(oracle.db), before, `${code} over a session changed the database`);
    }
    // The good one goes through once; its copy is a replay of the report.
    const res = await signedFetch(oracle.url, ctx, "POST", "/v1/processes", good);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    await assert.rejects(session.processes(good), (e: unknown) => e instanceof OracleRejection && e.oracleCode === "OR235");
    session.close();
    // A report signed by the right key but sent as another node's request is still OR230.
    const signedByN1 = await signProcessReport(n1, d, { ...good.report, timestampMs: Date.now() });
    const asN2 = await signedFetch(oracle.url, { ...ctx, account: n2 }, "POST", "/v1/processes", signedByN1);
    assert.equal(asN2.json.error.code, "OR230");
  });
});
