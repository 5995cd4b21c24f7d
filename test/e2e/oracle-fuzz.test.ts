/**
 * A fuzzer of the oracle's every route and session message, against a real oracle over real
 * HTTP and WebSocket connections (a black box: only the database digest and the process's RSS
 * are read from inside). Hostile input comes from test/support/fuzz/: while the chain is up,
 * every request gets a named 4xx, every refused session a close 4000 + its code (1009 when
 * oversize), nothing changes in the database, RSS stays bounded, and slow senders are cut off
 * within the configured timeouts. With the RPC endpoint cut, what needs the chain is a named 503.
 *
 * Size: POAI_FUZZ_RUNS (default 60) runs per property; POAI_FUZZ_SEED replays a seed.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import { bytesToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { parseConfig, type OracleConfig } from "../../oracle/config";
import { createLogger } from "../../oracle/logger";
import { startOracle, type OracleHandle } from "../../oracle/index";
import { closeCodeOf, SESSION_SUBPROTOCOL } from "../../protocol/session";
import { deployDevnet, HH_KEYS, registerNode, startHardhatNode, type Devnet, type HardhatNode } from "../support/oracle-devnet";
import { signedReport } from "../support/process-report";
import { signedFetch } from "../support/oracle-client";
import { signRequest } from "../../protocol/request-signer";
import { changedTables, tableDigests, type RowFilter } from "../support/db-digest";
import { parseExposition, sampleValue } from "../support/exposition";
import { exchange } from "../support/fuzz/raw-http";
import { closeCodeIn, malformedFrames, upgradeRequest } from "../support/fuzz/raw-ws";
import { fieldCases, httpPlanArb, materialize, mayBeOk, type FuzzContext } from "../support/fuzz/http-cases";
import { deepText } from "../support/fuzz/hostile";
import { framePlanArb, LOW_ORDER_KEYS, messageText, openingPlanArb } from "../support/fuzz/session-cases";
import { sendFrame, tryOpening } from "../support/fuzz/session-drive";
import { connect, openSession, signedOpening, type SessionTarget } from "../support/fuzz/session-probe";
import { assertNamedClose, assertNamedError, assertNamedHttp } from "../support/fuzz/verdicts";
import { plantChallenges, rssSampler, tcpRelay } from "../support/fuzz/harness";

const RUNS = Number(process.env.POAI_FUZZ_RUNS ?? 60);
const SEED = Number(process.env.POAI_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const fcOpts = (runs: number) => ({ numRuns: runs, seed: SEED, endOnFailure: true, includeErrorInReport: true });
/** Timeouts of the oracle under test, ms: small, so slow senders are cut off quickly. */
const T = { handshake: 300, heartbeat: 400, headers: 500, request: 1_000, keepAlive: 500 };
/** Slack on top of a timeout for the scheduling of two busy cores, ms. */
const SLACK = 1_500;
/** What a request refused for its body (or for the challenge it names) gets: past every auth check. */
const PAST_AUTH = new Set(["OR102", "OR111", "OR113", "OR114", "OR116", "OR118", "OR230", "OR231", "OR232", "OR233", "OR234", "OR235", "OR236"]);
/** Most the process's RSS may grow over the fuzz, bytes (runs are bounded, so memory must be too). */
const RSS_GROWTH = Number(process.env.POAI_FUZZ_RSS_MIB ?? 384) * 1024 * 1024;

