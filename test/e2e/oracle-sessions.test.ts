/**
 * The session transport against a real Hardhat node, the deployed contracts and the oracle:
 * challenges pushed at their due instant (never before) and answered over the session; every bad
 * opening and every bad frame ends the session with its named close code and leaves the database
 * as it was; the oracle's own delay (its event loop blocked past `voidLagMs`) and its downtime
 * void the challenges they made late instead of charging the node, also for a node whose session
 * opens before the restarted oracle's first pass.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { bytesToHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import WebSocket from "ws";
import type { GemmSpec } from "../../engine/gemm/spec";
import { openGemm, runGemm } from "../../engine/gemm/kernel";
import { encodeGemmOpening } from "../../protocol/wire/gemm";
import { ORACLE_API_DOMAIN_NAME, domain } from "../../protocol";
import { ephemeralKey, FrameOpener, FrameSealer, sessionKeys, SESSION_OPEN_TYPES, SESSION_PATH, SESSION_SUBPROTOCOL, type OpenFrame } from "../../protocol/session";
import { parseConfig, type OracleConfig } from "../../oracle/config";
import { startOracle, type OracleHandle } from "../../oracle/index";
import { SessionClient } from "../../agent/session-client";
import { runLoop } from "../../agent/loop";
import { makeSolver } from "../../agent/solver";
import type { Challenge } from "../../agent/client";
import { dbDigest } from "../support/db-digest";
import { signedReport } from "../support/process-report";
import { deployDevnet, fundRewards, HH_KEYS, registerNode, startHardhatNode, E18, type Devnet, type HardhatNode } from "../support/oracle-devnet";

const snapshot = (db: Parameters<typeof dbDigest>[0]) => dbDigest(db);

interface Raw {
  ws: WebSocket;
  /** Frames received and not yet taken. */
  frames: string[];
  closed: Promise<{ code: number; reason: string; frames: string[] }>;
}

/** A raw WebSocket to the oracle's session endpoint, recording what it receives until closed. */
function raw(base: string, protocol = SESSION_SUBPROTOCOL): Promise<Raw> {
  const ws = new WebSocket(base.replace(/^http/, "ws") + SESSION_PATH, protocol);
  const frames: string[] = [];
  ws.on("message", (d) => frames.push(d.toString()));
  const closed = new Promise<{ code: number; reason: string; frames: string[] }>((r) => ws.on("close", (code, reason) => r({ code, reason: reason.toString(), frames })));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve({ ws, frames, closed }));
    ws.once("error", reject);
  });
}

