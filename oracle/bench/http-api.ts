/**
 * HTTP server benchmark: the oracle's API served by fastify (oracle/api.ts `startApi`) and by the
 * node:http baseline (node-http-api.ts), under many concurrent keep-alive clients in a separate
 * process, for the public read route `GET /v1/info` and for a signed route rejected early
 * (`POST /v1/challenges/next` without auth headers: OR104, the bulk of abuse traffic).
 *
 *   npm run bench:http -- [--connections 256] [--seconds 5] [--warmup 3] [--rounds 5]
 *
 * Each run starts a fresh server process (pinned to CPU 0 with `taskset` where there is one, the
 * load generator to CPU 1), warms it up (the JIT), then reads the server's CPU time
 * (utime + stime from /proc/<pid>/stat) before and after the measured load. Reported: requests
 * per second and server CPU ms per request, the median over the rounds. CPU per request is the
 * figure that holds on a shared machine; requests per second depends on what else runs there.
 *
 * The same file is the server (`serve <impl>`) and the load generator (`load ...`): the load
 * generator writes raw HTTP/1.1 on plain sockets, one request in flight per connection, so that
 * the client costs little next to the server it measures. Not part of `npm test`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { createInterface } from "node:readline";
import { startApi, type ApiOptions, type ApiService } from "../api";
import type { AuthContext } from "../auth";
import { createLogger } from "../logger";
import { createMetrics } from "../metrics";
import { TokenBuckets } from "../ratelimit";
import { openDb } from "../store/schema";
import { startNodeHttpApi } from "./node-http-api";

const IMPLS = { fastify: startApi, "node:http": startNodeHttpApi } as const;
type Impl = keyof typeof IMPLS;

const SCENARIOS = {
  "GET /v1/info": "GET /v1/info HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: application/json\r\n\r\n",
  "POST /v1/challenges/next, no auth (OR104)":
    "POST /v1/challenges/next HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
} as const;
type Scenario = keyof typeof SCENARIOS;

const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;

/** What `GET /v1/info` answers on a devnet (read-api.ts `info`), fixed. */
function infoBody(): Record<string, unknown> {
  const addr = (i: number) => `0x${i.toString(16).padStart(40, "0")}`;
  const names = ["NodeRegistry", "StakeToken", "EpochManager", "Settlement", "RewardsDistributor", "Governance", "Leases", "Timelock"];
  return {
    version: "0.1.0",
    apiVersion: "2",
    chainId: 31337,
    registry: REGISTRY,
    contracts: Object.fromEntries(names.map((n, i) => [n, addr(i + 1)])),
    oracle: addr(99),
    currentEpoch: 1234,
    epochStart: 1_700_000_000,
    epochLength: 3600,
    genesis: 1_695_557_600,
    chainTimeMs: Date.now(),
    clockLeadMs: 0,
  };
}

/** A service that answers the read routes the benchmark asks; the signed ones never get this far. */
function benchService(): ApiService {
  const unused = async (): Promise<never> => {
    throw new Error("not used by the benchmark");
  };
  return {
    info: async () => infoBody(),
    nextChallenge: unused,
    commit: unused,
    open: unused,
    processes: unused,
    committeeSign: unused,
    nodes: unused,
    nodeStats: unused,
    rewards: unused,
    datasets: unused,
    draws: unused,
    evidence: unused,
    healthz: unused,
    metricsText: async () => "",
    requireActiveNode: unused,
    requireCommitteeMember: unused,
    retryAfterMs: () => 1_000,
  };
}

async function serve(impl: Impl): Promise<void> {
  const db = openDb(":memory:");
  const auth: AuthContext = { chainId: 31337, registry: REGISTRY, clockSkewMs: 30_000, db, limits: { perSigner: new TokenBuckets(20, 40), perSource: new TokenBuckets(1_000_000, 1_000_000) }, now: () => Date.now() };
  const opts: ApiOptions = {
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: 4 * 1024 * 1024,
    corsOrigin: "*",
    auth: () => auth,
    service: benchService(),
    now: () => Date.now(),
    log: createLogger({ level: "error" }),
    metrics: createMetrics(),
  };
  const api = await IMPLS[impl](opts);
  process.stdout.write(`PORT ${api.port}\n`);
  for (const sig of ["SIGTERM", "SIGINT"] as const) process.once(sig, () => void api.close().then(() => process.exit(0)));
}