describe(`oracle fuzz (runs ${RUNS}, seed ${SEED})`, { timeout: 600_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let cfg: OracleConfig;
  let oracle: OracleHandle;
  let ctx: FuzzContext;
  let target: SessionTarget;
  let flooder: ReturnType<typeof privateKeyToAccount>;
  const errors: string[] = [];
  /** Exceptions nothing caught: in a service process, each would have ended it. */
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  /** Nonces of session openings the oracle accepted: their rows are expected in the database. */
  const accepted = new Set<string>();
  const skipAccepted: RowFilter = (table, row) => table === "request_nonces" && accepted.has(String(row.nonce));
  let rss: ReturnType<typeof rssSampler>;
  let rssStart = 0;

  const digest = () => tableDigests(oracle.db, skipAccepted);
  const sf = () => ({ target, ctx, accepted });
  const unchanged = (before: Record<string, string>, what: string) =>
    assert.deepEqual(changedTables(before, digest()), [], `database changed by rejected input: ${what}`);

  before(async () => {
    process.on("uncaughtExceptionMonitor", onUncaught);
    hh = await startHardhatNode();
    dev = await deployDevnet(hh.url, { epochLength: 3_600, genesisDelay: 6 });
    const a = await registerNode(dev, HH_KEYS[1]);
    const b = await registerNode(dev, HH_KEYS[2]);
    flooder = b.node;
    cfg = parseConfig({
      rpcUrl: hh.url,
      deploymentFile: dev.deploymentFile,
      dbPath: join(dev.dir, "fuzz.sqlite"),
      port: 0,
      logLevel: "warn",
      maxBodyBytes: 64 * 1024,
      // Rate limits out of the way of the fuzz (the floods run on an oracle of their own).
      rateLimitPerSec: 10_000,
      rateLimitBurst: 100_000,
      sessionHandshakeMs: T.handshake,
      sessionHeartbeatMs: T.heartbeat,
      sessionOpensPerSec: 1_000,
      sessionOpenBurst: 1_000,
      httpHeadersTimeoutMs: T.headers,
      httpRequestTimeoutMs: T.request,
      httpKeepAliveTimeoutMs: T.keepAlive,
      processReportMinIntervalMs: 0,
    });
    const log = createLogger({ level: "warn", write: (line) => JSON.parse(line).level === "error" && errors.push(line) });
    oracle = await startOracle(cfg, { runScheduler: false, log });
    const info = await (await fetch(oracle.url + "/v1/info")).json();
    target = { url: oracle.url, chainId: info.chainId, registry: info.registry, oracle: info.oracle };
    const challenges = plantChallenges(oracle.db, a.node.address, b.node.address, Date.now());
    // One accepted request and one accepted session: their nonces are what replays reuse.
    const usedNonce = bytesToHex(randomBytes(32));
    const used = await signedFetch(oracle.url, { account: a.node, chainId: info.chainId, registry: info.registry }, "POST", "/v1/processes", await signedReport(a.node, { chainId: info.chainId, registry: info.registry, oracle: info.oracle }), { nonce: usedNonce });
    assert.equal(used.status, 200, JSON.stringify(used.json));
    const s = await openSession(target, a.node);
    accepted.add(s.nonce);
    s.probe.ws.close();
    ctx = {
      chainId: info.chainId,
      registry: info.registry,
      maxBodyBytes: cfg.maxBodyBytes,
      node: a.node,
      member: privateKeyToAccount(HH_KEYS[0]),
      stranger: privateKeyToAccount(generatePrivateKey()),
      challenges,
      usedNonce,
    };
    rssStart = process.memoryUsage.rss();
    rss = rssSampler();
  });

  after(async () => {
    process.off("uncaughtExceptionMonitor", onUncaught);
    rss?.stop();
    await oracle?.stop();
    await hh?.stop();
  });

  it("answers hostile requests on every route with a named 4xx and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(httpPlanArb(ctx), async (plan) => {
        const before = digest();
        const ex = await exchange(oracle.port, await materialize(plan, ctx), { timeoutMs: 10_000 });
        assertNamedHttp(ex, { mayBeOk: mayBeOk(plan), head: plan.method === "HEAD", what: `${plan.method} ${plan.route}` });
        unchanged(before, JSON.stringify(plan).slice(0, 400));
      }),
      fcOpts(RUNS * 4),
    );
  });

  it("refuses a path parameter that is not a valid percent-encoding, signed or not", async () => {
    const sign = { chainId: ctx.chainId, registry: ctx.registry, account: ctx.node };
    for (const bad of ["%", "%ZZ", "%E0%A4%A", "%C0%AF", "%ED%A0%80", "%FF"]) {
      for (const path of [`/v1/challenges/a${bad}/commit`, `/v1/challenges/a${bad}/open`, `/v1/nodes/${bad}/stats`, `/v1/rewards/${bad}`]) {
        const before = digest();
        const method = path.startsWith("/v1/challenges") ? "POST" : "GET";
        for (const ex of [
          await exchange(oracle.port, { method, target: path, headers: [["content-type", "application/json"]], body: Buffer.from("{}") }, { timeoutMs: 10_000 }),
          await exchange(oracle.port, await (async () => {
            const body = Buffer.from(JSON.stringify({ root: "0x" + "ab".repeat(32) }));
            const signed = await signRequest(sign, method, path, body);
            return { method, target: path, headers: [["content-type", "application/json"], ...Object.entries(signed.headers)] as [string, string][], body };
          })(), { timeoutMs: 10_000 }),
        ]) {
          assertNamedHttp(ex, { mayBeOk: false, what: `${method} ${path}` });
        }
        unchanged(before, path);
      }
    }
  });

  it("refuses every hostile value in every typed field of every signed route, over HTTP and in session messages", async () => {
    const sign = { chainId: ctx.chainId, registry: ctx.registry };
    const s = await openSession(target, ctx.node);
    accepted.add(s.nonce);
    let live = s;
    for (const c of fieldCases(ctx)) {
      const before = digest();
      const account = c.route === "committee" ? ctx.member : ctx.node;
      const res = await signedFetch(oracle.url, { ...sign, account }, "POST", c.path, undefined, { rawBody: Buffer.from(c.body) });
      assert.ok(res.status >= 400 && res.status < 500, `${c.what}: ${res.status} ${JSON.stringify(res.json)?.slice(0, 200)}`);
      assert.ok(PAST_AUTH.has(assertNamedError(res.json, c.what)), `${c.what}: refused before its body was looked at: ${res.json.error.code}`);
      if (c.route === "commit" || c.route === "open" || c.route === "processes") {
        const id = c.route === "processes" ? undefined : c.path.split("/")[3];
        if (live.probe.ended) {
          live = await openSession(target, ctx.node);
          accepted.add(live.nonce);
        }
        const re = live.send(messageText(c.route, id, c.body));
        const reply = await live.reply(re);
        if (reply === undefined) assertNamedClose(await live.probe.closed, `session ${c.what}`);
        else {
          assert.equal(reply.ok, false, `session ${c.what}: ${JSON.stringify(reply)}`);
          assert.ok(PAST_AUTH.has(assertNamedError(reply, `session ${c.what}`)), `session ${c.what}: ${reply.error.code}`);
        }
      }
      unchanged(before, c.what);
    }
    live.probe.ws.close();
  });

  it("reads a body at the size limit and refuses one byte past it, and refuses a body that is not JSON by its type", async () => {
    const sign = { chainId: ctx.chainId, registry: ctx.registry, account: ctx.node };
    const sized = (n: number) => {
      const head = '{"processes":[],"pad":"';
      return Buffer.from(head + "p".repeat(n - head.length - 2) + '"}');
    };
    for (const [n, status, code] of [[cfg.maxBodyBytes, 400, "OR102"], [cfg.maxBodyBytes + 1, 413, "OR103"]] as const) {
      const before = digest();
      const res = await signedFetch(oracle.url, sign, "POST", "/v1/processes", undefined, { rawBody: sized(n) });
      assert.equal(res.status, status, `${n} bytes: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.error.code, code);
      unchanged(before, `${n} bytes`);
    }
    // A valid body, validly signed, under another media type (or none): refused, not stored.
    for (const type of ["text/plain", "application/x-www-form-urlencoded", undefined]) {
      const before = digest();
      const res = await signedFetch(oracle.url, sign, "POST", "/v1/processes", await signedReport(ctx.node, { ...sign, oracle: target.oracle }), { headers: { "content-type": type } });
      assert.equal(res.status, 415, `${type}: ${JSON.stringify(res.json)}`);
      assert.equal(res.json.error.code, "OR121");
      unchanged(before, `content type ${type}`);
    }
  });

  it("accepts a signed request once when copies of it race, and refuses the rest as replays", async () => {
    const sign = { chainId: ctx.chainId, registry: ctx.registry, account: ctx.node };
    const body = Buffer.from(JSON.stringify(await signedReport(ctx.node, { ...sign, oracle: target.oracle })));
    const signed = await signRequest(sign, "POST", "/v1/processes", body);
    const count = () => (oracle.db.prepare("SELECT COUNT(*) AS n FROM request_nonces WHERE nonce = ?").get(signed.headers["x-poai-nonce"].toLowerCase()) as { n: number }).n;
    const answers = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const res = await fetch(oracle.url + "/v1/processes", { method: "POST", headers: { "content-type": "application/json", ...signed.headers }, body });
        return { status: res.status, json: await res.json() };
      }),
    );
    assert.equal(answers.filter((a) => a.status === 200).length, 1, JSON.stringify(answers.map((a) => a.status)));
    for (const a of answers.filter((a) => a.status !== 200)) assert.equal(a.json.error.code, "OR107");
    assert.equal(count(), 1);
  });

  it("refuses deep nesting in an answer that is otherwise right (it would overflow the stack where it is stored)", async () => {
    const sign = { chainId: ctx.chainId, registry: ctx.registry, account: ctx.node };
    const openings = ctx.challenges.committedOpenings.map((index) => ({ index, data: "0x", proof: [] }));
    const bodies = [
      `{"openings":${JSON.stringify(openings)},"extra":${deepText(10_000, "array")}}`,
      `{"openings":[{"index":${openings[0].index},"proof":[],"x":${deepText(10_000, "object")}}${JSON.stringify(openings.slice(1)).replace(/^\[/, ",")}}`,
    ];
    for (const body of bodies) {
      const before = digest();
      const res = await signedFetch(oracle.url, sign, "POST", `/v1/challenges/${ctx.challenges.committed}/open`, undefined, { rawBody: Buffer.from(body) });
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.equal(res.json.error.code, "OR102");
      const s = await openSession(target, ctx.node);
      accepted.add(s.nonce);
      const reply = await s.reply(s.send(messageText("open", ctx.challenges.committed, body)));
      assert.equal(reply?.error?.code, "OR102", JSON.stringify(reply));
      s.probe.ws.close();
      unchanged(before, "deep nesting");
    }
  });

  it("refuses every hostile session opening with a named close and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(openingPlanArb, async (plan) => {
        const before = digest();
        const r = await tryOpening(sf(), plan);
        const what = JSON.stringify(plan).slice(0, 300);
        assert.equal(r.ready, false, `a hostile opening was accepted: ${what}`);
        if (r.refusedStatus === undefined) {
          assert.ok(r.close, `the oracle kept a refused session open: ${what}`);
          assertNamedClose(r.close, what);
        }
        unchanged(before, what);
      }),
      fcOpts(RUNS),
    );
  });

  it("refuses every hostile frame after a good opening (a named reply or close) and changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(framePlanArb(ctx), { minLength: 1, maxLength: 4 }), async (plans) => {
        const before = digest();
        const s = await openSession(target, ctx.node);
        accepted.add(s.nonce);
        for (const plan of plans) if (!(await sendFrame(sf(), s, plan))) break;
        s.probe.ws.close();
        // Pushed challenges are fine; any other message is a reply, and none accepted anything.
        for (const m of s.messages) assert.ok(m.t === "challenge" || (m.t === "reply" && m.ok === false), JSON.stringify(m).slice(0, 300));
        unchanged(before, JSON.stringify(plans).slice(0, 400));
      }),
      fcOpts(RUNS),
    );
  });

  it("cuts off slow HTTP senders within the configured timeouts, with a named 408", async () => {
    const port = oracle.port;
    const bound = (ms: number) => ms + SLACK;
    // A connection that sends nothing, half the headers, or the headers and half the body.
    for (const [what, bytes, limit] of [
      ["silent", Buffer.alloc(0), T.headers],
      ["half the headers", Buffer.from("POST /v1/processes HTTP/1.1\r\nhost: x\r\n"), T.headers],
      ["half the body", Buffer.from("POST /v1/processes HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"), T.request],
    ] as const) {
      const ex = await exchange(port, bytes.length ? bytes : [], { timeoutMs: bound(limit) + 30_000 });
      assert.ok(ex.closedAfterMs < bound(limit), `${what}: held ${ex.closedAfterMs.toFixed(0)} ms`);
      const r = assertNamedHttp(ex, { mayBeOk: false, what });
      assert.equal(r.status, 408, what);
    }
    // Headers dripped a byte at a time: the headers timeout counts from the first byte.
    const drip = [...Buffer.from("GET /v1/info HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: " + "a".repeat(60))].map((b) => Buffer.from([b]));
    const dripped = await exchange(port, drip, { timeoutMs: 30_000, gapMs: 25 });
    assert.ok(dripped.closedAfterMs < bound(T.headers), `drip: held ${dripped.closedAfterMs.toFixed(0)} ms`);
    assert.equal(assertNamedHttp(dripped, { mayBeOk: false, what: "drip" }).status, 408);
    // An idle keep-alive connection after one answer.
    const idle = await exchange(port, Buffer.from("GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n"), { timeoutMs: 30_000 });
    assert.equal(idle.response?.status, 200);
    assert.ok(idle.closedAfterMs < bound(T.keepAlive), `keep-alive: held ${idle.closedAfterMs.toFixed(0)} ms`);
  });

  it("cuts off session peers that send no opening, ignore the close, or stop answering pings", async () => {
    const bound = (ms: number) => ms + SLACK;
    // A WebSocket upgrade with no opening frame: closed with OR104 in time.
    const t0 = performance.now();
    const p = connect(target);
    const c = await p.closed;
    assert.equal(c.code, closeCodeOf("OR104"));
    assert.ok(performance.now() - t0 < bound(T.handshake), `no opening: held ${(performance.now() - t0).toFixed(0)} ms`);
    // The same over a bare socket that never answers the close frame.
    const bare = await exchange(oracle.port, upgradeRequest(), { timeoutMs: 60_000 });
    assert.equal(bare.response?.status, 101);
    assert.ok(bare.closedAfterMs < bound(2 * T.handshake), `bare upgrade: held ${bare.closedAfterMs.toFixed(0)} ms`);
    // A session whose peer stops answering pings: ended within two heartbeats.
    const s = await openSession(target, ctx.node, { autoPong: false });
    accepted.add(s.nonce);
    const t1 = performance.now();
    await s.probe.closed;
    assert.ok(performance.now() - t1 < bound(3 * T.heartbeat), `silent session: held ${(performance.now() - t1).toFixed(0)} ms`);
  });

  it("answers requests node's HTTP parser refuses, CONNECT and unmet expectations with a named 4xx", async () => {
    const cases: [string, string][] = [
      ["no host", "POST /v1/processes HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"],
      ["bad request line", "GARBAGE\r\n\r\n"],
      ["lower-case method", "get /v1/info HTTP/1.1\r\nhost: x\r\n\r\n"],
      ["control byte in a header", "GET /v1/info HTTP/1.1\r\nhost: x\r\nx-a\u0001: b\r\n\r\n"],
      ["headers over the size limit", `GET /v1/info HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(20_000)}\r\n\r\n`],
      ["content-length and chunked", "POST /v1/processes HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n"],
      ["bad chunk", "POST /v1/processes HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n\r\n"],
      ["unmet expectation", "POST /v1/processes HTTP/1.1\r\nhost: x\r\nexpect: garbage\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"],
      ["CONNECT", "CONNECT 127.0.0.1:1 HTTP/1.1\r\nhost: 127.0.0.1:1\r\n\r\n"],
      ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
    ];
    for (const [what, text] of cases) {
      const before = digest();
      const ex = await exchange(oracle.port, Buffer.from(text, "latin1"), { timeoutMs: 10_000 });
      assertNamedHttp(ex, { mayBeOk: false, what });
      unchanged(before, what);
    }
  });

  it("answers malformed WebSocket upgrades with a named 4xx", async () => {
    const key = Buffer.from("0123456789abcdef").toString("base64");
    const cases: [string, string][] = [
      ["upgrade by POST", `POST /v1/session HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: ${key}\r\nsec-websocket-version: 13\r\n\r\n`],
      ["upgrade without key", "GET /v1/session HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-version: 13\r\n\r\n"],
      ["upgrade with a bad version", `GET /v1/session HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: ${key}\r\nsec-websocket-version: 7\r\n\r\n`],
      ["upgrade to another protocol", "GET /v1/session HTTP/1.1\r\nhost: x\r\nupgrade: h2c\r\nconnection: upgrade\r\n\r\n"],
      ["upgrade without the subprotocol", `GET /v1/session HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: ${key}\r\nsec-websocket-version: 13\r\n\r\n`],
      ["upgrade with a bad subprotocol list", `GET /v1/session HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: ${key}\r\nsec-websocket-version: 13\r\nsec-websocket-protocol: a,,b\r\n\r\n`],
      ["upgrade elsewhere", `GET /v1/info HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\nsec-websocket-key: ${key}\r\nsec-websocket-version: 13\r\n\r\n`],
    ];
    for (const [what, text] of cases) {
      const before = digest();
      const ex = await exchange(oracle.port, Buffer.from(text, "latin1"), { timeoutMs: 10_000 });
      assertNamedHttp(ex, { mayBeOk: false, what });
      unchanged(before, what);
    }
  });

  it("holds under floods from unregistered and registered keys, over HTTP and sessions", async () => {
    const flooded = await startOracle(
      { ...cfg, dbPath: join(dev.dir, "fuzz-flood.sqlite"), rateLimitPerSec: 5, rateLimitBurst: 20, maxConnectionsPerSource: 16 },
      { runScheduler: false, log: createLogger({ level: "warn", write: (line) => JSON.parse(line).level === "error" && errors.push(line) }) },
    );
    try {
      const t = { ...target, url: flooded.url };
      const before = tableDigests(flooded.db);
      const sign = { chainId: ctx.chainId, registry: ctx.registry };
      // Unregistered keys: each a valid signature, each refused as unknown.
      const strangers = await Promise.all(
        Array.from({ length: 30 }, () => signedFetch(flooded.url, { ...sign, account: privateKeyToAccount(generatePrivateKey()) }, "POST", "/v1/processes", { processes: [] })),
      );
      for (const r of strangers) assert.equal(r.json?.error?.code, "OR108", JSON.stringify(r.json));
      // A registered key past its burst over HTTP (signed first, sent at once), then over a session
      // (frames share the node's bucket): refused as rate-limited, never served.
      const body = Buffer.from(JSON.stringify({ processes: "x" }));
      const ahead = [];
      for (let i = 0; i < 60; i++) ahead.push(await signRequest({ ...sign, account: flooder }, "POST", "/v1/processes", body));
      const flood = await Promise.all(
        ahead.map(async (r) => (await fetch(flooded.url + "/v1/processes", { method: "POST", headers: { "content-type": "application/json", ...r.headers }, body })).json()),
      );
      const codes = flood.map((j) => j?.error?.code);
      assert.ok(codes.includes("OR110"), `no request was rate-limited: ${[...new Set(codes)]}`);
      assert.deepEqual([...new Set(codes)].filter((c) => c !== "OR110" && c !== "OR102"), []);
      await new Promise((r) => setTimeout(r, 1_000)); // a token for the opening
      const fs = await openSession(t, flooder);
      const seqs = Array.from({ length: 60 }, () => fs.send('{"t":"nope"}'));
      assert.ok(await fs.probe.until(() => (fs.drain(), fs.messages.filter((m) => m.t === "reply").length === seqs.length), 10_000), "not every flooded frame was answered");
      const frameCodes = fs.messages.filter((m) => m.t === "reply").map((m) => (assert.equal(m.ok, false), assertNamedError(m, "flooded frame")));
      assert.ok(frameCodes.includes("OR110"), `no frame was rate-limited: ${[...new Set(frameCodes)]}`);
      fs.probe.ws.close();
      await fs.probe.closed;
      // Session connections from one source past its limit: refused at the upgrade.
      const held = Array.from({ length: 24 }, () => connect(t));
      await Promise.all(held.map((p) => p.opened(3_000)));
      const refused = held.filter((p) => p.refused);
      assert.ok(refused.length > 0, "no connection over the per-source limit was refused");
      for (const p of refused) assert.equal(assertNamedError(p.refused!.json, "upgrade over the limit"), "OR110");
      for (const p of held) p.ws.terminate();
      await Promise.all(held.map((p) => p.closed));
      // Openings by unregistered keys: each refused as unknown.
      for (let i = 0; i < 10; i++) {
        const p = connect(t);
        await p.opened();
        p.ws.send(JSON.stringify((await signedOpening(t, privateKeyToAccount(generatePrivateKey()))).frame));
        assert.equal((await p.closed).code, closeCodeOf("OR108"));
      }
      // Only the one accepted opening was written.
      assert.deepEqual(changedTables(before, tableDigests(flooded.db, (table, row) => table === "request_nonces" && row.nonce === fs.nonce)), []);
    } finally {
      await flooded.stop();
    }
  });

  it("closes the connection on malformed WebSocket frames, before and after the opening, and stays up", async () => {
    for (const f of malformedFrames(cfg.maxBodyBytes)) {
      const before = digest();
      const ex = await exchange(oracle.port, [upgradeRequest(), f.bytes], { timeoutMs: 10_000, gapMs: 50 });
      assert.equal(ex.response?.status, 101, f.what);
      const code = closeCodeIn(ex.bytes);
      assert.ok(code !== undefined && f.codes.includes(code), `${f.what}: close ${code}`);
      unchanged(before, f.what);
    }
    for (const f of malformedFrames(cfg.maxBodyBytes)) {
      const s = await openSession(target, ctx.node);
      accepted.add(s.nonce);
      (s.probe.ws as unknown as { _socket: import("node:net").Socket })._socket.write(f.bytes);
      const c = await s.probe.closed;
      assert.ok(f.codes.includes(c.code) || c.code === 1006, `${f.what} after the opening: close ${c.code}`);
    }
    assert.deepEqual(uncaught.map(String), []);
  });

  it("refuses low-order client keys even with a valid signature", async () => {
    for (const key of LOW_ORDER_KEYS) {
      const before = digest();
      const r = await tryOpening(sf(), { kind: "signed", mutation: { kind: "client-key", key } });
      assert.equal(r.ready, false);
      assert.equal(r.close?.code, closeCodeOf("OR104"), `${key}: ${JSON.stringify(r.close)}`);
      unchanged(before, `low-order key ${key}`);
    }
  });

  it("answers what needs the chain with a named 503 while the RPC endpoint is down", async () => {
    const relay = await tcpRelay(Number(new URL(hh.url).port));
    const dark = await startOracle(
      { ...cfg, rpcUrl: relay.url, rpcRetries: 1, registryCacheMs: 0, dbPath: join(dev.dir, "fuzz-dark.sqlite") },
      { runScheduler: false, log: createLogger({ level: "error", write: () => undefined }) },
    );
    try {
      await relay.cut();
      const sign = { chainId: ctx.chainId, registry: ctx.registry };
      const answers: [string, { status: number; json: any }][] = [
        ["node request", await signedFetch(dark.url, { ...sign, account: ctx.node }, "POST", "/v1/processes", { processes: [] })],
        ["committee request", await signedFetch(dark.url, { ...sign, account: ctx.member }, "POST", "/v1/committee/sign", { epoch: "0", inputs: {}, report: {}, slashes: [] })],
      ];
      for (const path of ["/v1/nodes", `/v1/rewards/${ctx.node.address}`]) {
        const res = await fetch(dark.url + path);
        answers.push([path, { status: res.status, json: await res.json() }]);
      }
      for (const [what, r] of answers) {
        assert.equal(r.status, 503, `${what}: ${JSON.stringify(r.json)}`);
        assertNamedError(r.json, what);
      }
      // Whatever does not need the chain still answers as before.
      assert.equal((await fetch(dark.url + "/v1/info")).status, 200);
      const bad = await signedFetch(dark.url, { ...sign, account: ctx.node }, "POST", "/v1/processes", { processes: [] }, { headers: { "x-poai-signature": "0x12" } });
      assert.equal(bad.json?.error?.code, "OR104");
      const p = connect({ ...target, url: dark.url });
      await p.opened();
      p.ws.send(JSON.stringify((await signedOpening({ ...target, url: dark.url }, ctx.node)).frame));
      assert.equal((await p.closed).code, closeCodeOf("OR119"));
      // Every hostile request: a named 4xx as before, or a named 503 where it needed the chain.
      await fc.assert(
        fc.asyncProperty(httpPlanArb(ctx), async (plan) => {
          const ex = await exchange(dark.port, await materialize(plan, ctx), { timeoutMs: 10_000 });
          assertNamedHttp(ex, { mayBeOk: mayBeOk(plan), head: plan.method === "HEAD", chainDown: true, what: `${plan.method} ${plan.route}` });
        }),
        fcOpts(RUNS),
      );
    } finally {
      await dark.stop();
    }
  });

  it("logs no internal error, counts none, and keeps its memory bounded", async (t) => {
    const peak = rss.stop();
    t.diagnostic(`RSS grew ${((peak - rssStart) / 2 ** 20).toFixed(0)} MiB over the fuzz (bound ${RSS_GROWTH / 2 ** 20} MiB)`);
    assert.ok(peak - rssStart < RSS_GROWTH, `RSS grew ${((peak - rssStart) / 2 ** 20).toFixed(0)} MiB over the fuzz`);
    assert.deepEqual(errors, []);
    const m = parseExposition(await (await fetch(oracle.url + "/metrics")).text());
    assert.equal(sampleValue(m, "poai_http_rejected_total", { code: "OR120" }) ?? 0, 0, "internal errors counted");
    assert.deepEqual(uncaught.map(String), [], "exceptions no one caught");
    assert.equal((await fetch(oracle.url + "/healthz")).status, 200);
  });
});
