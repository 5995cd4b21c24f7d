/**
 * The oracle API against a real Hardhat node and the deployed contracts: every kind of bad request
 * gets its documented 4xx code and leaves the database exactly as it was (every table's rows
 * compared before and after). The epoch loop is driven by hand (`scheduler.pass()`), so nothing
 * else writes to the database between the two snapshots.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { connect } from "node:net";
import { join } from "node:path";
import { bytesToHex, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { AUTH_HEADERS } from "../../protocol";
import type { GemmSpec } from "../../engine/gemm/spec";
import { openGemm, runGemm } from "../../engine/gemm/kernel";
import { encodeGemmOpening } from "../../protocol/wire/gemm";
import { parseConfig, type OracleConfig } from "../../oracle/config";
import { startOracle, type OracleHandle } from "../../oracle/index";
import { deployDevnet, fundRewards, HH_KEYS, registerNode, startHardhatNode, E18, type Devnet, type HardhatNode } from "../support/oracle-devnet";
import { openBody, signedFetch } from "../support/oracle-client";
import { challengeEvidenceProblems } from "../../oracle/evidence";
import { GemmWork } from "../../oracle/work-gemm";
import { epochSeed } from "../../oracle/store/epochs";
import { getEvidence } from "../../oracle/store/evidence";
import { epochKeys, memberSecret } from "../../protocol/keys";
import { signedReport } from "../support/process-report";
import { parseExposition, sampleValue } from "../support/exposition";
import { dbDigest } from "../support/db-digest";

const snapshot = (db: Parameters<typeof dbDigest>[0]) => dbDigest(db);

const MAX_BODY = 64 * 1024;
const HEADERS_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;

describe("oracle API", { timeout: 240_000 }, () => {
  let hh: HardhatNode;
  let dev: Devnet;
  let oracle: OracleHandle;
  let cfg: OracleConfig;
  let ctx: { account: ReturnType<typeof privateKeyToAccount>; chainId: number; registry: `0x${string}` };
  let ctx2: typeof ctx;
  let rateCtx: typeof ctx;
  /** A fresh, valid process report of `account` for this oracle (the body of POST /v1/processes). */
  let report: (account: ReturnType<typeof privateKeyToAccount>) => ReturnType<typeof signedReport>;

  /** Sends a request and asserts its status, error code and an unchanged database. */
  async function rejects(status: number, code: string, send: () => Promise<{ status: number; json: any }>) {
    await oracle.scheduler.judged(); // judging started by a pass runs beside the passes
    const before = snapshot(oracle.db);
    const res = await send();
    assert.equal(res.status, status, `status for ${code}: ${JSON.stringify(res.json)}`);
    assert.equal(res.json?.error?.code, code, JSON.stringify(res.json));
    assert.equal(typeof res.json.error.message, "string");
    assert.equal(dbDigest(oracle.db), before, `database changed by a rejected request (${code})`);
  }

  before(async () => {
    hh = await startHardhatNode();
    dev = await deployDevnet(hh.url, { epochLength: 10, genesisDelay: 6 });
    await fundRewards(dev, 10_000n * E18);
    const n1 = await registerNode(dev, HH_KEYS[1]);
    const n2 = await registerNode(dev, HH_KEYS[2]);
    const n3 = await registerNode(dev, HH_KEYS[3]);
    cfg = parseConfig({
      rpcUrl: hh.url,
      deploymentFile: dev.deploymentFile,
      dbPath: join(dev.dir, "api.sqlite"),
      port: 0,
      logLevel: "error",
      epochChallenges: 4,
      issueWindowBps: 1_000,
      gemmMaxN: 512,
      challengeTargetMs: 100,
      maxBodyBytes: MAX_BODY,
      httpHeadersTimeoutMs: HEADERS_TIMEOUT_MS,
      httpRequestTimeoutMs: REQUEST_TIMEOUT_MS,
      rateLimitPerSec: 5,
      rateLimitBurst: 10,
      clockSkewMs: 30_000,
      processReportMinIntervalMs: 0,
    });
    oracle = await startOracle(cfg, { runScheduler: false });
    ctx = { account: n1.node, chainId: dev.chainId, registry: dev.addresses.NodeRegistry };
    ctx2 = { ...ctx, account: n2.node };
    rateCtx = { ...ctx, account: n3.node };
    const oracleAddress = (await (await fetch(oracle.url + "/v1/info")).json()).oracle;
    report = (account) => signedReport(account, { chainId: dev.chainId, registry: dev.addresses.NodeRegistry, oracle: oracleAddress });
  });

  after(async () => {
    await oracle?.stop();
    await hh?.stop();
  });

  it("serves the public read API with CORS", async () => {
    const info = await (await fetch(oracle.url + "/v1/info")).json();
    assert.equal(info.chainId, dev.chainId);
    assert.equal(info.registry, dev.addresses.NodeRegistry);
    assert.equal(info.epochLength, 10);
    const pre = await fetch(oracle.url + "/v1/challenges/next", { method: "OPTIONS" });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "*");
    assert.match(pre.headers.get("access-control-allow-headers") ?? "", /x-poai-signature/);
    const nodes = await (await fetch(oracle.url + "/v1/nodes")).json();
    assert.equal(nodes.nodes.length, 3);
    assert.equal(nodes.nodes[0].status, "Active");
    const health = await fetch(oracle.url + "/healthz");
    assert.equal(health.status, 200);
    const metrics = await (await fetch(oracle.url + "/metrics")).text();
    assert.match(metrics, /# TYPE poai_challenges_issued_total counter/);
    assert.match(metrics, /# TYPE poai_verification_seconds histogram/);
  });

  it("rejects malformed JSON with a valid signature (OR101)", async () => {
    await rejects(400, "OR101", () => signedFetch(oracle.url, ctx, "POST", "/v1/processes", undefined, { rawBody: new TextEncoder().encode("{not json") }));
  });

  it("rejects a request without signature headers (OR104)", async () => {
    await rejects(401, "OR104", () => signedFetch(oracle.url, ctx, "POST", "/v1/challenges/next", {}, { headers: { [AUTH_HEADERS.signature]: undefined } }));
    await rejects(401, "OR104", async () => {
      const res = await fetch(oracle.url + "/v1/challenges/next", { method: "POST", body: "{}" });
      return { status: res.status, json: await res.json() };
    });
  });

  it("rejects a signature by another key (OR105)", async () => {
    const other = privateKeyToAccount(generatePrivateKey());
    await rejects(401, "OR105", () =>
      signedFetch(oracle.url, { ...ctx, account: other }, "POST", "/v1/challenges/next", {}, { headers: { [AUTH_HEADERS.node]: ctx.account.address } }),
    );
    await rejects(401, "OR104", () => signedFetch(oracle.url, ctx, "POST", "/v1/challenges/next", {}, { headers: { [AUTH_HEADERS.signature]: "0x1234" } }));
  });

  it("rejects a signature for another chain id or another registry (OR105)", async () => {
    await rejects(401, "OR105", () => signedFetch(oracle.url, { ...ctx, chainId: 1 }, "POST", "/v1/challenges/next", {}));
    await rejects(401, "OR105", () =>
      signedFetch(oracle.url, { ...ctx, registry: dev.addresses.Settlement }, "POST", "/v1/challenges/next", {}),
    );
  });

  it("rejects a body or path other than the signed one (OR105)", async () => {
    await rejects(401, "OR105", async () => {
      const { signRequest } = await import("../../protocol/request-signer");
      const signed = await signRequest(ctx, "POST", "/v1/processes", new TextEncoder().encode(JSON.stringify(await report(ctx.account))));
      const res = await fetch(oracle.url + "/v1/processes", {
        method: "POST",
        headers: { "content-type": "application/json", ...signed.headers },
        body: JSON.stringify(await report(ctx.account)),
      });
      return { status: res.status, json: await res.json() };
    });
    await rejects(401, "OR105", async () => {
      const { signRequest } = await import("../../protocol/request-signer");
      const body = new TextEncoder().encode("{}");
      const signed = await signRequest(ctx, "POST", "/v1/processes", body);
      const res = await fetch(oracle.url + "/v1/challenges/next", { method: "POST", headers: { "content-type": "application/json", ...signed.headers }, body });
      return { status: res.status, json: await res.json() };
    });
  });

  it("rejects a stale or future timestamp (OR106)", async () => {
    const now = BigInt(Math.floor(Date.now() / 1000));
    await rejects(401, "OR106", () => signedFetch(oracle.url, ctx, "POST", "/v1/challenges/next", {}, { timestamp: now - 120n }));
    await rejects(401, "OR106", () => signedFetch(oracle.url, ctx, "POST", "/v1/challenges/next", {}, { timestamp: now + 120n }));
  });

  it("accepts a nonce once and rejects its replay (OR107)", async () => {
    const nonce = bytesToHex(randomBytes(32));
    const first = await signedFetch(oracle.url, ctx, "POST", "/v1/processes", await report(ctx.account), { nonce });
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const row = oracle.db.prepare("SELECT * FROM request_nonces WHERE nonce = ?").get(nonce);
    assert.ok(row, "the accepted nonce is recorded");
    const again = await report(ctx.account);
    await rejects(409, "OR107", () => signedFetch(oracle.url, ctx, "POST", "/v1/processes", again, { nonce }));
  });

  it("rejects an oversized body (OR103)", async () => {
    const big = { ...(await report(ctx.account)), pad: "y".repeat(70 * 1024) };
    await rejects(413, "OR103", () => signedFetch(oracle.url, ctx, "POST", "/v1/processes", big));
  });

  it("accepts a body of exactly maxBodyBytes and rejects one byte more (OR103), closing the connection", async () => {
    const json = JSON.stringify(await report(ctx2.account));
    // Trailing whitespace keeps the body valid JSON at any length.
    const at = new TextEncoder().encode(json + " ".repeat(MAX_BODY - json.length));
    assert.equal(at.length, MAX_BODY);
    const ok = await signedFetch(oracle.url, ctx2, "POST", "/v1/processes", undefined, { rawBody: at });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    const past = new TextEncoder().encode(json + " ".repeat(MAX_BODY + 1 - json.length));
    let headers: Headers | undefined;
    await rejects(413, "OR103", async () => {
      const res = await signedFetch(oracle.url, ctx2, "POST", "/v1/processes", undefined, { rawBody: past });
      headers = res.headers;
      return res;
    });
    assert.equal(headers?.get("connection"), "close");
  });

  it("rejects a body that is not application/json (OR121)", async () => {
    await rejects(415, "OR121", () =>
      signedFetch(oracle.url, ctx2, "POST", "/v1/processes", {}, { headers: { "content-type": "text/plain" } }),
    );
    // Parameters are allowed; the agent sends plain application/json.
    const res = await signedFetch(oracle.url, ctx2, "POST", "/v1/processes", await report(ctx2.account), { headers: { "content-type": "application/json; charset=utf-8" } });
    assert.equal(res.status, 200, JSON.stringify(res.json));
  });

  it("rejects a non-finite or unsafe number anywhere in a body, naming the field (OR102)", async () => {
    const raw = (text: string) => ({ rawBody: new TextEncoder().encode(text) });
    for (const [path, body, field] of [
      // JSON.parse reads 1e999 as Infinity.
      ["/v1/processes", '{"processes":[{"pid":1,"name":"x","usedMemoryMiB":1e999}]}', "processes.0.usedMemoryMiB"],
      ["/v1/processes", '{"processes":[{"pid":9007199254740993,"name":"x","usedMemoryMiB":1}]}', "processes.0.pid"],
      // A field the schema passes through unchecked.
      ["/v1/challenges/next", '{"x":[-1e999]}', "x.0"],
    ]) {
      let message = "";
      await rejects(400, "OR102", async () => {
        const res = await signedFetch(oracle.url, ctx2, "POST", path, undefined, raw(body));
        message = res.json?.error?.message ?? "";
        return res;
      });
      assert.ok(message.startsWith(`${field}: number must be finite`), message);
    }
  });

  it("closes the connection of a sender that stalls its headers or its body (OR122)", async () => {
    /** Writes `data`, then nothing; resolves when the oracle closes the connection (or after 15 s). */
    async function stall(data: string): Promise<{ ms: number; answer: string }> {
      const s = connect(oracle.port, "127.0.0.1");
      s.setTimeout(15_000, () => s.destroy());
      let answer = "";
      s.on("data", (d) => (answer += d));
      await once(s, "connect");
      const t0 = Date.now();
      s.write(data);
      await once(s, "close");
      return { ms: Date.now() - t0, answer };
    }
    const before = snapshot(oracle.db);
    const slack = 1_500;
    const headers = await stall("POST /v1/processes HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: appl");
    assert.ok(headers.ms >= HEADERS_TIMEOUT_MS * 0.9 && headers.ms < HEADERS_TIMEOUT_MS + slack, `headers stall closed after ${headers.ms} ms`);
    assert.match(headers.answer, /^HTTP\/1\.1 408 [^]*"code":"OR122"/);
    const body = await stall("POST /v1/processes HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{");
    assert.ok(body.ms >= REQUEST_TIMEOUT_MS * 0.9 && body.ms < REQUEST_TIMEOUT_MS + slack, `body stall closed after ${body.ms} ms`);
    assert.match(body.answer, /^HTTP\/1\.1 408 [^]*"code":"OR122"/);
    assert.equal(snapshot(oracle.db), before);
  });

  it("rejects an unknown node (OR108)", async () => {
    const stranger = privateKeyToAccount(generatePrivateKey());
    await rejects(403, "OR108", () => signedFetch(oracle.url, { ...ctx, account: stranger }, "POST", "/v1/challenges/next", {}));
  });

  it("rejects a schema violation (OR102)", async () => {
    const r = await report(ctx.account);
    await rejects(400, "OR102", () => signedFetch(oracle.url, ctx, "POST", "/v1/processes", { processes: [{ pid: -1, name: "x", usedMemoryMiB: 1 }] }));
    await rejects(400, "OR102", () => signedFetch(oracle.url, ctx, "POST", "/v1/processes", { ...r, report: { ...r.report, processes: [{ pid: -1 }] } }));
    await rejects(400, "OR102", () => signedFetch(oracle.url, ctx, "POST", "/v1/challenges/abc/commit", { root: "0x12" }));
    await rejects(400, "OR102", () => signedFetch(oracle.url, ctx, "POST", "/v1/processes", { ...r, extra: 1 }));
  });

  it("rejects a committee request from a non-member (OR117)", async () => {
    await rejects(403, "OR117", () =>
      signedFetch(oracle.url, ctx, "POST", "/v1/committee/sign", { epoch: "1", inputs: {}, report: {}, slashes: [] }),
    );
  });

  it("rejects unknown routes and methods (OR111, OR112)", async () => {
    await rejects(404, "OR111", async () => {
      const res = await fetch(oracle.url + "/v1/nope");
      return { status: res.status, json: await res.json() };
    });
    await rejects(405, "OR112", async () => {
      const res = await fetch(oracle.url + "/v1/info", { method: "POST", body: "{}" });
      return { status: res.status, json: await res.json() };
    });
  });

  it("rate-limits a node beyond its burst (OR110)", async () => {
    let limited = false;
    // Bound: burst 10 at 5/s; sent back to back (well over 5/s), a request within the first 60 is limited.
    for (let i = 0; i < 60 && !limited; i++) {
      const before = dbDigest(oracle.db);
      const res = await signedFetch(oracle.url, rateCtx, "POST", "/v1/processes", await report(rateCtx.account));
      if (res.status === 429) {
        limited = true;
        assert.equal(res.json.error.code, "OR110");
        assert.equal(dbDigest(oracle.db), before, "a rate-limited request changed the database");
      } else assert.equal(res.status, 200);
    }
    assert.ok(limited, "no request was rate-limited");
  });

  it("runs a challenge: commit, openings, verdict; rejects the wrong node, a second commit and wrong openings", async () => {
    // Drive the epoch loop until a challenge is due for node 1 (commitment, schedule).
    let ch: any;
    const deadline = Date.now() + 60_000;
    while (!ch && Date.now() < deadline) {
      await oracle.scheduler.pass();
      const res = await signedFetch(oracle.url, ctx, "POST", "/v1/challenges/next", {});
      if (res.status === 200) ch = res.json;
      else {
        assert.equal(res.status, 204);
        // Whole seconds, as on a 429 (protocol/retry-after.ts): the oracle waits 1,000 ms.
        assert.equal(res.headers.get("retry-after"), "1");
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    assert.ok(ch, "no challenge became due");
    assert.equal(ch.kind, "gemm");
    const run = await runGemm(ch.spec as GemmSpec, { executionProviders: ["cpu"], intraOpNumThreads: 1 });

    await rejects(403, "OR113", () => signedFetch(oracle.url, ctx2, "POST", `/v1/challenges/${ch.challengeId}/commit`, { root: run.root }));
    await rejects(409, "OR114", async () =>
      signedFetch(oracle.url, ctx, "POST", `/v1/challenges/${ch.challengeId}/open`, await openBody(ctx, ch.challengeId, { spec: ch.spec, root: run.root }, [{ index: 0, data: "0x", proof: [] }])),
    );
    await rejects(404, "OR111", () => signedFetch(oracle.url, ctx, "POST", `/v1/challenges/0xdeadbeef/commit`, { root: run.root }));

    const commit = await signedFetch(oracle.url, ctx, "POST", `/v1/challenges/${ch.challengeId}/commit`, { root: run.root });
    assert.equal(commit.status, 200, JSON.stringify(commit.json));
    assert.ok(Array.isArray(commit.json.openings) && commit.json.openings.length === 4);
    await rejects(409, "OR114", () => signedFetch(oracle.url, ctx, "POST", `/v1/challenges/${ch.challengeId}/commit`, { root: run.root }));

    const openings = openGemm(run, commit.json.openings).map(encodeGemmOpening);
    const shuffled = [...openings].reverse();
    const of = { spec: ch.spec, root: run.root };
    await rejects(400, "OR116", async () => signedFetch(oracle.url, ctx, "POST", `/v1/challenges/${ch.challengeId}/open`, await openBody(ctx, ch.challengeId, of, shuffled)));
    // The answer's signature is part of the body: an open without one is refused by its schema.
    await rejects(400, "OR102", () => signedFetch(oracle.url, ctx, "POST", `/v1/challenges/${ch.challengeId}/open`, { openings }));
    const open = await signedFetch(oracle.url, ctx, "POST", `/v1/challenges/${ch.challengeId}/open`, await openBody(ctx, ch.challengeId, of, openings));
    assert.equal(open.status, 200, JSON.stringify(open.json));
    assert.equal(open.json.verdict, "pass", open.json.reason);
    await rejects(409, "OR114", async () => signedFetch(oracle.url, ctx, "POST", `/v1/challenges/${ch.challengeId}/open`, await openBody(ctx, ch.challengeId, of, openings)));
    const metrics = await (await fetch(oracle.url + "/metrics")).text();
    assert.match(metrics, /poai_challenges_verified_total\{kind="gemm"\} 1/);
  });

  it("catches a wrong row: verdict fraud with evidence", async () => {
    let ch: any;
    const deadline = Date.now() + 60_000;
    while (!ch && Date.now() < deadline) {
      await oracle.scheduler.pass();
      const res = await signedFetch(oracle.url, ctx2, "POST", "/v1/challenges/next", {});
      if (res.status === 200) ch = res.json;
      else await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(ch, "no challenge became due for node 2");
    const run = await runGemm(ch.spec as GemmSpec, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
    const commit = await signedFetch(oracle.url, ctx2, "POST", `/v1/challenges/${ch.challengeId}/commit`, { root: run.root });
    assert.equal(commit.status, 200);
    const openings = openGemm(run, commit.json.openings).map((o, i) => {
      // A made-up row (every value off by one) in the first opening; the fingerprint group and
      // proof stay the committed ones.
      const row = i === 0 ? o.row.map((x) => x + 1) : o.row;
      return encodeGemmOpening({ ...o, row });
    });
    const open = await signedFetch(oracle.url, ctx2, "POST", `/v1/challenges/${ch.challengeId}/open`, await openBody(ctx2, ch.challengeId, { spec: ch.spec, root: run.root }, openings));
    assert.equal(open.status, 200);
    assert.equal(open.json.verdict, "fraud", open.json.reason);
    const row = oracle.db.prepare("SELECT epoch, evidence FROM challenges WHERE id = ?").get(ch.challengeId) as { epoch: number; evidence: Hex };
    assert.match(row.evidence, /^0x[0-9a-f]{64}$/);
    // The evidence is a document anyone re-verifies from the epoch seed and this member's keys.
    const doc = getEvidence(oracle.db, row.evidence)!.doc;
    const keys = epochKeys(memberSecret(cfg.oracleKey as Hex, { chainId: dev.chainId, epochManager: dev.addresses.EpochManager }), row.epoch);
    const ectx = { chainId: dev.chainId, registry: dev.addresses.NodeRegistry, seed: epochSeed(oracle.db, row.epoch)!, keys, work: { gemm: new GemmWork({ maxN: 512 }), infer: undefined } };
    assert.deepEqual((await challengeEvidenceProblems(doc, ectx)).problems, []);
    // A member that passes off the node's honest rows as its answer is caught: the node signed other rows.
    const honest = JSON.parse(doc);
    honest.answer = openGemm(run, commit.json.openings).map(encodeGemmOpening);
    assert.match((await challengeEvidenceProblems(JSON.stringify(honest), ectx)).problems.join("; "), /signed by/);
  });

  it("counts an answer the node key did not sign as missed, with no evidence", async () => {
    let ch: any;
    const deadline = Date.now() + 60_000;
    while (!ch && Date.now() < deadline) {
      await oracle.scheduler.pass();
      const res = await signedFetch(oracle.url, ctx2, "POST", "/v1/challenges/next", {});
      if (res.status === 200 && !res.json.root) ch = res.json;
      else await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(ch, "no second challenge became due for node 2");
    const run = await runGemm(ch.spec as GemmSpec, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
    const commit = await signedFetch(oracle.url, ctx2, "POST", `/v1/challenges/${ch.challengeId}/commit`, { root: run.root });
    assert.equal(commit.status, 200);
    const openings = openGemm(run, commit.json.openings).map((o, i) => encodeGemmOpening(i === 0 ? { ...o, row: o.row.map((x) => x + 1) } : o));
    // Signed by node 1's key for node 2's challenge: the wrong answer would not be attributable.
    const { signature } = await openBody(ctx, ch.challengeId, { spec: ch.spec, root: run.root }, openings);
    const open = await signedFetch(oracle.url, ctx2, "POST", `/v1/challenges/${ch.challengeId}/open`, { openings, signature });
    assert.equal(open.status, 200);
    assert.equal(open.json.verdict, "missed", open.json.reason);
    assert.match(open.json.reason, /signed by/);
    const row = oracle.db.prepare("SELECT evidence FROM challenges WHERE id = ?").get(ch.challengeId) as { evidence: Hex | null };
    assert.equal(row.evidence, null);
  });

  it("serves /metrics in the text exposition format, from a registry of its own", async () => {
    const scrape = async (o: OracleHandle) => parseExposition(await (await fetch(o.url + "/metrics")).text());
    const other = await startOracle({ ...cfg, dbPath: join(dev.dir, "api-other.sqlite") }, { runScheduler: false });
    try {
      await fetch(oracle.url + "/v1/info");
      const mine = await scrape(oracle);
      for (const [name, type] of [
        ["poai_request_duration_seconds", "histogram"],
        ["poai_event_loop_lag_seconds", "gauge"],
        ["poai_queue_depth", "gauge"],
        ["poai_relay_transactions", "gauge"],
        ["poai_verification_seconds", "histogram"],
        ["poai_http_requests_total", "counter"],
      ]) {
        assert.equal(mine.types.get(name), type, name);
      }
      assert.ok(sampleValue(mine, "poai_request_duration_seconds_count", { route: "info" })! >= 1, "latency of the info requests");
      assert.ok(sampleValue(mine, "poai_request_duration_seconds_bucket", { route: "info", le: "+Inf" })! >= 1);
      for (const stat of ["p50", "p99", "max"]) assert.ok(sampleValue(mine, "poai_event_loop_lag_seconds", { stat })! >= 0, stat);
      // The epoch loop's passes (earlier tests) committed a seed through the relay.
      const relayed = mine.samples.filter((s) => s.name === "poai_relay_transactions");
      assert.equal(relayed.length, 7, "one series per transaction status");
      assert.ok(relayed.reduce((n, s) => n + s.value, 0) >= 1, JSON.stringify(relayed));

      // Another oracle in the same process counts only its own.
      const infoCount = sampleValue(mine, "poai_http_requests_total", { route: "info", status: "200" })!;
      await fetch(other.url + "/v1/info");
      const theirs = await scrape(other);
      assert.equal(sampleValue(theirs, "poai_http_requests_total", { route: "info", status: "200" }), 1);
      assert.equal(sampleValue(theirs, "poai_challenges_verified_total", { kind: "gemm" }), undefined);
      assert.equal(theirs.samples.filter((s) => s.name === "poai_relay_transactions").length, 0);
      const again = await scrape(oracle);
      assert.equal(sampleValue(again, "poai_http_requests_total", { route: "info", status: "200" }), infoCount);
      assert.equal(sampleValue(again, "poai_challenges_verified_total", { kind: "gemm" }), 1);
    } finally {
      await other.stop();
    }
  });
});