describe("oracle sessions", { timeout: 300_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let oracle: OracleHandle;
  let cfg: OracleConfig;
  let nodes: PrivateKeyAccount[];

  async function opening(account: PrivateKeyAccount, o: { oracle?: `0x${string}`; nonce?: Hex; timestamp?: number; chainId?: number; clientKey?: Hex } = {}) {
    const own = ephemeralKey();
    if (o.clientKey) own.publicHex = o.clientKey;
    const nonce = o.nonce ?? bytesToHex(randomBytes(32));
    const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
    const signature = await account.signTypedData({
      domain: domain(ORACLE_API_DOMAIN_NAME, o.chainId ?? dev.chainId, dev.addresses.NodeRegistry),
      types: SESSION_OPEN_TYPES,
      primaryType: "SessionOpen",
      message: { node: account.address, oracle: o.oracle ?? oracle.address, clientKey: own.publicHex, timestamp: BigInt(timestamp), nonce },
    });
    const frame: OpenFrame = { t: "open", node: account.address, timestamp, nonce, clientKey: own.publicHex, signature };
    return { frame, own };
  }

  /** Sends `frame` as the opening and expects the session to end with `code`, the database unchanged. */
  async function refused(code: number, frame: unknown, protocol?: string) {
    await oracle.scheduler.judged(); // judging started by a pass runs beside the passes
    const before = snapshot(oracle.db);
    const r = await raw(oracle.url, protocol);
    r.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    const end = await r.closed;
    assert.equal(end.code, code, `close ${end.code} ${end.reason}`);
    assert.equal(snapshot(oracle.db), before, `database changed by a refused opening (${code})`);
    return end;
  }

  async function live(node = nodes[2]) {
    const o = await opening(node);
    const r = await raw(oracle.url);
    r.ws.send(JSON.stringify(o.frame));
    while (r.frames.length === 0) await sleep(10);
    const ready = JSON.parse(r.frames.shift()!);
    assert.equal(ready.t, "ready", JSON.stringify(ready));
    const keys = sessionKeys(o.own, ready.serverKey, { chainId: dev.chainId, registry: dev.addresses.NodeRegistry, oracle: oracle.address, node: node.address, nonce: o.frame.nonce as Hex, session: ready.session });
    const opener = new FrameOpener(keys.down);
    const pushed: any[] = [];
    /** The next frame of type `t`, past others (every frame is checked in order); pushed challenges are kept. */
    const next = async (t: "reply" | "challenge"): Promise<any> => {
      if (t === "challenge" && pushed.length > 0) return pushed.shift();
      for (;;) {
        while (r.frames.length === 0) await sleep(10);
        const m = opener.open(r.frames.shift()!).message as any;
        if (m.t === t) return t === "challenge" ? m.challenge : m;
        if (m.t === "challenge") pushed.push(m.challenge);
      }
    };
    return { r, sealer: new FrameSealer(keys.up), reply: () => next("reply"), challenge: () => next("challenge") };
  }
  /** Passes of the epoch loop until `got()` holds. */
  async function until<T>(got: () => T | undefined, what: string, ms = 60_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = got();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await oracle.scheduler.pass();
      await sleep(200);
    }
  }

  before(async () => {
    hh = await startHardhatNode();
    dev = await deployDevnet(hh.url, { epochLength: 10, genesisDelay: 6 });
    await fundRewards(dev, 10_000n * E18);
    nodes = [];
    for (const k of HH_KEYS.slice(1, 5)) nodes.push((await registerNode(dev, k)).node);
    cfg = parseConfig({
      rpcUrl: hh.url,
      deploymentFile: dev.deploymentFile,
      dbPath: join(dev.dir, "sessions.sqlite"),
      port: 0,
      logLevel: "error",
      epochChallenges: 1,
      issueWindowBps: 3_000,
      gemmMaxN: 256,
      challengeTargetMs: 100,
      maxBodyBytes: 64 * 1024,
      clockSkewMs: 30_000,
      sessionHandshakeMs: 1_000,
      voidLagMs: 500,
      processReportMinIntervalMs: 0,
    });
    oracle = await startOracle(cfg, { runScheduler: false });
    await oracle.scheduler.pass();
  });

  after(async () => {
    await oracle?.stop();
    await hh?.stop();
  });

  it("pushes a challenge at its due instant, never before, and takes its answer over the session", async () => {
    const client = new SessionClient(oracle.url, nodes[0], { waitMs: 200 });
    let ch: Challenge | undefined;
    try {
      await client.info();
      const end = Date.now() + 60_000;
      while (!ch && Date.now() < end) {
        await oracle.scheduler.pass();
        const n = await client.next();
        if ("challenge" in n) ch = n.challenge;
      }
      assert.ok(ch, "no challenge was pushed");
      const row = oracle.db.prepare("SELECT issue_at, issued_at FROM challenges WHERE id = ?").get(ch.challengeId) as { issue_at: number; issued_at: number };
      // issued_at is wall time, issue_at chain time: compare on one clock.
      const lead = Number((await (await fetch(oracle.url + "/v1/info")).json()).clockLeadMs ?? 0);
      assert.ok(row.issued_at + lead >= row.issue_at - 5, `pushed ${row.issue_at - row.issued_at - lead} ms before its due instant`);
      const run = await runGemm(ch.spec as unknown as GemmSpec, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
      const commit = await client.commit(ch.challengeId, run.root);
      assert.equal(commit.openings.length, cfg.openings);
      const of = { spec: ch.spec, root: run.root };
      const verdict = await client.open(ch.challengeId, openGemm(run, commit.openings).map(encodeGemmOpening) as never, of);
      assert.equal(verdict.verdict, "pass", verdict.reason);
      // A second answer over the session is refused by name, not accepted twice.
      await assert.rejects(client.open(ch.challengeId, openGemm(run, commit.openings).map(encodeGemmOpening) as never, of), /OR114/);
    } finally {
      client.close();
    }
  });

  it("refuses bad openings by name and writes nothing", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    const good = await opening(nodes[1]);
    await refused(4101, "{not json");
    await refused(4102, { t: "open", node: nodes[1].address });
    await refused(4105, { ...good.frame, signature: (await opening(stranger)).frame.signature });
    await refused(4105, (await opening(nodes[1], { oracle: dev.addresses.Settlement })).frame); // signed for another member
    await refused(4105, (await opening(nodes[1], { chainId: 1 })).frame); // for another chain
    await refused(4106, (await opening(nodes[1], { timestamp: Math.floor(Date.now() / 1000) - 120 })).frame);
    const unknown = await refused(4108, (await opening(stranger)).frame);
    assert.match(unknown.frames[0], /OR108/, "the refusal is sent in full before the close");
    // A low-order X25519 key (all zeros) would give a known shared secret.
    await refused(4104, (await opening(nodes[1], { clientKey: `0x${"00".repeat(32)}` })).frame);
    // No opening within the handshake time: closed, nothing held.
    const idle = await raw(oracle.url);
    assert.equal((await idle.closed).code, 4104);
  });

  it("accepts an opening once: a replayed opening is OR107", async () => {
    const o = await opening(nodes[1]);
    const first = await raw(oracle.url);
    first.ws.send(JSON.stringify(o.frame));
    const ready = await new Promise<any>((res) => first.ws.once("message", (d) => res(JSON.parse(d.toString()))));
    assert.equal(ready.t, "ready", JSON.stringify(ready));
    await refused(4107, o.frame);
    first.ws.close();
    await first.closed;
  });

  it("ends the session on a replayed, reordered or forged frame", async () => {
    /** A valid process-report frame of `nodes[2]` (the node `live()` opens for). */
    const processes = async () => ({ t: "processes", ...(await signedReport(nodes[2], { chainId: dev.chainId, registry: dev.addresses.NodeRegistry, oracle: oracle.address })) });
    // A good frame is answered; the same frame again is a replay.
    {
      const { r, sealer, reply } = await live();
      const { frame } = sealer.seal(await processes());
      r.ws.send(frame);
      assert.equal((await reply()).ok, true);
      await oracle.scheduler.judged();
      const before = snapshot(oracle.db);
      r.ws.send(frame);
      const end = await r.closed;
      assert.equal(end.code, 4105, end.reason);
      assert.match(end.reason, /replayed|sequence|due/);
      assert.equal(snapshot(oracle.db), before);
    }
    // A frame whose MAC does not match (one body byte changed).
    {
      const { r, sealer } = await live();
      const { frame } = sealer.seal(await processes());
      r.ws.send(frame.replace('"processes":[]', '"processes":[ ]'));
      assert.equal((await r.closed).code, 4105);
    }
    // A schema violation is answered ok:false OR102, the session stays.
    {
      const { r, sealer, reply } = await live();
      r.ws.send(sealer.seal({ t: "commit", id: "x", root: "0x12" }).frame);
      const bad = await reply();
      assert.equal(bad.ok, false);
      assert.equal(bad.error.code, "OR102");
      r.ws.send(sealer.seal(await processes()).frame);
      assert.equal((await reply()).ok, true);
      r.ws.close();
      await r.closed;
    }
  });

  it("voids a challenge whose commit arrived before its deadline but was handled after it, the oracle's loop stalled", async () => {
    const { r, sealer, reply, challenge } = await live(nodes[0]);
    // One reader of the session's frames; the epoch loop runs until it has a challenge.
    let ch: any;
    const pushed = challenge().then((c) => (ch = c));
    const end = Date.now() + 60_000;
    while (!ch && Date.now() < end) {
      await oracle.scheduler.pass();
      await Promise.race([pushed, sleep(300)]);
    }
    assert.ok(ch, "no challenge was pushed to node 1");
    const run = await runGemm(ch.spec as GemmSpec, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
    const lead = oracle.scheduler.d.clock.leadMs;
    // Sent 150 ms before the deadline; the oracle's loop (this process) is then blocked past it.
    const wait = Number(ch.deadline) - lead - Date.now() - 150;
    assert.ok(wait > 0, "the deadline is ahead");
    await sleep(wait);
    r.ws.send(sealer.seal({ t: "commit", id: ch.challengeId, root: run.root }).frame);
    const busyUntil = Date.now() + 150 + cfg.voidLagMs + 300;
    while (Date.now() < busyUntil) {
      /* the oracle's own event loop is busy */
    }
    const answer = await reply();
    assert.equal(answer.ok, false);
    assert.equal(answer.error.code, "OR115");
    assert.equal(answer.error.details?.voided, true, JSON.stringify(answer));
    const row = oracle.db.prepare("SELECT verdict, reason FROM challenges WHERE id = ?").get(ch.challengeId) as { verdict: string; reason: string };
    assert.equal(row.verdict, "void", JSON.stringify(row));
    assert.match(row.reason, /stalled/);
    r.ws.close();
    await r.closed;
  });

  it("voids a challenge its own blocked event loop delayed, and those that fell due while it was down", async () => {
    // Node 4 runs the honest agent loop over its session while the oracle's loop is blocked
    // across its next due instant.
    const client = new SessionClient(oracle.url, nodes[3], { waitMs: 200 });
    const stop = new AbortController();
    const agent = runLoop({ client, solver: makeSolver({ executionProviders: ["cpu"], threads: 1 }), log: () => undefined, signal: stop.signal });
    const chainNow = () => Date.now() + oracle.scheduler.d.clock.leadMs;
    const node4 = nodes[3].address.toLowerCase();
    const planned = await until(
      () => (oracle.db.prepare("SELECT id, issue_at FROM challenges WHERE node = ? AND issued_at IS NULL AND verdict IS NULL AND issue_at > ? ORDER BY issue_at LIMIT 1").get(node4, chainNow() + 400) as { id: string; issue_at: number } | undefined),
      "a challenge planned ahead for node 4",
    );
    // Block the loop from before the due instant until past it plus voidLagMs.
    const wait = planned.issue_at - chainNow() - 150;
    if (wait > 0) await sleep(wait);
    const busyUntil = Date.now() + 150 + cfg.voidLagMs + 400;
    while (Date.now() < busyUntil) {
      /* the oracle's own event loop is busy */
    }
    await until(() => (oracle.db.prepare("SELECT verdict FROM challenges WHERE id = ?").get(planned.id) as { verdict: string | null }).verdict ?? undefined, "the delayed challenge's fate");
    const row = oracle.db.prepare("SELECT verdict, reason, issued_at FROM challenges WHERE id = ?").get(planned.id) as { verdict: string; reason: string; issued_at: number | null };
    assert.equal(row.verdict, "void", JSON.stringify(row));
    assert.match(row.reason, /after its due instant/);
    assert.equal(row.issued_at, null, "a voided challenge is not delivered");
    stop.abort();
    await agent;
    client.close();

    // Downtime: stop the oracle before node 3's next due instant, start it after.
    const next = await until(
      () => oracle.db.prepare("SELECT id, issue_at FROM challenges WHERE node = ? AND issued_at IS NULL AND verdict IS NULL AND issue_at > ? ORDER BY issue_at LIMIT 1").get(nodes[2].address.toLowerCase(), chainNow() + 300) as { id: string; issue_at: number } | undefined,
      "a challenge planned ahead for node 3",
    );
    const lead = oracle.scheduler.d.clock.leadMs;
    await oracle.stop();
    await sleep(Math.max(0, next.issue_at - (Date.now() + lead)) + 500);
    oracle = await startOracle(cfg, { runScheduler: false });
    // Node 3 is back before the first pass, when the downtime is not voided yet: nothing is pushed.
    const early = new SessionClient(oracle.url, nodes[2], { waitMs: 300 });
    try {
      const got = await early.next();
      assert.ok(!("challenge" in got), `pushed before the downtime was voided: ${"challenge" in got ? got.challenge.challengeId : ""}`);
      await oracle.scheduler.pass();
      const after = oracle.db.prepare("SELECT verdict, reason, issued_at FROM challenges WHERE id = ?").get(next.id) as { verdict: string; reason: string; issued_at: number | null };
      assert.equal(after.verdict, "void", JSON.stringify(after));
      assert.match(after.reason, /oracle down/);
      assert.equal(after.issued_at, null, "a challenge due while the oracle was down is not delivered");
    } finally {
      early.close();
    }
  });
});
