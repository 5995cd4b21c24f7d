/**
 * The relay against a Hardhat node: a transaction that is not mined is replaced at the same nonce
 * with higher fees, and the purpose completes exactly once; while mining stalls and passes
 * re-broadcast it at the poll interval, the replacement still comes `txStuckMs` after the first
 * broadcast; a dead RPC ends in OR005 with nothing recorded; a purpose already achieved on chain
 * sends nothing.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { privateKeyToAccount } from "viem/accounts";
import { zeroHash, type Hex } from "viem";
import { seedCommitment } from "../../protocol";
import { Chain, loadDeployment } from "../../oracle/chain";
import { openDb, type DB } from "../../oracle/store/schema";
import { OracleError } from "../../oracle/errors";
import { createLogger } from "../../oracle/logger";
import { createMetrics } from "../../oracle/metrics";
import { Relay } from "../../oracle/relay";
import { deployDevnet, HH_KEYS, readContract, rpc, startHardhatNode, type Devnet, type HardhatNode } from "../support/oracle-devnet";

describe("relay", { timeout: 180_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let chain: Chain;
  let db: DB;
  const account = privateKeyToAccount(HH_KEYS[0]);
  const log = createLogger({ level: "error" });

  before(async () => {
    hh = await startHardhatNode();
    dev = await deployDevnet(hh.url, { epochLength: 60, genesisDelay: 5 });
    chain = await Chain.connect(hh.url, loadDeployment(dev.deploymentFile), 3);
    db = openDb(":memory:");
  });

  after(async () => {
    db?.close();
    await hh?.stop();
  });

  it("replaces a stuck transaction with higher fees and completes the purpose once", async () => {
    const metrics = createMetrics();
    const relay = new Relay(chain, account, db, { confirmations: 1, txStuckMs: 300, gasBumpPercent: 25 }, log, metrics);
    const epoch = 50n;
    const commitment = seedCommitment(epoch, ("0x" + "42".repeat(32)) as Hex);
    const isDone = async () => (await chain.seedCommitment(epoch)) !== zeroHash;
    const call = { contract: "EpochManager" as const, functionName: "commitSeed", args: [epoch, commitment] };
    await rpc(hh.url, "evm_setAutomine", [false]);
    try {
      assert.equal(await relay.ensure("commitSeed:50", isDone, call), "pending");
      assert.equal(await relay.ensure("commitSeed:50", isDone, call), "pending", "not stuck yet: re-broadcast only");
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await relay.ensure("commitSeed:50", isDone, call), "pending");
      const rows = db.prepare("SELECT nonce, max_fee, priority_fee, status, hash FROM transactions WHERE purpose = 'commitSeed:50' ORDER BY id").all() as {
        nonce: number;
        max_fee: string;
        priority_fee: string;
        status: string;
        hash: string;
      }[];
      assert.equal(rows.length, 2, "one replacement");
      assert.equal(rows[0].nonce, rows[1].nonce, "same nonce");
      assert.ok(BigInt(rows[1].max_fee) * 100n >= BigInt(rows[0].max_fee) * 125n, "max fee bumped by 25 %");
      assert.ok(BigInt(rows[1].priority_fee) * 100n >= BigInt(rows[0].priority_fee) * 125n, "priority fee bumped by 25 %");
      await rpc(hh.url, "evm_mine");
    } finally {
      await rpc(hh.url, "evm_setAutomine", [true]);
    }
    const state = await relay.ensure("commitSeed:50", isDone, call);
    assert.equal(state, "done", JSON.stringify(db.prepare("SELECT nonce, status, hash, error FROM transactions").all()));
    assert.equal(await readContract<Hex>(dev, "EpochManager", "seedCommitment", [epoch]), commitment);
    const statuses = (db.prepare("SELECT status FROM transactions WHERE purpose = 'commitSeed:50' ORDER BY id").all() as { status: string }[]).map((r) => r.status);
    assert.deepEqual(statuses, ["replaced", "confirmed"]);
    relay.recordTransactionCounts();
    const text = await metrics.render();
    metrics.close();
    assert.match(text, /^poai_relay_transactions\{status="replaced"\} 1$/m);
    assert.match(text, /^poai_relay_transactions\{status="confirmed"\} 1$/m);
    assert.match(text, /^poai_relay_transactions\{status="sent"\} 0$/m);
    // Achieved: further passes send nothing.
    assert.equal(await relay.ensure("commitSeed:50", isDone, call), "done");
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM transactions WHERE purpose = 'commitSeed:50'").get() as { n: number }).n, 2);
  });

  it("replaces a transaction txStuckMs after its first broadcast while passes re-broadcast it", async () => {
    const stuckMs = 600;
    const pollMs = 100;
    const relay = new Relay(chain, account, db, { confirmations: 1, txStuckMs: stuckMs, gasBumpPercent: 25 }, log, createMetrics());
    const epoch = 52n;
    const commitment = seedCommitment(epoch, ("0x" + "52".repeat(32)) as Hex);
    const isDone = async () => (await chain.seedCommitment(epoch)) !== zeroHash;
    const call = { contract: "EpochManager" as const, functionName: "commitSeed", args: [epoch, commitment] };
    type Row = { nonce: number; max_fee: string; priority_fee: string; sent_at: number; first_sent_at: number };
    const rows = () => db.prepare("SELECT nonce, max_fee, priority_fee, sent_at, first_sent_at FROM transactions WHERE purpose = 'commitSeed:52' ORDER BY id").all() as Row[];
    // Mining stalls: no block until the test mines one.
    await rpc(hh.url, "evm_setAutomine", [false]);
    await rpc(hh.url, "evm_setIntervalMining", [0]);
    try {
      const t0 = Date.now();
      // Passes at the poll interval, for well over txStuckMs: each one follows the transaction up.
      while (Date.now() - t0 < stuckMs * 3 && rows().length < 2) {
        assert.equal(await relay.ensure("commitSeed:52", isDone, call), "pending");
        await new Promise((r) => setTimeout(r, pollMs));
      }
      const [first, replacement] = rows();
      assert.ok(replacement, `no replacement after ${Date.now() - t0} ms of passes every ${pollMs} ms (txStuckMs ${stuckMs})`);
      assert.ok(first.sent_at > first.first_sent_at, "the original was re-broadcast meanwhile");
      assert.ok(replacement.first_sent_at - first.first_sent_at >= stuckMs, "replaced only after txStuckMs");
      assert.equal(replacement.nonce, first.nonce, "same nonce");
      assert.ok(BigInt(replacement.max_fee) * 100n >= BigInt(first.max_fee) * 125n, "max fee bumped by 25 %");
      assert.ok(BigInt(replacement.priority_fee) * 100n >= BigInt(first.priority_fee) * 125n, "priority fee bumped by 25 %");
      // The replacement's clock starts at its own first broadcast: the next pass re-broadcasts it only.
      assert.equal(await relay.ensure("commitSeed:52", isDone, call), "pending");
      assert.equal(rows().length, 2, "no second replacement before the first one is stuck");
      await rpc(hh.url, "evm_mine");
    } finally {
      await rpc(hh.url, "evm_setAutomine", [true]);
    }
    assert.equal(await relay.ensure("commitSeed:52", isDone, call), "done");
    assert.equal(await readContract<Hex>(dev, "EpochManager", "seedCommitment", [epoch]), commitment);
  });

  it("reports a predicted revert by its error name and sends nothing", async () => {
    const relay = new Relay(chain, account, db, { confirmations: 1, txStuckMs: 10_000, gasBumpPercent: 25 }, log, createMetrics());
    const call = { contract: "EpochManager" as const, functionName: "commitSeed", args: [50n, ("0x" + "43".repeat(32)) as Hex] };
    await assert.rejects(
      relay.ensure("commitSeed:50-again", async () => false, call),
      (e: OracleError) => e.code === "OR202" && e.details?.errorName === "EpochManagerSeedAlreadyCommitted",
    );
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM transactions WHERE purpose = 'commitSeed:50-again'").get() as { n: number }).n, 0);
  });

  it("ends with OR005 on a dead RPC and records nothing", async () => {
    const dead = new Chain("http://127.0.0.1:1", chain.deployment, chain.chainId, 2);
    const relay = new Relay(dead, account, db, { confirmations: 1, txStuckMs: 300, gasBumpPercent: 25 }, log, createMetrics());
    const before = (db.prepare("SELECT COUNT(*) AS n FROM transactions").get() as { n: number }).n;
    await assert.rejects(
      relay.ensure("commitSeed:51", async () => (await dead.seedCommitment(51n)) !== zeroHash, { contract: "EpochManager", functionName: "commitSeed", args: [51n, ("0x" + "44".repeat(32)) as Hex] }),
      (e: OracleError) => e.code === "OR005",
    );
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM transactions").get() as { n: number }).n, before);
  });
});