/** Keeps `connections` keep-alive sockets busy for `ms`; prints `{requests, statuses}`. */
async function load(port: number, scenario: Scenario, connections: number, ms: number): Promise<void> {
  const request = Buffer.from(SCENARIOS[scenario]);
  const statuses: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  const end = Date.now() + ms;
  await Promise.all(
    Array.from({ length: connections }, () => {
      return new Promise<void>((resolve) => {
        const s = connect(port, "127.0.0.1");
        s.setNoDelay(true);
        let buf: Buffer = Buffer.alloc(0);
        s.on("connect", () => s.write(request));
        s.on("data", (chunk: Buffer) => {
          buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
          for (;;) {
            const head = buf.indexOf("\r\n\r\n");
            if (head < 0) return;
            const headers = buf.subarray(0, head).toString("latin1");
            const len = /\r\ncontent-length: *(\d+)/i.exec(headers);
            let total: number;
            if (len) total = head + 4 + Number(len[1]);
            else if (/\r\ntransfer-encoding: *chunked/i.test(headers)) {
              const last = buf.indexOf("0\r\n\r\n", head + 4);
              if (last < 0) return;
              total = last + 5;
            } else total = head + 4;
            if (buf.length < total) return;
            const status = headers.slice(9, 12);
            statuses[status] = (statuses[status] ?? 0) + 1;
            requests++;
            buf = buf.subarray(total);
            if (Date.now() >= end) {
              s.end();
              return;
            }
            s.write(request);
          }
        });
        s.on("error", () => errors++);
        s.on("close", () => resolve());
      });
    }),
  );
  process.stdout.write(JSON.stringify({ requests, errors, statuses }) + "\n");
}

const hasTaskset = existsSync("/usr/bin/taskset") || existsSync("/bin/taskset");
function pinned(cpu: number, args: string[]): [string, string[]] {
  return hasTaskset ? ["taskset", ["-c", String(cpu), ...args]] : [args[0], args.slice(1)];
}
const nodeArgs = [process.execPath, "--import", "tsx", __filename];

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}
const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

function startServer(impl: Impl): Promise<{ child: ChildProcess; port: number }> {
  const [cmd, args] = pinned(0, [...nodeArgs, "serve", impl]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (l) => {
      const m = /^PORT (\d+)$/.exec(l);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
}

function runLoad(port: number, scenario: Scenario, connections: number, ms: number): Promise<{ requests: number; errors: number; statuses: Record<string, number> }> {
  const [cmd, args] = pinned(1, [...nodeArgs, "load", String(port), scenario, String(connections), String(ms)]);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited (${code})`)))),
  );
}

async function measure(impl: Impl, scenario: Scenario, connections: number, seconds: number, warmup: number) {
  const { child, port } = await startServer(impl);
  try {
    await runLoad(port, scenario, connections, warmup * 1000);
    const t0 = cpuTicks(child.pid!);
    const r = await runLoad(port, scenario, connections, seconds * 1000);
    const cpuMs = ((cpuTicks(child.pid!) - t0) * 1000) / CLK_TCK;
    return { rps: r.requests / seconds, cpuMsPerReq: cpuMs / r.requests, statuses: r.statuses, errors: r.errors };
  } finally {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(argv: string[]): Promise<void> {
  const opt = (name: string, dflt: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const connections = opt("connections", 256);
  const seconds = opt("seconds", 5);
  const rounds = opt("rounds", 5);
  const warmup = opt("warmup", 3);
  console.log(`${connections} keep-alive connections, ${warmup} s warm-up and ${seconds} s measured per run, ${rounds} rounds; server on CPU 0${hasTaskset ? "" : " (no taskset: not pinned)"}`);
  const results: Record<string, { rps: number[]; cpu: number[]; statuses: string }> = {};
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so that a drift in the machine's load does not favour one server.
    const impls = (round % 2 === 0 ? ["node:http", "fastify"] : ["fastify", "node:http"]) as Impl[];
    for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
      for (const impl of impls) {
        const r = await measure(impl, scenario, connections, seconds, warmup);
        const key = `${scenario} | ${impl}`;
        results[key] ??= { rps: [], cpu: [], statuses: "" };
        results[key].rps.push(r.rps);
        results[key].cpu.push(r.cpuMsPerReq);
        results[key].statuses = JSON.stringify(r.statuses) + (r.errors ? ` errors ${r.errors}` : "");
        console.log(`round ${round + 1}: ${key}: ${r.rps.toFixed(0)} req/s, ${(r.cpuMsPerReq * 1000).toFixed(1)} µs CPU/req ${results[key].statuses}`);
      }
    }
  }
  console.log("\n| route | server | req/s (median) | server CPU µs/req (median) |\n| --- | --- | --- | --- |");
  for (const [key, r] of Object.entries(results)) {
    const [scenario, impl] = key.split(" | ");
    console.log(`| ${scenario} | ${impl} | ${median(r.rps).toFixed(0)} | ${(median(r.cpu) * 1000).toFixed(1)} |`);
  }
}

const [mode, ...rest] = process.argv.slice(2);
const done = (p: Promise<void>) =>
  p.catch((e) => {
    console.error(e);
    process.exit(1);
  });
if (mode === "serve") void done(serve(rest[0] as Impl));
else if (mode === "load") void done(load(Number(rest[0]), rest[1] as Scenario, Number(rest[2]), Number(rest[3])));
else void done(main(process.argv.slice(2)));
