/**
 * Crash recovery: the oracle runs as a child process (oracle/cli.ts) against a Hardhat node and is
 * killed with SIGKILL at several points of an epoch, then restarted on the same database:
 *   1. right after a seed commitment was confirmed,
 *   2. mid-challenge (a node has committed its root, the openings are not answered yet),
 *   3. right after it signed a report,
 *   4. right after it stored a signed report transaction, before broadcasting it (exact point,
 *      via POAI_FAULT_KILL_AFTER),
 *   5. right after it broadcast a report transaction.
 * Then, on chain: every ended epoch with a seed commitment has exactly one report (none lost,
 * none duplicated), and no report transaction of the oracle reverted.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createPublicClient, decodeFunctionData, http, zeroHash, type Hex } from "viem";
import { deployDevnet, E18, fundRewards, HH_KEYS, readContract, registerNode, ROOT, startHardhatNode, type Devnet, type HardhatNode } from "../support/oracle-devnet";
import { answerChallenge } from "../support/oracle-client";

interface Child {
  proc: ChildProcess;
  url?: string;
  lines: { event: string; [k: string]: unknown }[];
  exited: Promise<void>;
}

describe("oracle crash recovery", { timeout: 300_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let configFile: string;
  let child: Child | undefined;
  let stopNode = false;
  let nodeLoop: Promise<void> | undefined;
  const kills: string[] = [];

  function start(env: Record<string, string> = {}): Child {
    const proc = spawn(process.execPath, ["--import", "tsx", "oracle/cli.ts", "start", "--config", configFile], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const c: Child = { proc, lines: [], exited: new Promise((r) => proc.once("exit", () => r())) };
    createInterface({ input: proc.stdout! }).on("line", (l) => {
      try {
        const rec = JSON.parse(l);
        if (process.env.POAI_TEST_LOG) appendFileSync(process.env.POAI_TEST_LOG, l + "\n");
        c.lines.push(rec);
        if (rec.event === "oracle.started") c.url = rec.url;
      } catch {
        /* not a log line */
      }
    });
    proc.stderr!.on("data", () => {});
    return c;
  }

  async function waitFor(c: Child, pred: (r: Child["lines"][number]) => boolean, what: string, ms = 60_000) {
    const t0 = Date.now();
    for (let seen = 0; Date.now() - t0 < ms; ) {
      for (; seen < c.lines.length; seen++) if (pred(c.lines[seen])) return c.lines[seen];
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) {
        for (; seen < c.lines.length; seen++) if (pred(c.lines[seen])) return c.lines[seen];
        throw new Error(`oracle exited while waiting for ${what}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const recent = c.lines.slice(-25).map((l) => JSON.stringify(l).slice(0, 300)).join("\n");
    throw new Error(`timed out waiting for ${what}; last events:\n${recent}`);
  }

  async function kill(c: Child, label: string) {
    c.proc.kill("SIGKILL");
    await c.exited;
    kills.push(label);
  }

  before(async () => {
    hh = await startHardhatNode();
    dev = await deployDevnet(hh.url, { epochLength: 8, genesisDelay: 6, disputeWindow: 2 });
    await fundRewards(dev, 10_000n * E18);
    const n1 = await registerNode(dev, HH_KEYS[1]);
    configFile = join(dev.dir, "oracle.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        rpcUrl: hh.url,
        deploymentFile: dev.deploymentFile,
        dbPath: join(dev.dir, "restart.sqlite"),
        port: 0,
        pollIntervalMs: 200,
        epochChallenges: 3,
        issueWindowBps: 5000,
        gemmMaxN: 512,
        challengeTargetMs: 100,
        deadlineSlackMs: 2000,
        logLevel: "info",
      }),
    );
    const ctx = { account: n1.node, chainId: dev.chainId, registry: dev.addresses.NodeRegistry };
    // The node: answers challenges of whichever oracle process is up.
    nodeLoop = (async () => {
      while (!stopNode) {
        const url = child?.url;
        if (url) await answerChallenge(url, ctx).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
  });

  after(async () => {
    stopNode = true;
    await nodeLoop;
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill("SIGKILL");
      await child.exited;
    }
    await hh?.stop();
  });

  it("resumes after SIGKILL at each point without a lost or duplicated report", async () => {
    child = start();
    await waitFor(child, (r) => r.event === "seed.committed", "a seed commitment");
    await kill(child, "after seed commitment");

    child = start();
    await waitFor(child, (r) => r.event === "challenge.committed", "a node's commitment", 90_000);
    await kill(child, "mid-challenge");

    child = start();
    await waitFor(child, (r) => r.event === "report.signed", "a signed report", 90_000);
    await kill(child, "after signing");

    child = start({ POAI_FAULT_KILL_AFTER: "tx.signed:submitReport" });
    const stored = await waitFor(child, (r) => r.event === "tx.signed" && String(r.purpose).startsWith("submitReport"), "a stored report transaction", 90_000);
    await child.exited;
    kills.push("report transaction stored, not broadcast");

    child = start();
    // The stored transaction is either re-broadcast or found on chain; then the next report is sent.
    await waitFor(child, (r) => r.event === "report.onchain" && r.epoch === Number(String(stored.purpose).split(":")[1]), "the stored report on chain", 60_000);
    await waitFor(child, (r) => r.event === "tx.sent" && String(r.purpose).startsWith("submitReport"), "a report transaction sent", 90_000);
    await kill(child, "after sending a report");

    child = start();
    const last = await waitFor(child, (r) => r.event === "report.onchain", "a report on chain after the last restart", 90_000);
    // Let the loop catch up with every ended epoch, then check the chain.
    const upTo = Number(last.epoch) + 1;
    await waitFor(child, (r) => r.event === "report.onchain" && Number(r.epoch) >= upTo, `the report of epoch ${upTo}`, 60_000);
    assert.equal(kills.length, 5);

    const pub = createPublicClient({ transport: http(dev.url) });
    let reported = 0;
    for (let e = 0; e <= upTo; e++) {
      const commitment = await readContract<Hex>(dev, "EpochManager", "seedCommitment", [BigInt(e)]);
      const info = await readContract<{ status: number }>(dev, "Settlement", "reportOf", [BigInt(e)]);
      if (commitment === zeroHash) {
        assert.equal(Number(info.status), 0, `epoch ${e} has a report without a commitment`);
        continue;
      }
      assert.ok([1, 3].includes(Number(info.status)), `epoch ${e} has a commitment but no report (status ${info.status})`);
      reported++;
    }
    assert.ok(reported >= 3, `only ${reported} epochs reported`);

    // Every transaction to Settlement: none reverted, at most one submitReport per epoch.
    const head = await pub.getBlockNumber();
    const perEpoch = new Map<bigint, number>();
    for (let b = 0n; b <= head; b++) {
      const block = await pub.getBlock({ blockNumber: b, includeTransactions: true });
      for (const tx of block.transactions) {
        if (typeof tx === "string" || tx.to?.toLowerCase() !== dev.addresses.Settlement.toLowerCase()) continue;
        const receipt = await pub.getTransactionReceipt({ hash: tx.hash });
        assert.equal(receipt.status, "success", `transaction ${tx.hash} to Settlement reverted`);
        const call = decodeFunctionData({ abi: dev.abis.Settlement, data: tx.input });
        if (call.functionName === "submitReport") {
          const epoch = (call.args![0] as { epoch: bigint }).epoch;
          perEpoch.set(epoch, (perEpoch.get(epoch) ?? 0) + 1);
        }
      }
    }
    for (const [e, n] of perEpoch) assert.equal(n, 1, `epoch ${e} reported ${n} times`);
    assert.equal(perEpoch.size, reported);
  });
});
