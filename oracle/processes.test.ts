import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { MAX_REPORT_ENTRIES, processReportDigest, signProcessReport, type ProcessEntry, type ProcessReport } from "../protocol/process-report";
import { OracleError } from "./errors";
import { foreignProcesses, pruneProcessReports, recordProcessReport, type ProcessReportPolicy } from "./processes";
import { openDb, type DB } from "./store/schema";
import { reportCount } from "./store/processes";

const node = privateKeyToAccount(generatePrivateKey());
const other = privateKeyToAccount(generatePrivateKey());
const T0 = 1_764_000_000_000;
const POLICY: ProcessReportPolicy = {
  chainId: 31337,
  registry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  oracle: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  clockSkewMs: 30_000,
  maxReportsPerNode: 100,
  retentionMs: 3_600_000,
  minIntervalMs: 10_000,
};
const DOMAIN = { chainId: POLICY.chainId, registry: POLICY.registry };
const miner = (over: Partial<ProcessEntry> = {}): ProcessEntry => ({
  pid: 900, ppid: 1, uid: 0, command: "xmrig --cuda", cgroup: "/system.slice/miner.service", containerId: "", devices: ["/dev/nvidia0"], usedMemoryMiB: 0, source: "proc", ...over,
});
const renterJob = miner({ pid: 901, command: "python train.py", cgroup: "/lease/renter-1/job" });

function report(over: Partial<ProcessReport> = {}): ProcessReport {
  return { node: node.address, oracle: POLICY.oracle, timestampMs: T0, leaseCgroup: "", leaseContainerId: "", processes: [], ...over };
}
const sign = (r: ProcessReport, d = DOMAIN, by = node) => signProcessReport(by, d, r);
const rows = (db: DB) => (db.prepare("SELECT COUNT(*) AS n FROM process_reports").get() as { n: number }).n;
const nonces = (db: DB) => (db.prepare("SELECT COUNT(*) AS n FROM request_nonces").get() as { n: number }).n;
const caller = (by = node) => ({ signer: by.address, nonce: bytesToHex(crypto.getRandomValues(new Uint8Array(32))), timestampSec: Math.floor(T0 / 1000) });

async function refused(db: DB, code: string, send: () => Promise<unknown>) {
  const before = [rows(db), nonces(db)];
  await assert.rejects(send(), (e: unknown) => e instanceof OracleError && e.code === code, code);
  assert.deepEqual([rows(db), nonces(db)], before, `${code} changed the database`);
}

