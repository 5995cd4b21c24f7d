/**
 * The operator's signals, against the real oracle process (oracle/cli.ts) on a Hardhat node with
 * the devnet's config (blocks may share a timestamp: the chain where "not yet" reverts show at
 * every epoch boundary), its RPC behind a TCP proxy that can refuse or hang:
 *   1. a healthy run (one honest node, one that forges a row and is slashed) logs no error and
 *      counts no reconcile error while it waits for epochs to end and dispute windows to close;
 *      /healthz answers 200 with every check; the operational gauges and the slash are there;
 *   2. a refusing RPC is named (`rpc.unreachable`, reason refused), health 503 (OR005);
 *   3. a hung RPC (connections accepted, never answered) is named within seconds (reason timeout);
 *   4. halted block production (mining off, a transaction waiting) is `chain.head_stalled` (OR217);
 *   5. a wallet that cannot pay for gas is OR216 (not "RPC failed"), health 503 on wallet_balance;
 * each recovers, and health goes back to 200.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { privateKeyToAccount } from "viem/accounts";
import type { Address } from "viem";
import { startHardhatNode as startNode } from "../../scripts/devnet/node";
import { deployDevnet, E18, fundRewards, HH_KEYS, readContract, registerNode, rpc, type Devnet, type HardhatNode } from "../support/oracle-devnet";
import { answerChallenge } from "../support/oracle-client";
import { OracleRunner, type OracleLine, type OracleProcess } from "../support/oracle-process";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { parseExposition, sampleValue } from "../support/exposition";

const PROBE_MS = 300;
const PROBE_TIMEOUT_MS = 2_000;
const HEAD_STALL_MS = 3_000;
const FUNDED = 10_000n * E18;
const ORACLE = privateKeyToAccount(HH_KEYS[0]).address;

describe("oracle operations signals", { timeout: 600_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let proxy: TcpProxy;
  let runner: OracleRunner;
  let p: OracleProcess;
  let url: string;
  let cheater: Address;
  let stopNodes = false;
  const loops: Promise<void>[] = [];

  const health = async () => {
    const res = await fetch(url + "/healthz");
    return { status: res.status, body: (await res.json()) as any };
  };
  const metrics = async () => parseExposition(await (await fetch(url + "/metrics")).text());
  /** Waits for a line after index `from` of this run. */
  const line = (pred: (l: OracleLine) => boolean, what: string, ms = 60_000, from = 0) =>
    runner.waitFor(p, (l) => p.lines.indexOf(l) >= from && pred(l), what, ms);
  const untilHealth = async (want: number, what: string, ms = 60_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const h = await health();
      if (h.status === want) return h;
      if (Date.now() > end) throw new Error(`${what}: /healthz stayed ${h.status}: ${JSON.stringify(h.body)}`);
      await sleep(100);
    }
  };

  before(async () => {
    hh = await startNode({ sameTimestamps: true });
    dev = await deployDevnet(hh.url, { epochLength: 10, genesisDelay: 6, disputeWindow: 4 });
    await fundRewards(dev, FUNDED);
    const honest = await registerNode(dev, HH_KEYS[1]);
    const cheat = await registerNode(dev, HH_KEYS[2]);
    cheater = cheat.node.address;
    proxy = await startTcpProxy(hh.port);
    const configFile = join(dev.dir, "ops.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        rpcUrl: proxy.url,
        deploymentFile: dev.deploymentFile,
        dbPath: join(dev.dir, "ops.sqlite"),
        port: 0,
        pollIntervalMs: 300,
        rpcRetries: 2,
        gemmMaxN: 256,
        challengeTargetMs: 100,
        deadlineSlackMs: 2000,
        verifyThreads: 0,
        healthProbeMs: PROBE_MS,
        rpcProbeTimeoutMs: PROBE_TIMEOUT_MS,
        headStallMs: HEAD_STALL_MS,
        logLevel: "info",
      }),
    );
    runner = new OracleRunner(configFile);
    p = runner.start();
    url = (await runner.waitFor(p, (l) => l.event === "oracle.started", "oracle.started")).url as string;
    const ctx = (n: typeof honest) => ({ account: n.node, chainId: dev.chainId, registry: dev.addresses.NodeRegistry });
    for (const [n, corrupt] of [[honest, false], [cheat, true]] as const) {
      loops.push(
        (async () => {
          while (!stopNodes) {
            await answerChallenge(url, ctx(n), { corrupt }).catch(() => undefined);
            await sleep(200);
          }
        })(),
      );
    }
  });

  after(async () => {
    stopNodes = true;
    await Promise.all(loops);
    if (p) await runner.stop(p);
    await proxy?.close();
    await hh?.stop();
  });

  it("logs no error and counts no reconcile error while a healthy oracle waits for the chain; health, gauges and the slash", async () => {
    // Two epochs reported and finalized: each passed an epoch end and a dispute window.
    const slash = await line((l) => l.event === "slash.issued", "slash.issued", 90_000);
    await line((l) => l.event === "report.finalized" && (l.epoch as number) > (slash.epoch as number), "a finalization after the slash", 90_000);
    const errors = p.lines.filter((l) => l.level === "error");
    assert.deepEqual(errors.map((l) => JSON.stringify(l).slice(0, 300)), [], "error-level lines in a healthy run");
    // The waits happened and were named as waits.
    const waits = p.lines.filter((l) => l.event === "reconcile.waiting");
    assert.ok(waits.length > 0, "no wait for the chain was seen: the run did not cross the case");
    assert.ok(waits.every((l) => l.level === "info" && l.code === "OR215"), JSON.stringify(waits[0]));
    assert.ok(waits.some((l) => l.errorName === "SettlementEpochNotOver" || l.errorName === "SettlementDisputeWindowOpen"));

    assert.equal(slash.level, "warn");
    assert.equal(String(slash.node).toLowerCase(), cheater.toLowerCase());
    assert.equal(slash.reason, "fraud");

    const m = await metrics();
    const reconcileErrors = m.samples.filter((s) => s.name === "poai_reconcile_errors_total");
    assert.deepEqual(reconcileErrors.filter((s) => s.value > 0), [], "reconcile errors counted in a healthy run");
    assert.ok((sampleValue(m, "poai_slashes_issued_total", { reason: "fraud" }) ?? 0) >= 1);
    const balance = sampleValue(m, "poai_wallet_balance_wei")!;
    assert.ok(balance > 1e21 && balance <= 1e22, `wallet balance ${balance}`);
    const budget = sampleValue(m, "poai_rewards_budget_available")!;
    const onchain = await readContract<bigint>(dev, "RewardsDistributor", "availableBudget");
    assert.ok(budget > 0 && budget <= Number(FUNDED), `budget ${budget}`);
    assert.ok(Math.abs(budget - Number(onchain)) <= 1000 * 1e18, `budget gauge ${budget} vs chain ${onchain}`);
    assert.ok(sampleValue(m, "poai_rewards_budget_epochs")! >= 1);
    assert.ok(sampleValue(m, "poai_relay_epochs_behind")! <= 2);
    assert.ok(sampleValue(m, "poai_relay_oldest_pending_tx_seconds")! >= 0);
    assert.equal(sampleValue(m, "poai_committee_quorum"), 1);
    assert.equal(sampleValue(m, "poai_report_signatures"), 1);
    assert.equal(sampleValue(m, "poai_rpc_up"), 1);
    assert.equal(sampleValue(m, "poai_ready"), 1);

    const h = await untilHealth(200, "healthy");
    assert.equal(h.body.ready, true);
    assert.deepEqual(Object.keys(h.body.checks).sort(), ["chain_head", "epoch_loop", "event_loop", "relay_lag", "rpc", "wallet_balance"]);
    for (const [name, c] of Object.entries(h.body.checks as Record<string, { ok: boolean }>)) assert.equal(c.ok, true, `${name}: ${JSON.stringify(c)}`);
  });

  it("names a refusing RPC and answers 503 until it is back", async () => {
    const from = p.lines.length;
    await proxy.cut();
    const down = await line((l) => l.event === "rpc.unreachable", "rpc.unreachable", 10_000, from);
    assert.equal(down.level, "error");
    assert.equal(down.code, "OR005");
    assert.equal(down.reason, "refused");
    const h = await untilHealth(503, "refused", 10_000);
    assert.equal(h.body.ready, false);
    assert.equal(h.body.checks.rpc.ok, false);
    assert.equal(h.body.checks.rpc.value, "refused");
    assert.equal(h.body.error.code, "OR005");
    assert.equal(sampleValue(await metrics(), "poai_rpc_up"), 0);
    await proxy.restore();
    await line((l) => l.event === "rpc.recovered", "rpc.recovered", 10_000, from);
    await untilHealth(200, "after the RPC came back");
  });

  it("names a hung RPC within a probe period and its timeout", async () => {
    const from = p.lines.length;
    const t0 = Date.now();
    proxy.hang();
    const down = await line((l) => l.event === "rpc.unreachable", "rpc.unreachable (hung)", 10_000, from);
    const tookMs = Date.now() - t0;
    assert.equal(down.reason, "timeout");
    assert.equal(down.code, "OR005");
    // One probe period, then the probe's own timeout, plus slack for the shared machine.
    assert.ok(tookMs <= PROBE_MS + PROBE_TIMEOUT_MS + 2_000, `hung RPC named after ${tookMs} ms`);
    const h = await untilHealth(503, "hung", 5_000);
    assert.equal(h.body.checks.rpc.value, "timeout");
    assert.ok((sampleValue(await metrics(), "poai_rpc_probe_failures_total", { reason: "timeout" }) ?? 0) >= 1);
    await proxy.restore();
    await line((l) => l.event === "rpc.recovered", "rpc.recovered (after hang)", 10_000, from);
    await untilHealth(200, "after the hang", 90_000);
  });

  it("names halted block production while a transaction waits, and its end", async () => {
    const from = p.lines.length;
    await rpc(hh.url, "evm_setAutomine", [false]);
    try {
      const halted = await line((l) => l.event === "chain.head_stalled", "chain.head_stalled", 40_000, from);
      assert.equal(halted.level, "error");
      assert.equal(halted.code, "OR217");
      assert.ok((halted.stalledMs as number) >= HEAD_STALL_MS);
      const h = await untilHealth(503, "halted", 5_000);
      assert.equal(h.body.checks.chain_head.ok, false);
      const m = await metrics();
      assert.equal(sampleValue(m, "poai_chain_halted"), 1);
      assert.ok(sampleValue(m, "poai_chain_head_age_seconds")! >= HEAD_STALL_MS / 1000);
      assert.ok(sampleValue(m, "poai_relay_oldest_pending_tx_seconds")! > 0, "the waiting transaction's age");
    } finally {
      await rpc(hh.url, "evm_setAutomine", [true]);
      await rpc(hh.url, "evm_mine");
    }
    await line((l) => l.event === "chain.head_advancing", "chain.head_advancing", 10_000, from);
    await untilHealth(200, "after mining resumed", 90_000);
  });

  it("gives a wallet that cannot pay for gas its own code, not an RPC failure, and goes not ready", async () => {
    const from = p.lines.length;
    const before = sampleValue(await metrics(), "poai_reconcile_errors_total", { step: "seed" }) ?? 0;
    await rpc(hh.url, "hardhat_setBalance", [ORACLE, "0x3e8"]);
    try {
      const low = await line((l) => l.event === "wallet.low_balance", "wallet.low_balance", 10_000, from);
      assert.equal(low.code, "OR216");
      const h = await untilHealth(503, "empty wallet", 5_000);
      assert.equal(h.body.checks.wallet_balance.ok, false);
      assert.equal(h.body.checks.rpc.ok, true);
      assert.equal(h.body.error.code, "OR218");
      // The next transaction (a seed commitment, once per epoch) fails on the wallet.
      const failed = await line((l) => l.event === "reconcile.step_failed", "a step failed on the empty wallet", 30_000, from);
      assert.equal(failed.code, "OR216", JSON.stringify(failed).slice(0, 500));
      assert.doesNotMatch(String((failed.err as { message: string }).message), /RPC .* failed .* attempts/);
      const rpcBlamed = p.lines.slice(from).filter((l) => l.code === "OR005");
      assert.deepEqual(rpcBlamed.map((l) => l.event), [], "the empty wallet blamed on the RPC");
      assert.ok((sampleValue(await metrics(), "poai_reconcile_errors_total", { step: failed.step as string }) ?? 0) > (failed.step === "seed" ? before : 0));
    } finally {
      await rpc(hh.url, "hardhat_setBalance", [ORACLE, "0x" + (10_000n * E18).toString(16)]);
    }
    await line((l) => l.event === "wallet.funded", "wallet.funded", 10_000, from);
    await untilHealth(200, "after funding", 60_000);
  });
});
