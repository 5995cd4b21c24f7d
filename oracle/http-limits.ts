/**
 * What reaches the oracle's HTTP server outside any route (an unmet `expect`, a CONNECT, a refused
 * WebSocket upgrade) gets a named error like every route's refusal (docs/errors.md), written
 * straight to the socket where no route has a response to write it with, and the connection is
 * closed.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { httpError, type OracleError } from "./errors";

const REASONS: Record<number, string> = { 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 417: "Expectation Failed", 429: "Too Many Requests", 431: "Request Header Fields Too Large", 503: "Service Unavailable" };

/** Writes a whole HTTP answer with `err` to a bare socket, then closes it once written. */
export function endWithError(socket: Duplex, err: OracleError, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(err.toJSON());
  const lines = Object.entries({ connection: "close", "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.once("finish", () => socket.destroy());
  socket.end(`HTTP/1.1 ${err.status} ${REASONS[err.status] ?? "Error"}\r\n${lines.join("")}\r\n${body}`);
}

/**
 * Answers, with named errors, what reaches the HTTP server outside any route: an `expect` it does
 * not meet (417) and a CONNECT (405); `rejected` counts each. (The parser's own refusals and the
 * timeouts are the HTTP server's: api.ts.)
 */
export function guardServer(server: Server, rejected: (code: string) => void): void {
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
