/**
 * The agent's Prometheus metrics (`agent run --metrics-port P`, served on 127.0.0.1:P/metrics
 * unless `--metrics-host` says otherwise): verdicts by challenge kind and verdict, compute and
 * answer latencies, the claim against what the machine delivers, and the connection state per
 * oracle. Label values are bounded: oracles by the `--oracle` list (at most MAX_ORACLES), kinds
 * and verdicts by the known sets, anything else counted as "other".
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as prom from "prom-client";
import { AgentError } from "./errors";

const KINDS = new Set(["gemm", "infer", "vram"]);
const VERDICTS = new Set(["pass", "fail", "fraud", "late", "missed", "error", "void", "unanswered"]);
const bound = (set: Set<string>, v: string) => (set.has(v) ? v : "other");

export type ConnectionState = "connecting" | "connected" | "unreachable" | "refused";
const STATES: ConnectionState[] = ["connecting", "connected", "unreachable", "refused"];

export interface AgentMetrics {
  readonly registry: prom.Registry;
  verdict(oracle: string, kind: string, verdict: string): void;
  latency(oracle: string, kind: string, computeSeconds: number, answerSeconds: number): void;
  claim(gflops: number): void;
  delivered(oracle: string, kind: string, gflops: number): void;
  connection(oracle: string, state: ConnectionState): void;
  text(): Promise<string>;
}

export function createAgentMetrics(oracles: readonly string[]): AgentMetrics {
  const registry = new prom.Registry();
  const known = new Set(oracles);
  const o = (url: string) => (known.has(url) ? url : "other");
  const verdicts = new prom.Counter({ name: "poai_agent_verdicts_total", help: "Verdicts the oracles gave this node's answers, by oracle, kind and verdict", labelNames: ["oracle", "kind", "verdict"], registers: [registry] });
  const compute = new prom.Histogram({
    name: "poai_agent_compute_seconds",
    help: "Time to compute a challenge's result (generation, products, fingerprints, Merkle root), by kind",
    labelNames: ["kind"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const answer = new prom.Histogram({
    name: "poai_agent_answer_seconds",
    help: "Time from receiving a challenge to the oracle's verdict, by oracle and kind",
    labelNames: ["oracle", "kind"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const claim = new prom.Gauge({ name: "poai_agent_claim_gflops", help: "The node's on-chain claim, GFLOP/s (unset until read)", registers: [registry] });
  const delivered = new prom.Gauge({ name: "poai_agent_delivered_gflops", help: "What the last challenge delivered, GFLOP/s (its FLOPs over the time to answer), by oracle and kind", labelNames: ["oracle", "kind"], registers: [registry] });
  const conn = new prom.Gauge({ name: "poai_agent_oracle_connection", help: "1 for the state each oracle's session is in, 0 for the others", labelNames: ["oracle", "state"], registers: [registry] });
  const m: AgentMetrics = {
    registry,
    verdict: (oracle, kind, verdict) => verdicts.inc({ oracle: o(oracle), kind: bound(KINDS, kind), verdict: bound(VERDICTS, verdict) }),
    latency: (oracle, kind, c, a) => {
      compute.observe({ kind: bound(KINDS, kind) }, c);
      answer.observe({ oracle: o(oracle), kind: bound(KINDS, kind) }, a);
    },
    claim: (g) => claim.set(g),
    delivered: (oracle, kind, g) => delivered.set({ oracle: o(oracle), kind: bound(KINDS, kind) }, g),
    connection: (oracle, state) => {
      for (const s of STATES) conn.set({ oracle: o(oracle), state: s }, s === state ? 1 : 0);
    },
    text: () => registry.metrics(),
  };
  for (const url of oracles) m.connection(url, "connecting");
  return m;
}

/** Serves `GET /metrics` on host:port; resolves once listening (port 0: any free port). */
export async function serveMetrics(metrics: AgentMetrics, port: number, host = "127.0.0.1"): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body),
      (err) => res.writeHead(500, { "content-type": "text/plain" }).end(String(err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) => reject(new AgentError("BadArgument", `cannot serve metrics on ${host}:${port}: ${(err as Error).message}`, { cause: err })));
    server.listen(port, host, () => resolve());
  });
  server.unref();
  const a = server.address() as AddressInfo;
  return { server, url: `http://${host}:${a.port}/metrics` };
}
