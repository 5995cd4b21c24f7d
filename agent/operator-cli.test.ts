/**
 * The agent's command line for an operator, without a chain: URLs checked at start, the fraud
 * lock and `agent ack`, the cause of a connection failure, `agent status` with the oracle down
 * ("unknown", never 0), and `agent bench` in TFLOPS and GiB kept for `status`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { queryGpus } from "./gpu";
import { readState, recordFraud, statePath } from "./state";

const dir = mkdtempSync(join(tmpdir(), "poai-operator-cli-"));
const CLI = join(__dirname, "cli.ts");
const PASSWORD = "pw-operator";

function agent(args: string[], o: { timeout?: number } = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    env: { ...process.env, POAI_KEY_PASSWORD: PASSWORD, POAI_DATA_DIR: "" },
    encoding: "utf8",
    timeout: o.timeout ?? 60_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address() as { port: number };
      s.close(() => resolve(a.port));
    });
  });
}

const keystore = join(dir, "node.json");
let node = "";
test("setup: a node key", () => {
  const r = agent(["init", "--keystore", keystore, "--scrypt-n", "1024"]);
  assert.equal(r.code, 0, r.err);
  node = /node address: (0x[0-9a-fA-F]{40})/.exec(r.out)![1];
});

test("a URL without a scheme is AG014 with the fix, before the key is loaded or anything retried", () => {
  const missing = join(dir, "no-such-key.json");
  for (const args of [
    ["run", "--oracle", "127.0.0.1:8700", "--keystore", missing],
    ["run", "--oracle", "http://127.0.0.1:8700", "--rpc", "localhost:8545", "--keystore", missing],
    ["status", "--oracle", "oracle.example:8700", "--node", node],
    ["register", "--rpc", "127.0.0.1:8545", "--registry", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "--operator", node, "--keystore", missing],
  ]) {
    const started = Date.now();
    const r = agent(args);
    assert.equal(r.code, 1, args.join(" "));
    assert.match(r.err, /AG014 --(oracle|rpc) \S+ is not an http\(s\) URL\n {2}did you mean http:\/\/\S+ \?/, r.err);
    assert.doesNotMatch(r.err, /AG002/);
    assert.ok(Date.now() - started < 30_000);
  }
  const ws = agent(["run", "--oracle", "ws://127.0.0.1:8700", "--keystore", missing]);
  assert.match(ws.err, /AG014 .*\n {2}only http:\/\/ and https:\/\/ URLs are served/);
});

test("after a fraud verdict `run` refuses until `ack`, then starts and names the cause of the connection failure", async () => {
  recordFraud(dir, node, { challengeId: "0xc0ffee", epoch: "12", kind: "gemm", reason: "opened row 3 differs from the recomputation", oracle: "http://127.0.0.1:8700", at: "2026-12-02T07:00:00.000Z" });
  const port = await closedPort();
  const refused = agent(["run", "--oracle", `http://127.0.0.1:${port}`, "--keystore", keystore, "--log", "json"]);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /AG016 challenge 0xc0ffee \(epoch 12, from http:\/\/127\.0\.0\.1:8700\) was judged fraud .* until you acknowledge it/);
  assert.match(refused.err, /npm run agent -- ack --keystore /);
  assert.equal(refused.out, "", "the agent started answering despite the fraud verdict");

  const ack = agent(["ack", "--keystore", keystore]);
  assert.equal(ack.code, 0, ack.err);
  assert.match(ack.out, /acknowledged the fraud verdict on challenge 0xc0ffee \(epoch 12, gemm/);
  const s = readState(dir, node);
  assert.equal(s.fraud, null);
  assert.equal(s.acknowledged.at(-1)?.challengeId, "0xc0ffee");
  assert.match(agent(["ack", "--node", node, "--data-dir", dir]).out, /no unacknowledged fraud verdict/);

  // Now it runs (and is stopped by the timeout): the unreachable oracle is retried with its cause.
  const ran = agent(["run", "--oracle", `http://127.0.0.1:${port}`, "--keystore", keystore, "--log", "json"], { timeout: 8_000 });
  const lines = ran.out.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { event: string; msg: string });
  const unreachable = lines.find((l) => l.event === "oracle.unreachable");
  assert.ok(unreachable, ran.out + ran.err);
  assert.match(unreachable.msg, new RegExp(`oracle http://127\\.0\\.0\\.1:${port} unreachable \\(GET /v1/info: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); retry 1 in`));
});

test("`status` with the oracle down shows unknown, never 0, and why", async () => {
  const port = await closedPort();
  const json = agent(["status", "--node", node, "--oracle", `http://127.0.0.1:${port}`, "--data-dir", join(dir, "empty"), "--json"]);
  assert.equal(json.code, 0, json.err);
  const v = JSON.parse(json.out);
  for (const k of ["stakeWei", "state", "claim", "slashes", "operator"]) assert.equal(v[k], null, k);
  assert.deepEqual(v.rewards, { cumulativeWei: null, claimedWei: null, claimableWei: null, epoch: null });
  assert.equal(v.oracles[0].reachable, false);
  assert.match(v.problems.join("\n"), /ECONNREFUSED/);
  const text = agent(["status", "--node", node, "--oracle", `http://127.0.0.1:${port}`, "--data-dir", join(dir, "empty")]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^ {2}stake {6}unknown$/m);
  assert.match(text.out, /^ {2}claim {6}unknown$/m);
  assert.match(text.out, /^ {2}rewards {4}claimable unknown$/m);
  assert.match(text.out, /unreachable, epoch counts and verdicts unknown/);
  assert.doesNotMatch(text.out, /\b0 tokens\b/);
});

test("`bench` prints TFLOPS and GiB beside the chain's integers, the GPU count it found, and keeps the result for `status`", async () => {
  const data = join(dir, "bench");
  const r = agent(["bench", "--seconds", "1", "--threads", "1", "--data-dir", data]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /measured \d+\.\d{3} TFLOPS \(\d+\.\d GFLOP\/s\)/);
  assert.match(r.out, /claim \d+\.\d{3} TFLOPS \(0\.\d+ of measured\), \d+\.\d GiB; on chain, in its units:/);
  const gpus = (await queryGpus()) ?? [];
  assert.match(r.out, new RegExp(`claim: --gpu-model \\d+ --gpu-count ${gpus.length} --gflops \\d+ --vram-mib \\d+`));
  if (gpus.length === 0) assert.match(r.out, /no GPU \(nvidia-smi not found\): a CPU node, --gpu-count 0/);
  const last = JSON.parse(r.out.trim().split("\n").at(-1)!);
  assert.ok(existsSync(join(data, "bench.json")));
  assert.equal(JSON.parse(readFileSync(join(data, "bench.json"), "utf8")).claimGflops, last.claimGflops);
  const port = await closedPort();
  const s = agent(["status", "--node", node, "--oracle", `http://127.0.0.1:${port}`, "--data-dir", data]);
  assert.match(s.out, /^ {2}delivers {3}\d+\.\d{3} TFLOPS by the last bench/m);
  assert.ok(!existsSync(statePath(data, node)), "status wrote state");
});
