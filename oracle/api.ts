/**
 * The oracle's HTTP API on node:http (docs/interfaces.md). Agent routes are signed by the node
 * key (auth.ts); the committee route by a committee member key; the read routes are public with
 * CORS for the dApp. Every rejected request answers `{error: {code, message}}` with a 4xx status
 * and leaves the database unchanged: handlers validate first and write (nonce included) in one
 * transaction at the end.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Address } from "viem";
import { z } from "zod";
import { retryAfterHeader } from "../protocol/retry-after";
import { authenticate, type AuthContext, type Authenticated } from "./auth";
import { httpError, OracleError } from "./errors";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const hexBytes = z.string().regex(/^0x(?:[0-9a-fA-F]{2})*$/);
/** Most openings / processes one request may carry. */
export const MAX_LIST = 256;
/** Longest Merkle proof accepted in an opening. */
export const MAX_PROOF = 32;

export const schemas = {
  next: z.object({}).passthrough(),
  commit: z.object({ root: hex32 }).strict(),
  open: z
    .object({
      openings: z
        .array(
          z
            .object({ index: z.number().int().min(0), data: hexBytes.optional(), proof: z.array(hex32).max(MAX_PROOF) })
            // Kind-specific fields (gemm row/group, infer fingerprint) are checked by the verifier.
            .passthrough(),
        )
        .min(1)
        .max(MAX_LIST),
    })
    .passthrough(),
  processes: z
    .object({
      processes: z
        .array(z.object({ pid: z.number().int().min(0), name: z.string().max(256), usedMemoryMiB: z.number().min(0) }).strict())
        .max(MAX_LIST),
    })
    .strict(),
  committeeSign: z
    .object({
      epoch: z.string().regex(/^[0-9]{1,20}$/),
      inputs: z.record(z.unknown()),
      report: z.record(z.string()),
      slashes: z.array(z.record(z.unknown())).max(MAX_LIST),
    })
    .strict(),
};

export interface RequestCtx {
  auth: Authenticated;
  /** Chain-aligned time (deadlines, issue times), ms. */
  nowMs: number;
  /** Wall clock (latency measurements), ms. */
  wallMs: number;
}

/** What the routes call; implemented by the oracle (index.ts). */
export interface ApiService {
  info(): Promise<Record<string, unknown>>;
  nextChallenge(r: RequestCtx): Promise<Record<string, unknown> | undefined>;
  commit(r: RequestCtx, id: string, body: z.infer<typeof schemas.commit>): Promise<Record<string, unknown>>;
  open(r: RequestCtx, id: string, body: z.infer<typeof schemas.open>): Promise<Record<string, unknown>>;
  processes(r: RequestCtx, body: z.infer<typeof schemas.processes>): Promise<Record<string, unknown>>;
  committeeSign(r: RequestCtx, body: z.infer<typeof schemas.committeeSign>): Promise<Record<string, unknown>>;
  nodes(): Promise<unknown>;
  nodeStats(node: Address): Promise<unknown>;
  rewards(account: Address): Promise<unknown>;
  datasets(epoch?: number): Promise<unknown>;
  healthz(): Promise<Record<string, unknown>>;
  metricsText(): Promise<string>;
  /** Throws OR108/OR109 unless `node` is an active registered node. */
  requireActiveNode(node: Address): Promise<void>;
  /** Throws OR117 unless `signer` is a committee member. */
  requireCommitteeMember(signer: Address): Promise<void>;
  /** Poll interval suggested to a node with nothing due, ms. */
  retryAfterMs(): number;
}

export interface ApiOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  corsOrigin: string;
  auth: () => AuthContext;
  service: ApiService;
  /** The oracle's (chain-aligned) clock for challenge times, ms. */
  now: () => number;
  log: Logger;
  metrics: Metrics;
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      reject(httpError.tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(httpError.tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => !failed && resolve(Buffer.concat(chunks)));
    req.on("error", (e) => !failed && reject(e));
  });
}

function parseJson<T extends z.ZodTypeAny>(body: Buffer, schema: T): z.infer<T> {
  let json: unknown;
  try {
    json = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
  } catch {
    throw httpError.badJson();
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw httpError.schema(`${i.path.join(".") || "body"}: ${i.message}`);
  }
  return r.data;
}

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