describe("process reports at the oracle", () => {
  it("stores a signed report with its digest and the request's nonce", async () => {
    const db = openDb(":memory:");
    const r = report({ processes: [miner()] });
    const got = await recordProcessReport(db, POLICY, caller(), await sign(r), T0 + 500);
    assert.equal(got.recorded, 1);
    assert.equal(got.digest, processReportDigest(DOMAIN, r));
    assert.equal(rows(db), 1);
    assert.equal(nonces(db), 1);
  });

  it("refuses each bad report with its named error and stores nothing", async () => {
    const db = openDb(":memory:");
    await recordProcessReport(db, POLICY, caller(), await sign(report()), T0);
    const at = T0 + 60_000;
    const ok = report({ timestampMs: at });
    await refused(db, "OR230", async () => recordProcessReport(db, POLICY, caller(other), await sign(ok), at));
    await refused(db, "OR231", async () => recordProcessReport(db, POLICY, caller(), await sign(report({ timestampMs: at, oracle: other.address })), at));
    const many = report({ timestampMs: at, processes: Array.from({ length: MAX_REPORT_ENTRIES + 1 }, (_, i) => miner({ pid: i + 1 })) });
    await refused(db, "OR232", async () => recordProcessReport(db, POLICY, caller(), await sign(many), at));
    await refused(db, "OR233", async () => recordProcessReport(db, POLICY, caller(), await sign(report({ timestampMs: at, processes: [miner({ command: "x".repeat(300) })] })), at));
    await refused(db, "OR234", async () => recordProcessReport(db, POLICY, caller(), await sign(ok), at + 31_000));
    await refused(db, "OR234", async () => recordProcessReport(db, POLICY, caller(), await sign(ok), at - 31_000));
    // Signed for another chain, another registry, or by another key in the node's name.
    await refused(db, "OR236", async () => recordProcessReport(db, POLICY, caller(), await sign(ok, { ...DOMAIN, chainId: 1 }), at));
    await refused(db, "OR236", async () => recordProcessReport(db, POLICY, caller(), await sign(ok, { ...DOMAIN, registry: other.address }), at));
    await refused(db, "OR236", async () => recordProcessReport(db, POLICY, caller(), await sign(ok, DOMAIN, other), at));
    const s = await sign(ok);
    await refused(db, "OR236", async () => recordProcessReport(db, POLICY, caller(), { report: { ...s.report, processes: [miner()] }, signature: s.signature }, at));
    // A replay of the stored report, an older one, one too soon after the last.
    await refused(db, "OR235", async () => recordProcessReport(db, POLICY, caller(), await sign(report()), T0));
    await refused(db, "OR235", async () => recordProcessReport(db, POLICY, caller(), await sign(report({ timestampMs: T0 - 20_000 })), T0));
    await refused(db, "OR235", async () => recordProcessReport(db, POLICY, caller(), await sign(report({ timestampMs: T0 + 9_999 })), T0 + 9_999));
    // The same report, well signed, goes through.
    await recordProcessReport(db, POLICY, caller(), s, at);
    assert.equal(rows(db), 2);
  });

  it("keeps at most maxReportsPerNode reports of a node, the newest", async () => {
    const db = openDb(":memory:");
    const policy = { ...POLICY, maxReportsPerNode: 3, minIntervalMs: 0 };
    for (let i = 0; i < 5; i++) await recordProcessReport(db, policy, caller(), await sign(report({ timestampMs: T0 + i, processes: [miner({ pid: 100 + i })] })), T0);
    await recordProcessReport(db, policy, caller(other), await sign(report({ node: other.address }), DOMAIN, other), T0);
    assert.equal(reportCount(db, node.address.toLowerCase()), 3);
    assert.equal(reportCount(db, other.address.toLowerCase()), 1, "another node's reports do not count against this one's");
    const kept = foreignProcesses(db, node.address, T0, T0 + 10, { cgroup: "", containerId: "" }, 100);
    assert.deepEqual(kept.evidence.map((e) => e.foreign[0].pid), [102, 103, 104]);
  });

  it("deletes reports older than the retention window, on insert and on the loop's pass", async () => {
    const db = openDb(":memory:");
    const policy = { ...POLICY, retentionMs: 60_000 };
    await recordProcessReport(db, policy, caller(), await sign(report()), T0);
    await recordProcessReport(db, policy, caller(other), await sign(report({ node: other.address }), DOMAIN, other), T0);
    // A new report of one node 2 minutes later: every report older than a minute goes.
    await recordProcessReport(db, policy, caller(), await sign(report({ timestampMs: T0 + 120_000 })), T0 + 120_000);
    assert.equal(rows(db), 1);
    assert.equal(pruneProcessReports(db, T0 + 170_000, policy.retentionMs), 0, "the newest is inside the window");
    assert.equal(pruneProcessReports(db, T0 + 180_001, policy.retentionMs), 1);
    assert.equal(rows(db), 0);
  });

  it("reads the foreign processes of a lease window, with the signed report as evidence", async () => {
    const db = openDb(":memory:");
    const policy = { ...POLICY, minIntervalMs: 0 };
    const before = report({ timestampMs: T0, processes: [miner()] });
    const during = [
      report({ timestampMs: T0 + 10_000, processes: [renterJob] }),
      report({ timestampMs: T0 + 20_000, processes: [renterJob, miner()] }),
      report({ timestampMs: T0 + 30_000, processes: [] }),
    ];
    for (const r of [before, ...during]) await recordProcessReport(db, policy, caller(), await sign(r), r.timestampMs);
    const lease = { cgroup: "/lease/renter-1", containerId: "" };
    const got = foreignProcesses(db, node.address, T0 + 5_000, T0 + 30_000, lease, 100);
    assert.equal(got.reports, 3, "reports covering the window");
    assert.equal(got.evidence.length, 1);
    const [e] = got.evidence;
    assert.deepEqual(e.foreign, [miner()]);
    assert.deepEqual(e.signed.report, during[1]);
    assert.equal(e.digest, processReportDigest(DOMAIN, during[1]));
    // The evidence checks out for anyone holding the node's address.
    const { processReportSigner } = await import("../protocol/process-report");
    assert.equal(await processReportSigner(DOMAIN, e.signed), node.address);
    // Without the lease, the renter's own job counts too.
    assert.equal(foreignProcesses(db, node.address, T0 + 5_000, T0 + 30_000, { cgroup: "", containerId: "" }, 100).evidence.length, 2);
    assert.equal(foreignProcesses(db, other.address, T0, T0 + 30_000, lease, 100).reports, 0);
  });
});
