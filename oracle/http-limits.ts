/**
 * What the oracle's HTTP server does before any route runs: how long a client may take to send
 * its headers and its whole request, how long an idle keep-alive connection stays open, and the
 * answer to what the HTTP parser itself refuses (a malformed request, headers over the size
 * limit, a request not received in time), an unmet `expect` and a CONNECT. Each of those gets a
 * named error like every route's refusal (docs/errors.md), written straight to the socket where
 * no route has a response to write it with, and the connection is closed.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { httpError, type OracleError } from "./errors";

export interface HttpLimits {
  /** Time a client has to send a request's headers, ms. */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request, headers and body, ms. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long, ms. */
  keepAliveTimeoutMs: number;
}

/** Longest period between two checks of the timeouts (node's default, 30 s, doubles them), ms. */
const MAX_CHECK_MS = 1_000;

/**
 * Options for `http.createServer`: the timeouts are checked often enough to hold, and a request
 * without `Host` reaches the routes (none reads it) instead of node's bare 400.
 */
export function serverOptions(l: HttpLimits): ServerOptions {
  return {
    connectionsCheckingInterval: Math.max(50, Math.min(MAX_CHECK_MS, Math.floor(Math.min(l.headersTimeoutMs, l.requestTimeoutMs) / 4))),
    requireHostHeader: false,
  };
}

const REASONS: Record<number, string> = { 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 417: "Expectation Failed", 429: "Too Many Requests", 431: "Request Header Fields Too Large", 503: "Service Unavailable" };

/** Writes a whole HTTP answer with `err` to a bare socket, then closes it once written. */
export function endWithError(socket: Duplex, err: OracleError, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(err.toJSON());
  const lines = Object.entries({ connection: "close", "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.once("finish", () => socket.destroy());
  socket.end(`HTTP/1.1 ${err.status} ${REASONS[err.status] ?? "Error"}\r\n${lines.join("")}\r\n${body}`);
}

/** The named error for what node's HTTP parser refused (`clientError`). */
export function parserError(e: NodeJS.ErrnoException): OracleError {
  if (e.code === "ERR_HTTP_REQUEST_TIMEOUT") return httpError.incomplete("request not received in time");
  if (e.code === "HPE_HEADER_OVERFLOW") return httpError.malformed("request headers too large", 431);
  return httpError.malformed(`malformed HTTP request (${e.code ?? "parse error"})`);
}

/**
 * Answers a `clientError` the way node's default handler does (an answer only while nothing of a
 * response went out yet), with a named error; `rejected` counts it.
 */
export function answerClientError(e: NodeJS.ErrnoException, socket: Duplex, rejected: (code: string) => void): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  if (e.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const err = parserError(e);
  rejected(err.code);
  endWithError(socket, err);
}

/** Sets the timeouts on `server` and answers what no route sees with named errors. */
export function guardServer(server: Server, l: HttpLimits, rejected: (code: string) => void): void {
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
  server.on("clientError", (e: NodeJS.ErrnoException, socket: Duplex) => answerClientError(e, socket, rejected));
  server.on("checkExpectation", (req: IncomingMessage, res: ServerResponse) => {
    const err = httpError.malformed(`expectation ${JSON.stringify(String(req.headers.expect).slice(0, 40))} not supported`, 417);
    rejected(err.code);
    res.writeHead(err.status, { "content-type": "application/json", connection: "close" }).end(JSON.stringify(err.toJSON()));
  });
  server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
    const err = httpError.method();
    rejected(err.code);
    endWithError(socket, err);
  });
}
