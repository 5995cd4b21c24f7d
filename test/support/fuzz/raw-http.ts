/**
 * HTTP/1.1 over a bare TCP socket, so a test can send what no HTTP client would: any method,
 * request target and header bytes, repeated headers, a body that disagrees with its length, or
 * nothing at all. The answer is read until the server closes the connection (requests ask for
 * `connection: close`), and parsed (content-length, chunked or close-delimited bodies).
 */
import { connect, type Socket } from "node:net";

export interface RawRequest {
  method: string;
  /** The request target exactly as sent (path, query, anything). */
  target: string;
  /** Sent in order, repeats kept; values are written as latin1 bytes. */
  headers: [string, string][];
  body?: Uint8Array;
}

export interface RawResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  json?: any;
  /** ms from connecting to the server closing the connection. */
  closedAfterMs: number;
}

/** The bytes of a request: `content-length` and `connection: close` added unless given. */
export function requestBytes(r: RawRequest): Buffer {
  const names = new Set(r.headers.map(([k]) => k.toLowerCase()));
  const headers: [string, string][] = [...r.headers];
  if (!names.has("host")) headers.unshift(["host", "127.0.0.1"]);
  if (!names.has("connection")) headers.push(["connection", "close"]);
  if (r.body && !names.has("content-length") && !names.has("transfer-encoding")) headers.push(["content-length", String(r.body.length)]);
  const head = `${r.method} ${r.target} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(r.body ?? new Uint8Array())]);
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = b.indexOf("\r\n", i);
    if (eol < 0) break;
    const size = parseInt(b.subarray(i, eol).toString("latin1").split(";")[0], 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(b.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Parses one HTTP response from the bytes a connection received; undefined when there is none. */
export function parseResponse(bytes: Buffer, closedAfterMs: number): RawResponse | undefined {
  // Interim answers (100 Continue, 102, 103) come before the answer itself.
  while (/^HTTP\/1\.[01] 1(00|02|03) /.test(bytes.subarray(0, 16).toString("latin1")) && bytes.indexOf("\r\n\r\n") >= 0) {
    bytes = bytes.subarray(bytes.indexOf("\r\n\r\n") + 4);
  }
  const end = bytes.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString("latin1").split("\r\n");
  const m = /^HTTP\/1\.[01] ([0-9]{3})/.exec(statusLine);
  if (!m) return undefined;
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const c = l.indexOf(":");
    const k = l.slice(0, c).trim().toLowerCase();
    const v = l.slice(c + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  let body = bytes.subarray(end + 4);
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) body = dechunk(body);
  else if (headers["content-length"] !== undefined) body = body.subarray(0, Number(headers["content-length"]));
  let json: unknown;
  if (/json/.test(headers["content-type"] ?? "") && body.length > 0) {
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      json = undefined;
    }
  }
  return { status: Number(m[1]), headers, body, json, closedAfterMs };
}

export interface Exchange {
  /** The first response on the connection (undefined when the server closed without one). */
  response?: RawResponse;
  /** Everything the server sent. */
  bytes: Buffer;
  /** ms from connecting until the server closed the connection. */
  closedAfterMs: number;
}

/**
 * Connects, writes `send` (a request, raw bytes, or parts written `gapMs` apart), then waits for
 * the server to close the connection. Rejects when it has not after `timeoutMs`: a connection the
 * server never lets go.
 */
export function exchange(port: number, send: RawRequest | Buffer | Buffer[], o: { timeoutMs: number; gapMs?: number; host?: string }): Promise<Exchange> {
  const parts = Array.isArray(send) ? send : [Buffer.isBuffer(send) ? send : requestBytes(send)];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    const socket: Socket = connect(port, o.host ?? "127.0.0.1");
    const timers: NodeJS.Timeout[] = [];
    const guard = setTimeout(() => {
      socket.destroy();
      reject(new Error(`server kept the connection open ${o.timeoutMs} ms (${Buffer.concat(chunks).subarray(0, 120).toString("latin1")})`));
    }, o.timeoutMs);
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", () => undefined); // a reset after the answer is a close like any other
    socket.on("close", () => {
      clearTimeout(guard);
      for (const t of timers) clearTimeout(t);
      const bytes = Buffer.concat(chunks);
      const closedAfterMs = performance.now() - t0;
      resolve({ response: parseResponse(bytes, closedAfterMs), bytes, closedAfterMs });
    });
    socket.once("connect", () => {
      parts.forEach((p, i) => {
        if (i === 0 || !o.gapMs) socket.write(p);
        else timers.push(setTimeout(() => socket.writable && socket.write(p), i * o.gapMs));
      });
    });
  });
}
