/**
 * The oracle's HTTP API on fastify 5 (docs/interfaces.md). Agent routes are signed by the node
 * key (auth.ts); the committee route by a committee member key; the read routes are public with
 * CORS for the dApp. Every rejected request answers `{error: {code, message}}` with a 4xx status
 * and leaves the database unchanged: handlers validate first and write (nonce included) in one
 * transaction at the end.
 *
 * Order of the checks on a signed route: method (before the body is read), body size (413 and the
 * connection closed), authentication (auth.ts, over the raw body bytes), content type, JSON, the
 * numbers check and the route's schema (api-schemas.ts).
 *
 * Why fastify and not node:http: `oracle/bench/http-api.ts` serves the same routes both ways
 * (node:http: bench/node-http-api.ts) to 256 and 1024 keep-alive clients, the server pinned to
 * one core. Neither was clearly faster: 68-89 µs of server CPU per `GET /v1/info` with fastify,
 * 75-82 with node:http; 95-138 µs per unsigned request rejected OR104 with fastify, 106-129 with
 * node:http (figures in docs/oracle.md, "HTTP server"). Fastify's own code is about 5 % of the
 * server's CPU there, and it brings a maintained router, body limits and per-route hooks.
 *
 * A slow sender cannot hold a connection: its headers must arrive within `headersMs` and the
 * whole request within `requestMs` (node checks both every `checkIntervalMs`); it is answered
 * OR122 and the connection closed. The `http.Server` is returned so that other transports (the
 * WebSocket sessions) can attach to its `upgrade` event.
 */
import { STATUS_CODES, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from "fastify";
import type { Address } from "viem";
import type { z } from "zod";
import { retryAfterHeader } from "../protocol/retry-after";
import { parseBody, schemas } from "./api-schemas";
import { authenticate, type AuthContext, type Authenticated } from "./auth";
import { guardServer } from "./http-limits";
import { httpError, OracleError } from "./errors";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";

export { MAX_LIST, MAX_PROOF, schemas } from "./api-schemas";

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
  /** An ended epoch's revealed keys and draws, a page after challenge id `after` (read-api.ts `draws`). */
  draws(epoch: number, after?: string): Promise<unknown>;
  /** The evidence documents behind a slash or a wrong answer (read-api.ts `evidence`). */
  evidence(hash: string): Promise<unknown>;
  /** The readiness checks (health.ts): answered with 200 when `ready`, 503 when not. */
  healthz(): Promise<{ ready: boolean }>;
  metricsText(): Promise<string>;
  /** Throws OR108/OR109 unless `node` is an active registered node. */
  requireActiveNode(node: Address): Promise<void>;
  /** Throws OR117 unless `signer` is a committee member. */
  requireCommitteeMember(signer: Address): Promise<void>;
  /** Poll interval suggested to a node with nothing due, ms. */
  retryAfterMs(): number;
}

export interface ApiTimeouts {
  /** A request's headers must arrive within this, ms (a sender trickling headers). */
  headersMs: number;
  /** The whole request, headers and body, must arrive within this, ms (a sender stalling its body). */
  requestMs: number;
  /**
   * An idle keep-alive connection is closed after this, ms. Agents poll with keep-alive
   * connections and compute between requests: longer than a challenge takes, so a client does
   * not reuse a socket the server just closed.
   */
  keepAliveMs: number;
  /** A connection with a request in flight and no traffic either way for this long is closed, ms. */
  idleMs: number;
}

export const DEFAULT_API_TIMEOUTS: Readonly<ApiTimeouts> = { headersMs: 20_000, requestMs: 60_000, keepAliveMs: 65_000, idleMs: 120_000 };

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
  /** Defaults: DEFAULT_API_TIMEOUTS; `headersMs` is capped at `requestMs`. */
  timeouts?: Partial<ApiTimeouts>;
}

export interface Api {
  server: Server;
  port: number;
  close: () => Promise<void>;
}

