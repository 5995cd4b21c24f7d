/**
 * A lost database loses no seed: an oracle commits the seeds of epochs 0 and 1 against a Hardhat
 * node, stops, its database files (.sqlite, -wal, -shm) are deleted, and it starts again with the
 * same key. Its seeds derive from that key (protocol/keys.ts), so it recovers both committed
 * epochs (the current one and the next), schedules them, and their reports reach the chain with
 * the seeds the commitments open. An epoch whose commitment the key's seed does not open (here one
 * committed beforehand with a random seed, as an older release did) is OR209 and left alone.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bytesToHex, createPublicClient, createWalletClient, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { seedCommitment } from "../../protocol";
import { memberSecret, seedShare } from "../../protocol/keys";
import { parseConfig, type OracleConfig } from "../../oracle/config";
import { startOracle, type OracleHandle } from "../../oracle/index";
import { createLogger } from "../../oracle/logger";
import { getEpoch } from "../../oracle/store/epochs";
import { deployDevnet, E18, fundRewards, HH_KEYS, readContract, registerNode, startHardhatNode, type Devnet, type HardhatNode } from "../support/oracle-devnet";
import { answerChallenge } from "../support/oracle-client";

type Line = { event: string; epoch?: number; code?: string; [k: string]: unknown };

describe("seed recovery after a lost database", { timeout: 120_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let cfg: OracleConfig;
  let oracle: OracleHandle | undefined;
  let lines: Line[] = [];
  let stopNode = false;
  let nodeLoop: Promise<void> | undefined;
  const key = HH_KEYS[0];

  async function start(): Promise<OracleHandle> {
    lines = [];
    const log = createLogger({ level: "info", write: (l) => lines.push(JSON.parse(l)) });
    oracle = await startOracle(cfg, { log });
    return oracle;
  }

  async function waitFor(pred: (l: Line) => boolean, what: string, ms = 40_000): Promise<Line> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const hit = lines.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}; last events: ${lines.slice(-15).map((l) => l.event).join(", ")}`);
  }

  before(async () => {
    hh = await startHardhatNode();
    // Every block is a second past the last: the ~40 blocks of deployment and setup (the lease
    // manager's included) put the chain about that far ahead of the wall clock, so genesis lies
    // beyond them (epoch 0 still ahead when the oracle starts).
    dev = await deployDevnet(hh.url, { epochLength: 8, genesisDelay: 46, disputeWindow: 2 });
    await fundRewards(dev, 10_000n * E18);
    const n1 = await registerNode(dev, HH_KEYS[1]);
    cfg = parseConfig({
      rpcUrl: hh.url,
      deploymentFile: dev.deploymentFile,
      dbPath: join(dev.dir, "oracle.sqlite"),
      oracleKey: key,
      port: 0,
      pollIntervalMs: 200,
      epochChallenges: 2,
      issueWindowBps: 5000,
      gemmMaxN: 512,
      challengeTargetMs: 100,
      deadlineSlackMs: 1500,
      logLevel: "info",
    });
    const ctx = { account: n1.node, chainId: dev.chainId, registry: dev.addresses.NodeRegistry };
    nodeLoop = (async () => {
      while (!stopNode) {
        if (oracle) await answerChallenge(oracle.url, ctx).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  });

  after(async () => {
    stopNode = true;
    await nodeLoop;
    await oracle?.stop();
    await hh?.stop();
  });

  it("recovers the committed seeds from the key, schedules and reports the epochs", async () => {
    // Epoch 2 carries a commitment of a random seed, made with the oracle's key before it runs.
    const wallet = createWalletClient({ account: privateKeyToAccount(key), transport: http(hh.url) });
    const pub = createPublicClient({ transport: http(hh.url) });
    const foreign = seedCommitment(2n, bytesToHex(randomBytes(32)));
    const hash = await wallet.writeContract({
      address: dev.addresses.EpochManager, abi: dev.abis.EpochManager, functionName: "commitSeed", args: [2n, foreign], chain: { id: dev.chainId } as never,
    } as never);
    assert.equal((await pub.waitForTransactionReceipt({ hash, pollingInterval: 50 })).status, "success");

    const a = await start();
    await waitFor((l) => l.event === "seed.committed" && l.epoch === 1, "the commitment of epoch 1");
    assert.ok(getEpoch(a.db, 0)?.scheduled_at, "epoch 0 was scheduled before the loss");
    await a.stop();
    oracle = undefined;

    const files = ["", "-wal", "-shm"].map((s) => cfg.dbPath + s);
    assert.ok(existsSync(files[0]), "the database file exists");
    for (const f of files) rmSync(f, { force: true });
    assert.ok(files.every((f) => !existsSync(f)), "database files deleted");

    const b = await start();
    const secret = memberSecret(key, { chainId: dev.chainId, epochManager: dev.addresses.EpochManager });
    for (const e of [0, 1]) {
      await waitFor((l) => l.event === "seed.recovered" && l.epoch === e, `the seed of epoch ${e} recovered`);
      const row = getEpoch(b.db, e)!;
      const onchain = await readContract<Hex>(dev, "EpochManager", "seedCommitment", [BigInt(e)]);
      assert.equal(row.seed, seedShare(secret, e), `epoch ${e}: the key's seed share`);
      assert.equal(row.commitment, onchain, `epoch ${e}: the recovered seed opens the on-chain commitment`);
      assert.notEqual(row.committed_at, null);
    }
    assert.ok(!lines.some((l) => l.event === "seed.created" && (l.epoch === 0 || l.epoch === 1)), "no new seed for a committed epoch");
    assert.ok(!lines.some((l) => l.event === "tx.signed" && String(l.purpose).startsWith("commitSeed")), "nothing committed again");

    for (const e of [0, 1]) {
      await waitFor((l) => l.event === "epoch.scheduled" && l.epoch === e, `epoch ${e} scheduled`);
      await waitFor((l) => l.event === "report.onchain" && l.epoch === e, `the report of epoch ${e} on chain`);
      const info = await readContract<{ status: number; seed: Hex }>(dev, "Settlement", "reportOf", [BigInt(e)]);
      assert.equal(info.seed, seedShare(secret, e), `epoch ${e}: the report reveals the recovered seed`);
    }
    const challenges = b.db.prepare("SELECT COUNT(*) AS n FROM challenges WHERE epoch = 0").get() as { n: number };
    assert.ok(challenges.n > 0, "epoch 0 was challenged after the recovery");

    // Epoch 2: the chain holds a commitment the key's seed does not open.
    const mismatch = await waitFor((l) => l.event === "seed.mismatch" && l.epoch === 2, "OR209 for epoch 2");
    assert.equal(mismatch.code, "OR209");
    assert.equal(mismatch.onchain, foreign);
    assert.equal(getEpoch(b.db, 2), undefined, "no row, so epoch 2 is never scheduled or reported");
  });
});
