/**
 * Kill test over many epochs. The oracle runs as a child process (oracle/cli.ts) against a
 * Hardhat node, behind a TCP proxy for its RPC; three registered nodes run the honest agent's
 * challenge loop over sessions. Over POAI_KILL_EPOCHS epochs (default 7) of 8 s, the oracle is
 * killed with SIGKILL at seeded-random moments and restarted after a random pause; once, the RPC
 * is cut for a few seconds (the proxy refuses connections, the chain keeps running); once, the
 * database files (.sqlite, -wal, -shm) are deleted between a kill and the restart. The seed is
 * printed; POAI_KILL_SEED replays a run.
 *
 * Then, from the chain, the databases (the lost one copied before it was deleted) and the logs:
 * - every ended epoch with a seed commitment has exactly one report on chain, or none and a
 *   logged reason (SKIP_CODES); an epoch without a commitment has none and its OR201;
 * - every commitment opens with the seed the oracle's key derives for that epoch, and every
 *   report reveals that seed (no committed seed lost, none redrawn);
 * - no Settlement transaction reverted, no report slashes anyone (every node is honest);
 * - no honest node is charged for the oracle's downtime: every challenge that fell due while
 *   the oracle was down is void; the answers of the epoch in progress when the database was lost
 *   are gone, and their challenges void.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { copyFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import Database from "better-sqlite3";
import { createPublicClient, decodeFunctionData, http, zeroHash, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { seedCommitment } from "../../protocol";
import { memberSecret, seedShare } from "../../protocol/keys";
import { CLOCK_LEAD_KEY } from "../../oracle/store/meta";
import { SessionClient } from "../../agent/session-client";
import { runLoop } from "../../agent/loop";
import { makeSolver } from "../../agent/solver";
import { startHardhatNode, freePort, type HardhatNode } from "../../scripts/devnet/node";
import { CPU_CLAIM, deployDevnet, E18, fundRewards, HH_KEYS, readContract, registerNode, type Devnet } from "../support/oracle-devnet";
import { OracleRunner, type OracleProcess } from "../support/oracle-process";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";

const EPOCHS = Number(process.env.POAI_KILL_EPOCHS ?? 7);
const SEED = process.env.POAI_KILL_SEED !== undefined ? Number(process.env.POAI_KILL_SEED) : randomInt(2 ** 31);
const EPOCH_S = 8;
const ORACLE_KEY = HH_KEYS[0];
/** A claim an honest CPU agent delivers (the node is paid, and never condemned, on it). */
const CLAIM = { ...CPU_CLAIM, gflops: 1 };
/**
 * Codes an epoch may be skipped with (docs/errors.md): uncommitted (OR201), a foreign seed
 * (OR209), superseded (OR211), ended before the database was lost (OR213), and every epoch after
 * a loss that followed a report (OR214: the chain's tip went with the database, docs/oracle.md
 * "Known limits").
 */
const SKIP_CODES = ["OR201", "OR209", "OR211", "OR213", "OR214"];
const REPORT_NAMES = ["none", "pending", "vetoed", "finalized"];

/** mulberry32: a small seeded generator, so a run replays from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Downtime {
  /** Wall ms. */
  from: number;
  to: number;
  what: string;
}

interface ChallengeRecord {
  id: string;
  epoch: number;
  node: string;
  issue_at: number;
  deadline: number;
  issued_at: number | null;
  verdict: string | null;
  reason: string | null;
}

function challengesOf(file: string): ChallengeRecord[] {
  const db = new Database(file);
  try {
    return db.prepare("SELECT id, epoch, node, issue_at, deadline, issued_at, verdict, reason FROM challenges").all() as ChallengeRecord[];
  } finally {
    db.close();
  }
}

function metaOf(file: string, key: string): string | undefined {
  const db = new Database(file);
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
  } finally {
    db.close();
  }
}

