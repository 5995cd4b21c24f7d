/**
 * The oracle's API as it was served before fastify: node:http with a hand-written router, kept as
 * the baseline that `http-api.ts` measures fastify (oracle/api.ts) against. Same routes, same
 * checks, same answers; not used by the oracle.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Address } from "viem";
import type { z } from "zod";
import { retryAfterHeader } from "../../protocol/retry-after";
import { corsHeaders, schemas, toJson, type Api, type ApiOptions, type RequestCtx } from "../api";
import { parseBody } from "../api-schemas";
import { authenticate } from "../auth";
import { httpError, OracleError } from "../errors";

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

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

export function startNodeHttpApi(o: ApiOptions): Promise<Api> {
  const cors = corsHeaders(o.corsOrigin);
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? "" : typeof body === "string" ? body : toJson(body);
    res.writeHead(status, {
      ...cors,
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

    const signed = async <T extends z.ZodTypeAny>(schema: T, allow: (a: Address) => Promise<void>) => {
      const body = await readBody(req, o.maxBodyBytes);
      const auth = await authenticate(o.auth(), { method, path: rawPath, headers: req.headers, body }, allow);
      const parsed = parseBody(body, schema);
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
      if (!ch) send(res, 204, undefined, { "retry-after": retryAfterHeader(o.service.retryAfterMs()) });
      else send(res, 200, ch);
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
      .then((route) => o.metrics.requests.inc({ route, status: String(res.statusCode) }))
      .catch((e) => {
        const err = e instanceof OracleError ? e : new OracleError("OR120", "internal error", { status: 500, cause: e });
        if (err.status >= 500) o.log.error("api.error", { code: err.code, path: req.url, err: e });
        else o.log.debug("api.rejected", { code: err.code, path: req.url, message: err.shortMessage });
        o.metrics.requestsRejected.inc({ code: err.code });
        const headers: Record<string, string> = {};
        if (err.code === "OR110" && err.details?.retryAfterMs) headers["retry-after"] = retryAfterHeader(Number(err.details.retryAfterMs));
        if (err.code === "OR103") headers.connection = "close";
        if (!res.headersSent) send(res, err.status, err.toJSON(), headers);
        else res.end();
      })
      .finally(() => o.log.debug("api.request", { method: req.method, path: req.url, status: res.statusCode, ms: +(performance.now() - t0).toFixed(1) }));
  });
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