/** The headers of every answer: CORS for the dApp, the auth headers allowed in preflight. */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": "content-type, x-poai-node, x-poai-timestamp, x-poai-nonce, x-poai-signature",
    "access-control-max-age": "600",
  };
}

/** JSON with bigints as decimal strings. */
export function toJson(body: unknown): string {
  return JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

/** How often node looks for connections past the headers or request timeout, ms. */
export function checkIntervalMs(t: Pick<ApiTimeouts, "headersMs" | "requestMs">): number {
  return Math.max(10, Math.min(5_000, Math.floor(Math.min(t.headersMs, t.requestMs) / 4)));
}

/** A non-empty body must be JSON (the agent and committee peers send `application/json`). */
function requireJson(req: FastifyRequest, body: Buffer): void {
  if (body.length === 0) return;
  const got = req.headers["content-type"];
  if (got?.split(";")[0].trim().toLowerCase() !== "application/json") throw httpError.contentType(got);
}

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
/** Longest challenge id in a path. */
const MAX_ID = 128;
/** Methods a route is registered for: a wrong one is OR112, answered before the body is read. */
const GET = ["GET", "HEAD"];
const POST = ["POST"];
const EMPTY = Buffer.alloc(0);

interface RouteConfig {
  name: string;
  allow: string[];
}
/** The route's own config; empty on the not-found route. */
const configOf = (req: FastifyRequest) => req.routeOptions.config as unknown as Partial<RouteConfig>;

export async function startApi(o: ApiOptions): Promise<Api> {
  const t = { ...DEFAULT_API_TIMEOUTS, ...o.timeouts };
  const headersMs = Math.min(t.headersMs, t.requestMs);
  const cors = corsHeaders(o.corsOrigin);
  const corsLines = Object.entries(cors).map(([k, v]) => `${k}: ${v}\r\n`).join("");

  const noRoute = (req: FastifyRequest) => httpError.notFound(`no route ${req.method} ${req.url.split("?")[0]}`);

  /** Maps anything thrown while serving a request to the error it answers with. */
  const toOracleError = (req: FastifyRequest, e: unknown): OracleError => {
    if (e instanceof OracleError) return e;
    const f = e as Partial<FastifyError>;
    if (f.code === "FST_ERR_CTP_BODY_TOO_LARGE") return httpError.tooLarge(o.maxBodyBytes);
    if (f.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return httpError.contentType(req.headers["content-type"]);
    if (f.code === "FST_ERR_BAD_URL") return httpError.schema("path is not valid percent-encoding");
    if (f.code === "FST_ERR_MAX_PARAM_LENGTH") return noRoute(req);
    // A body that ended early or differs from its content-length.
    if (typeof f.statusCode === "number" && f.statusCode >= 400 && f.statusCode < 500) return httpError.badJson(`body could not be read: ${f.message}`);
    return new OracleError("OR120", "internal error", { status: 500, cause: e });
  };

  const sendError = (req: FastifyRequest, reply: FastifyReply, e: unknown) => {
    const err = toOracleError(req, e);
    // A client that is gone (it aborted, or a timeout closed the connection and counted it) gets no answer.
    const gone = reply.raw.destroyed;
    if (err.status >= 500) o.log.error("api.error", { code: err.code, path: req.url, err: e });
    else o.log.debug(gone ? "api.aborted" : "api.rejected", { code: err.code, path: req.url, message: err.shortMessage });
    if (!gone) o.metrics.requestsRejected.inc({ code: err.code });
    reply.headers(cors);
    if (err.code === "OR110" && err.details?.retryAfterMs) reply.header("retry-after", retryAfterHeader(Number(err.details.retryAfterMs)));
    // An oversized body is not read further: answer and close the connection.
    if (err.code === "OR103") reply.header("connection", "close");
    return reply.code(err.status).send(err.toJSON());
  };

  /** A request that never became one (a timeout, bad HTTP): answered on the socket, then closed. */
  const clientError = (e: NodeJS.ErrnoException, socket: Socket) => {
    if (e.code === "ECONNRESET" || socket.destroyed) return;
    const err =
      e.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? httpError.timeout(`request not received in time (headers within ${headersMs} ms, the whole request within ${t.requestMs} ms)`)
        : e.code === "HPE_HEADER_OVERFLOW"
          ? httpError.malformed("request headers too large", 431)
          : httpError.malformed(`malformed HTTP request (${e.code ?? "parse error"})`);
    o.log.debug("api.rejected", { code: err.code, message: err.shortMessage });
    o.metrics.requestsRejected.inc({ code: err.code });
    // As node does: answer only if no response has started on this socket.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const text = JSON.stringify(err.toJSON());
      socket.write(
        `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status]}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(text)}\r\n${corsLines}\r\n${text}`,
      );
    }
    socket.destroy(e);
  };

  const app = Fastify({
    logger: false,
    bodyLimit: o.maxBodyBytes,
    // A request without `Host` reaches the routes (none reads it) instead of node's bare 400.
    http: { headersTimeout: headersMs, requestTimeout: t.requestMs, keepAliveTimeout: t.keepAliveMs, connectionsCheckingInterval: checkIntervalMs(t), requireHostHeader: false },
    requestTimeout: t.requestMs,
    keepAliveTimeout: t.keepAliveMs,
    connectionTimeout: t.idleMs,
    forceCloseConnections: true,
    exposeHeadRoutes: false,
    // No router bound below node's 16 KiB header limit: ids are bounded by MAX_ID in the handler
    // (a longer one is a 404, as any unknown path), addresses by their pattern (OR102).
    routerOptions: { maxParamLength: 16 * 1024 },
    clientErrorHandler: clientError,
    frameworkErrors: (e, req, reply) => void sendError(req, reply, e),
  });

  // Every body is handed over as the raw bytes: the signature covers their hash (auth.ts).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, raw, done) => done(null, raw));
  app.setReplySerializer(toJson);
  app.setErrorHandler((e, req, reply) => sendError(req, reply, e));

  app.addHook("onRequest", (req, reply, done) => {
    reply.headers(cors);
    if (req.method === "OPTIONS") {
      reply.code(204).send();
      return;
    }
    if (req.is404) return done(noRoute(req));
    if (!configOf(req).allow?.includes(req.method)) return done(httpError.method());
    done();
  });
  app.addHook("onResponse", (req, reply, done) => {
    if (reply.statusCode < 400) {
      const route = req.method === "OPTIONS" ? "options" : configOf(req).name ?? "unknown";
      o.metrics.requests.inc({ route, status: String(reply.statusCode) });
      o.metrics.requestSeconds.observe(reply.elapsedTime / 1000, { route });
    }
    o.log.debug("api.request", { method: req.method, path: req.url, status: reply.statusCode, ms: +reply.elapsedTime.toFixed(1) });
    done();
  });

  const route = (allow: string[], url: string, name: string, handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) =>
    app.all(url, { config: { name, allow } satisfies RouteConfig }, handler);

  // Signed routes.
  const signed = async <T extends z.ZodTypeAny>(req: FastifyRequest, schema: T, allow: (a: Address) => Promise<void>) => {
    const body = (req.body as Buffer | undefined) ?? EMPTY;
    const auth = await authenticate(o.auth(), { method: req.method, path: req.url, headers: req.raw.headers, body, remoteAddress: req.socket.remoteAddress }, allow);
    requireJson(req, body);
    const parsed = parseBody(body, schema);
    return { ctx: { auth, nowMs: o.now(), wallMs: Date.now() } as RequestCtx, body: parsed as z.infer<T> };
  };
  const node = (a: Address) => o.service.requireActiveNode(a);
  const member = (a: Address) => o.service.requireCommitteeMember(a);
  const challengeId = (req: FastifyRequest) => {
    const id = (req.params as { id: string }).id;
    if (id.length === 0 || id.length > MAX_ID) throw noRoute(req);
    return id;
  };
  const addressParam = (req: FastifyRequest, key: string) => {
    const v = (req.params as Record<string, string>)[key];
    if (v === "") throw noRoute(req);
    if (!ADDRESS_RE.test(v)) throw httpError.schema(`${key} must be a 20-byte 0x-hex address`);
    return v as Address;
  };

  route(POST, "/v1/challenges/next", "next", async (req, reply) => {
    const { ctx } = await signed(req, schemas.next, node);
    const ch = await o.service.nextChallenge(ctx);
    if (ch) return ch;
    return reply.code(204).header("retry-after", retryAfterHeader(o.service.retryAfterMs())).send();
  });
  route(POST, "/v1/challenges/:id/commit", "commit", async (req) => {
    const id = challengeId(req);
    const { ctx, body } = await signed(req, schemas.commit, node);
    return o.service.commit(ctx, id, body);
  });
  route(POST, "/v1/challenges/:id/open", "open", async (req) => {
    const id = challengeId(req);
    const { ctx, body } = await signed(req, schemas.open, node);
    return o.service.open(ctx, id, body);
  });
  route(POST, "/v1/processes", "processes", async (req) => {
    const { ctx, body } = await signed(req, schemas.processes, node);
    return o.service.processes(ctx, body);
  });
  route(POST, "/v1/committee/sign", "committee", async (req) => {
    const { ctx, body } = await signed(req, schemas.committeeSign, member);
    return o.service.committeeSign(ctx, body);
  });
  route(GET, "/v1/info", "info", () => o.service.info());
  route(GET, "/v1/nodes", "nodes", () => o.service.nodes());
  route(GET, "/v1/nodes/:node/stats", "stats", async (req) => o.service.nodeStats(addressParam(req, "node")));
  route(GET, "/v1/rewards/:account", "rewards", async (req) => o.service.rewards(addressParam(req, "account")));
  route(GET, "/v1/datasets", "datasets", async (req) => {
    const q = req.url.indexOf("?");
    const e = q < 0 ? null : new URLSearchParams(req.url.slice(q + 1)).get("epoch");
    if (e !== null && !/^[0-9]{1,15}$/.test(e)) throw httpError.schema("epoch must be a non-negative integer");
    return o.service.datasets(e === null ? undefined : Number(e));
  });
  route(GET, "/v1/epochs/:epoch/draws", "draws", async (req) => {
    const e = (req.params as { epoch: string }).epoch;
    if (!/^[0-9]{1,15}$/.test(e)) throw httpError.schema("epoch must be a non-negative integer");
    const q = req.url.indexOf("?");
    const after = q < 0 ? null : new URLSearchParams(req.url.slice(q + 1)).get("after");
    if (after !== null && !/^0x[0-9a-f]{32}$/.test(after)) throw httpError.schema("after must be a challenge id (16 bytes of lower-case 0x-hex)");
    return o.service.draws(Number(e), after ?? undefined);
  });
  route(GET, "/v1/evidence/:hash", "evidence", async (req) => {
    const h = (req.params as { hash: string }).hash;
    if (!/^0x[0-9a-fA-F]{64}$/.test(h)) throw httpError.schema("hash must be 32 bytes of 0x-hex");
    return o.service.evidence(h.toLowerCase());
  });
  route(GET, "/metrics", "metrics", async (_req, reply) => reply.type("text/plain; version=0.0.4").send(await o.service.metricsText()));
  route(GET, "/healthz", "healthz", async (_req, reply) => {
    const body = await o.service.healthz();
    return reply.code(body.ready ? 200 : 503).send(body);
  });

  guardServer(app.server, (code) => o.metrics.requestsRejected.inc({ code }));
  await app.listen({ port: o.port, host: o.host });
  return {
    server: app.server,
    port: (app.server.address() as AddressInfo).port,
    close: () => app.close(),
  };
}