describe(`oracle kill test (POAI_KILL_SEED=${SEED}, ${EPOCHS} epochs)`, { timeout: 420_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let proxy: TcpProxy;
  let runner: OracleRunner;
  let oracle: OracleProcess | undefined;
  let dbPath: string;
  let oracleUrl: string;
  const nodes: PrivateKeyAccount[] = [];
  const stopAgents = new AbortController();
  const agents: Promise<unknown>[] = [];
  const agentLog: { node: string; event: string; msg: string }[] = [];

  before(async () => {
    console.log(`oracle kill test: POAI_KILL_SEED=${SEED} POAI_KILL_EPOCHS=${EPOCHS}`);
    // Blocks may share a timestamp: chain time stays the wall time, so the windows the test
    // records on its own clock compare with the oracle's due instants.
    hh = await startHardhatNode({ sameTimestamps: true });
    dev = await deployDevnet(hh.url, { epochLength: EPOCH_S, genesisDelay: 18, disputeWindow: 2 });
    await fundRewards(dev, 100_000n * E18);
    for (const k of HH_KEYS.slice(1, 4)) nodes.push((await registerNode(dev, k, CLAIM)).node);
    proxy = await startTcpProxy(hh.port);
    dbPath = join(dev.dir, "oracle.sqlite");
    const port = await freePort();
    oracleUrl = `http://127.0.0.1:${port}`;
    const configFile = join(dev.dir, "oracle.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        rpcUrl: proxy.url,
        deploymentFile: dev.deploymentFile,
        dbPath,
        oracleKey: ORACLE_KEY,
        port,
        pollIntervalMs: 200,
        rpcRetries: 2,
        epochChallenges: 3,
        gemmMaxN: 256,
        challengeTargetMs: 100,
        deadlineSlackMs: 2000,
        logLevel: "info",
      }),
    );
    runner = new OracleRunner(configFile);
    // The honest agents: one session each, reconnecting quickly after every kill.
    for (const n of nodes) {
      const client = new SessionClient(oracleUrl, n, { waitMs: 500, requestTimeoutMs: 5_000 });
      const log = (_level: string, event: string, msg: string) => agentLog.push({ node: n.address, event, msg });
      agents.push(
        runLoop({
          client, solver: makeSolver({ executionProviders: ["cpu"], threads: 1 }), log: log as never, signal: stopAgents.signal,
          backoff: { baseMs: 100, maxMs: 600 }, maxPollMs: 500,
        }).finally(() => client.close()),
      );
    }
  });

  after(async () => {
    stopAgents.abort();
    await Promise.allSettled(agents);
    if (oracle) await runner.kill(oracle);
    await proxy?.close();
    await hh?.stop();
  });

  it("reports every epoch once or skips it with its reason, loses no seed and charges no honest node for downtime", async () => {
    const r = rng(SEED);
    const downtimes: Downtime[] = [];
    const outages: Downtime[] = [];
    const lost: { file: string; at: number; epoch: number }[] = [];
    const epochAt = (ms: number) => Math.floor((ms / 1000 - dev.genesis) / EPOCH_S);
    const faultsEnd = (dev.genesis + EPOCHS * EPOCH_S) * 1000;
    // The RPC outage is one of the first three faults; the database is lost at the first kill in
    // the last three epochs, so the epochs before it are reported across the kills.
    const rpcAt = 1 + Math.floor(r() * 3);
    const lossFrom = Math.max(2, EPOCHS - 3);

    const startOracle = async () => {
      const p = runner.start();
      const up = await runner.waitFor(p, (l) => l.event === "oracle.started", "the oracle's start", 60_000);
      oracle = p;
      return Date.parse(up.t);
    };
    // The database is lost once a report is on chain (the next report needs its parent) and
    // while the epoch in progress has answers (they are lost with it), if that comes in time.
    const lossReady = () => {
      const e = epochAt(Date.now());
      return runner.all.some((l) => l.event === "report.onchain") && Date.now() - (dev.genesis + e * EPOCH_S) * 1000 < 5_000 &&
        runner.all.some((l) => l.event === "challenge.verdict" && l.epoch === e && l.verdict === "pass");
    };
    // The oracle's public view of each node (GET /v1/nodes/:node/stats): before the loss and at the end.
    type NodeStats = { node: string; epochs: { epoch: number; verdict: string; challenges: number; passed: number; slash: unknown }[] };
    const stats: NodeStats[] = [];
    const nodeStats = () => Promise.all(nodes.map(async (n) => (await (await fetch(`${oracleUrl}/v1/nodes/${n.address}/stats`)).json()) as NodeStats));
    const isLoss = (i: number) => i !== rpcAt && lost.length === 0 && epochAt(Date.now()) >= lossFrom;
    await startOracle();
    for (let i = 1; Date.now() < faultsEnd - 2_000; i++) {
      await sleep(2_000 + r() * 4_000);
      const loss = isLoss(i);
      if (loss) for (const until = Date.now() + 2 * EPOCH_S * 1000; !lossReady() && Date.now() < until; ) await sleep(50);
      if (Date.now() >= faultsEnd - 2_000) break;
      if (i === rpcAt) {
        const from = Date.now();
        await proxy.cut();
        await sleep(3_000 + r() * 4_000);
        await proxy.restore();
        outages.push({ from, to: Date.now(), what: `RPC outage ${i}` });
        continue;
      }
      if (loss) stats.push(...(await nodeStats()));
      const from = Date.now();
      await runner.kill(oracle!);
      oracle = undefined;
      if (loss) {
        const file = join(dev.dir, `lost-${i}.sqlite`);
        for (const s of ["", "-wal", "-shm"]) if (existsSync(dbPath + s)) copyFileSync(dbPath + s, file + s);
        for (const s of ["", "-wal", "-shm"]) rmSync(dbPath + s, { force: true });
        assert.ok(!existsSync(dbPath), "database deleted");
        lost.push({ file, at: from, epoch: epochAt(from) });
      }
      await sleep(loss ? 300 + r() * 1_000 : 500 + r() * 3_000);
      const to = await startOracle();
      downtimes.push({ from, to, what: `kill ${i}${loss ? " + database deleted" : ""}` });
    }
    console.log(`faults: ${downtimes.length} kills, ${outages.length} RPC outages, ${lost.length} database losses`);
    for (const d of [...downtimes, ...outages]) console.log(`  ${d.what}: ${new Date(d.from).toISOString()} .. ${new Date(d.to).toISOString()}`);
    assert.equal(outages.length, 1, "the RPC outage happened");
    assert.equal(lost.length, 1, "the database loss happened");
    assert.ok(downtimes.length >= 3, `only ${downtimes.length} kills`);

    // Let the loop settle every epoch of the run: reported, or skipped with its reason.
    const secret = memberSecret(ORACLE_KEY, { chainId: dev.chainId, epochManager: dev.addresses.EpochManager });
    const reasonsOf = (e: number) => runner.all.filter((l) => l.epoch === e && typeof l.code === "string" && SKIP_CODES.includes(l.code));
    const fate = async (e: number) => {
      const commitment = await readContract<Hex>(dev, "EpochManager", "seedCommitment", [BigInt(e)]);
      const info = await readContract<{ status: number; seed: Hex; slashCount: number }>(dev, "Settlement", "reportOf", [BigInt(e)]);
      return { e, commitment, status: Number(info.status), seed: info.seed, slashCount: Number(info.slashCount), reasons: reasonsOf(e) };
    };
    const settleBy = faultsEnd + 3 * EPOCH_S * 1000;
    let fates: Awaited<ReturnType<typeof fate>>[] = [];
    for (;;) {
      fates = [];
      for (let e = 0; e < EPOCHS; e++) fates.push(await fate(e));
      if (fates.every((f) => f.status !== 0 || f.reasons.length > 0) || Date.now() > settleBy) break;
      await sleep(1_000);
    }
    stats.push(...(await nodeStats()));
    await runner.stop(oracle!);
    oracle = undefined;
    stopAgents.abort();
    await Promise.allSettled(agents);
    for (const f of fates) {
      const why = [...new Set(f.reasons.map((l) => `${l.code} ${l.event}`))].join("; ");
      console.log(`  epoch ${f.e}: ${f.commitment === zeroHash ? "no commitment" : "committed"}, report ${REPORT_NAMES[f.status]}${why ? `, ${why}` : ""}`);
    }

    // Every problem found, then one assertion: a failing run shows all of them.
    const problems: string[] = [];
    const check = (ok: unknown, what: string) => {
      if (!ok) problems.push(what);
    };
    // Seeds: every commitment opens with the key's seed share, every report reveals it.
    for (const f of fates) {
      if (f.commitment !== zeroHash) check(f.commitment === seedCommitment(BigInt(f.e), seedShare(secret, f.e)), `epoch ${f.e}: a commitment of another seed`);
      if (f.status !== 0) check(f.seed === seedShare(secret, f.e), `epoch ${f.e}: the report reveals another seed`);
    }
    // Reports: one per committed epoch, or a logged reason; none without a commitment.
    for (const f of fates) {
      if (f.commitment === zeroHash) {
        check(f.status === 0, `epoch ${f.e} has a report without a commitment`);
        check(f.reasons.some((l) => l.code === "OR201"), `epoch ${f.e} has no commitment and no OR201`);
        continue;
      }
      check(f.status !== 0 || f.reasons.length > 0, `epoch ${f.e} was committed but has no report and no logged reason`);
      // Lost with the database: only epochs from the loss on.
      if (f.reasons.some((l) => l.code === "OR213" || l.code === "OR214")) check(lost.some((l) => f.e >= l.epoch - 1), `epoch ${f.e} skipped for a database loss before any loss`);
      if (f.status !== 0) check(f.slashCount === 0, `epoch ${f.e}: an honest node slashed`);
    }
    // Nothing is vetoed here: a report rebuilt for a parent left behind (OR210) is a loop.
    check(!runner.all.some((l) => l.code === "OR210"), `OR210 logged ${runner.all.filter((l) => l.code === "OR210").length} times`);
    const reported = fates.filter((f) => f.status !== 0).length;
    console.log(`reported ${reported} of ${EPOCHS} epochs`);
    check(reported > 0, "no epoch reported");
    const pub = createPublicClient({ transport: http(hh.url) });
    const perEpoch = new Map<bigint, number>();
    const head = await pub.getBlockNumber();
    for (let b = 0n; b <= head; b++) {
      const block = await pub.getBlock({ blockNumber: b, includeTransactions: true });
      for (const tx of block.transactions) {
        if (typeof tx === "string" || tx.to?.toLowerCase() !== dev.addresses.Settlement.toLowerCase()) continue;
        check((await pub.getTransactionReceipt({ hash: tx.hash })).status === "success", `transaction ${tx.hash} to Settlement reverted`);
        const call = decodeFunctionData({ abi: dev.abis.Settlement, data: tx.input });
        if (call.functionName !== "submitReport") continue;
        const epoch = (call.args![0] as { epoch: bigint }).epoch;
        perEpoch.set(epoch, (perEpoch.get(epoch) ?? 0) + 1);
        check((call.args![1] as unknown[]).length === 0, `epoch ${epoch}: the report's slash list is not empty`);
      }
    }
    for (const [e, n] of perEpoch) check(n === 1, `epoch ${e} reported ${n} times`);
    // Every node is honest: judged so in every epoch it was judged, never slashed.
    check(stats.some((s) => s.epochs.length > 0), "no node judged in any epoch");
    for (const s of stats) {
      for (const ep of s.epochs) {
        check(ep.slash === null, `node ${s.node} slashed in epoch ${ep.epoch}`);
        check(ep.verdict === "honest", `node ${s.node} judged ${ep.verdict} in epoch ${ep.epoch}`);
      }
    }
    const judged = new Set(stats.flatMap((s) => s.epochs.map((ep) => `${s.node} ${ep.epoch}`)));
    console.log(`node epochs judged (GET /v1/nodes/:node/stats): ${judged.size}`);

    // Downtime: nothing that fell due while the oracle was down counts against a node.
    const lead = Number(metaOf(dbPath, CLOCK_LEAD_KEY) ?? 0);
    // The lost database as it was at the loss (its downtimes up to then), and the final one.
    const before = lost.flatMap((l) => challengesOf(l.file).map((c) => ({ ...c, upTo: l.at })));
    const afterLoss = challengesOf(dbPath).map((c) => ({ ...c, upTo: Infinity }));
    const all = [...before, ...afterLoss];
    check(all.length > 0, "no challenges at all");
    for (const c of all) {
      check(!["fail", "fraud", "late"].includes(c.verdict ?? ""), `honest challenge ${c.id} (epoch ${c.epoch}) judged ${c.verdict}: ${c.reason}`);
      const due = c.issue_at - lead;
      const d = downtimes.find((w) => w.to <= c.upTo && due >= w.from && due <= w.to);
      if (d) check(c.verdict === "void", `challenge ${c.id} (epoch ${c.epoch}) fell due during ${d.what} and is ${c.verdict} (${c.reason})`);
    }
    const count = (list: { verdict: string | null }[]) => list.reduce<Record<string, number>>((m, c) => ({ ...m, [c.verdict ?? "open"]: (m[c.verdict ?? "open"] ?? 0) + 1 }), {});
    console.log(`challenges before the database loss ${JSON.stringify(count(before))}, after it ${JSON.stringify(count(afterLoss))}`);
    // The answers of the epoch in progress at the loss are gone: those challenges are void now.
    for (const l of lost) {
      for (const c of before.filter((x) => x.epoch === l.epoch && x.verdict === "pass")) {
        const now = afterLoss.find((x) => x.id === c.id);
        check(!now || now.verdict === "void", `challenge ${c.id} (epoch ${c.epoch}), answered before the database loss, is ${now?.verdict} (${now?.reason}) after it`);
      }
    }
    const agentEvents = agentLog.reduce<Record<string, number>>((m, l) => ({ ...m, [l.event]: (m[l.event] ?? 0) + 1 }), {});
    console.log(`agents: ${JSON.stringify(agentEvents)}`);
    const missed = all.filter((c) => c.verdict === "missed");
    console.log(`missed: ${missed.map((c) => `${c.id.slice(0, 10)} e${c.epoch} due ${new Date(c.issue_at - lead).toISOString()}`).join(", ") || "none"}`);
    assert.deepEqual(problems, [], `POAI_KILL_SEED=${SEED}: ${problems.length} problems`);
  });
});