export function startApi(o: ApiOptions): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    res.writeHead(status, {
      "access-control-allow-origin": o.corsOrigin,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": "content-type, x-poai-node, x-poai-timestamp, x-poai-nonce, x-poai-signature",
      "access-control-max-age": "600",
      ...(typeof body === "string" ? { "content-type": "text/plain; version=0.0.4" } : body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const method = (req.method ?? "GET").toUpperCase();
    const rawPath = req.url ?? "/";
    const path = rawPath.split("?")[0];
    const query = new URLSearchParams(rawPath.includes("?") ? rawPath.slice(rawPath.indexOf("?") + 1) : "");
    if (method === "OPTIONS") {
      send(res, 204, undefined);
      return "options";
    }

    // Signed routes.
    const signed = async <T extends z.ZodTypeAny>(schema: T, allow: (a: Address) => Promise<void>) => {
      const body = await readBody(req, o.maxBodyBytes);
      const auth = await authenticate(o.auth(), { method, path: rawPath, headers: req.headers, body }, allow);
      const parsed = parseJson(body, schema);
      return { ctx: { auth, nowMs: o.now(), wallMs: Date.now() } as RequestCtx, body: parsed as z.infer<T> };
    };
    const node = (a: Address) => o.service.requireActiveNode(a);
    const member = (a: Address) => o.service.requireCommitteeMember(a);
    const post = (name: string) => {
      if (method !== "POST") throw httpError.method();
      return name;
    };
    const get = (name: string) => {
      if (method !== "GET" && method !== "HEAD") throw httpError.method();
      return name;
    };

    let m: RegExpMatchArray | null;
    if (path === "/v1/challenges/next") {
      post("next");
      const { ctx } = await signed(schemas.next, node);
      const ch = await o.service.nextChallenge(ctx);
      if (!ch) {
        send(res, 204, undefined, { "retry-after": retryAfterHeader(o.service.retryAfterMs()) });
      } else send(res, 200, ch);
      return "next";
    }
    if ((m = path.match(/^\/v1\/challenges\/([^/]{1,128})\/(commit|open)$/))) {
      post(m[2]);
      const id = decodeURIComponent(m[1]);
      if (m[2] === "commit") {
        const { ctx, body } = await signed(schemas.commit, node);
        send(res, 200, await o.service.commit(ctx, id, body));
      } else {
        const { ctx, body } = await signed(schemas.open, node);
        send(res, 200, await o.service.open(ctx, id, body));
      }
      return m[2];
    }
    if (path === "/v1/processes") {
      post("processes");
      const { ctx, body } = await signed(schemas.processes, node);
      send(res, 200, await o.service.processes(ctx, body));
      return "processes";
    }
    if (path === "/v1/committee/sign") {
      post("committee");
      const { ctx, body } = await signed(schemas.committeeSign, member);
      send(res, 200, await o.service.committeeSign(ctx, body));
      return "committee";
    }
    if (path === "/v1/info") {
      get("info");
      send(res, 200, await o.service.info());
      return "info";
    }
    if (path === "/v1/nodes") {
      get("nodes");
      send(res, 200, await o.service.nodes());
      return "nodes";
    }
    if ((m = path.match(/^\/v1\/nodes\/([^/]+)\/stats$/))) {
      get("stats");
      if (!ADDRESS_RE.test(m[1])) throw httpError.schema("node must be a 20-byte 0x-hex address");
      send(res, 200, await o.service.nodeStats(m[1] as Address));
      return "stats";
    }
    if ((m = path.match(/^\/v1\/rewards\/([^/]+)$/))) {
      get("rewards");
      if (!ADDRESS_RE.test(m[1])) throw httpError.schema("account must be a 20-byte 0x-hex address");
      send(res, 200, await o.service.rewards(m[1] as Address));
      return "rewards";
    }
    if (path === "/v1/datasets") {
      get("datasets");
      const e = query.get("epoch");
      if (e !== null && !/^[0-9]{1,15}$/.test(e)) throw httpError.schema("epoch must be a non-negative integer");
      send(res, 200, await o.service.datasets(e === null ? undefined : Number(e)));
      return "datasets";
    }
    if (path === "/metrics") {
      get("metrics");
      send(res, 200, await o.service.metricsText());
      return "metrics";
    }
    if (path === "/healthz") {
      get("healthz");
      send(res, 200, await o.service.healthz());
      return "healthz";
    }
    throw httpError.notFound(`no route ${method} ${path}`);
  };

  const server = createServer((req, res) => {
    const t0 = performance.now();
    handle(req, res)
      .then((route) => {
        o.metrics.requests.inc({ route, status: String(res.statusCode) });
        o.metrics.requestSeconds.observe((performance.now() - t0) / 1000, { route });
      })
      .catch((e) => {
        const err =
          e instanceof OracleError ? e : new OracleError("OR120", "internal error", { status: 500, cause: e });
        if (err.status >= 500) o.log.error("api.error", { code: err.code, path: req.url, err: e });
        else o.log.debug("api.rejected", { code: err.code, path: req.url, message: err.shortMessage });
        o.metrics.requestsRejected.inc({ code: err.code });
        const headers: Record<string, string> = {};
        if (err.code === "OR110" && err.details?.retryAfterMs) headers["retry-after"] = retryAfterHeader(Number(err.details.retryAfterMs));
        // An oversized body is not read further: answer and close the connection.
        if (err.code === "OR103") headers.connection = "close";
        if (!res.headersSent) send(res, err.status, err.toJSON(), headers);
        else res.end();
      })
      .finally(() => o.log.debug("api.request", { method: req.method, path: req.url, status: res.statusCode, ms: +(performance.now() - t0).toFixed(1) }));
  });
  // Agents poll with keep-alive connections and compute between requests: keep idle sockets open
  // longer than a challenge takes, so a client does not reuse a socket the server just closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 60_000;

  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}
