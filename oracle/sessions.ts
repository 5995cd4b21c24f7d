/**
 * The oracle's end of the session transport (protocol/session.ts): WebSocket sessions on the API's
 * HTTP server, one per node, opened with one EIP-712 signature and then carried by HMAC-sealed
 * frames. What a frame asks for (commit, open, processes) goes to the same handlers as the signed
 * HTTP routes; challenges are pushed by delivery.ts.
 *
 * Cheap rejection, in order of cost: a connection over the per-source limit or the session cap is
 * refused at the upgrade (no parse); an opening is parsed against its schema, its timestamp and
 * nonce checked, the source address rate-limited, and only then the signature recovered (about
 * 3 ms); the signer is rate-limited before its registry record is read (a cached read). After
 * that, a frame costs one HMAC: one that fails framing, sequence or MAC ends the session. Nothing
 * is written before the opening is accepted (its nonce, in the same step as the session).
 *
 * Bounded: a source's connections, the sessions, the frame size (`maxPayload`), an opening's time
 * (`handshakeMs`), a session's frames in flight and its unsent output (a slow reader is dropped),
 * and silence (a missed heartbeat ends the session).
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { bytesToHex, recoverTypedDataAddress, type Address, type Hex } from "viem";
import { WebSocketServer, type RawData, type ServerOptions, type WebSocket } from "ws";
import { z } from "zod";
import { ORACLE_API_DOMAIN_NAME, domain } from "../protocol";
import {
  closeCodeOf,
  ephemeralKey,
  FrameOpener,
  FrameSealer,
  openFrameSchema,
  SessionError,
  sessionKeys,
  SESSION_OPEN_TYPES,
  SESSION_PATH,
  SESSION_SUBPROTOCOL,
  type OpenFrame,
} from "../protocol/session";
import { agentBodies, checkedBody } from "./api-schemas";
import { httpError, OracleError } from "./errors";
import { endWithError } from "./http-limits";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "./json-depth";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";
import type { TokenBuckets } from "./ratelimit";
import { insertNonce, nonceUsed } from "./store/nonces";
import { relaxedTransaction } from "./store/relaxed";
import type { DB } from "./store/schema";

/** Frames one session may have in flight; one more ends it (OR110). */
export const MAX_IN_FLIGHT = 8;
/** Unsent bytes a session may buffer before the reader counts as stalled and is dropped. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** A session frame's message: the HTTP routes' bodies (and their numbers check) with `t` and the challenge id. */
export const sessionMessageSchema = checkedBody(
  z.discriminatedUnion("t", [
    z.object({ t: z.literal("commit"), id: z.string().min(1).max(128) }).merge(agentBodies.commit).strict(),
    z.object({ t: z.literal("open"), id: z.string().min(1).max(128) }).merge(agentBodies.open),
    z.object({ t: z.literal("processes") }).merge(agentBodies.processes).strict(),
  ]),
);
export type SessionMessage = z.infer<typeof sessionMessageSchema>;

/** An accepted session, as delivery and the handlers see it. */
export interface NodeSession {
  readonly node: Address;
  readonly id: Hex;
  /** Chain-aligned time the session was accepted, ms. */
  readonly openedAt: number;
  /** Sends a sealed frame; false when the session is gone or its reader has stalled. */
  push(message: unknown): boolean;
  close(code: string, message: string): void;
}

export interface SessionHandlers {
  /** Answers one agent frame; throws OracleError to answer `ok:false`. */
  handle(s: NodeSession, m: SessionMessage): Promise<unknown>;
  /** Called once a session is accepted (delivery sends what is due). */
  opened(s: NodeSession): void;
  closed(s: NodeSession): void;
}

export interface SessionOptions {
  chainId: number;
  registry: Address;
  oracle: Address;
  db: DB;
  clockSkewMs: number;
  maxPayloadBytes: number;
  /** Per signer (after recovery) and per source address (before). */
  limiter: TokenBuckets;
  sourceLimiter: TokenBuckets;
  maxSessions: number;
  maxConnectionsPerSource: number;
  handshakeMs: number;
  heartbeatMs: number;
  /** Wall clock (timestamps), ms. */
  wallNow: () => number;
  /** Chain-aligned clock, ms. */
  now: () => number;
  requireActiveNode(node: Address): Promise<void>;
  handlers: SessionHandlers;
  log: Logger;
  metrics: Metrics;
}

/** The open sessions of one oracle, keyed by node (lower case). */
export class SessionHub {
  private readonly wss: WebSocketServer;
  private readonly byNode = new Map<string, Session>();
  private readonly perSource = new Map<string, number>();
  private connections = 0;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly o: SessionOptions) {
    // `closeTimeout` (ws 8.21, not in its types yet): a peer that does not answer a close frame is
    // cut off as soon as one that sends no opening.
    const options: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      maxPayload: o.maxPayloadBytes,
      perMessageDeflate: false,
      closeTimeout: o.handshakeMs,
      handleProtocols: (protocols) => (protocols.has(SESSION_SUBPROTOCOL) ? SESSION_SUBPROTOCOL : false),
    };
    this.wss = new WebSocketServer(options);
    // A malformed upgrade (method, Upgrade, key, version, subprotocol list) gets a named refusal.
    this.wss.on("wsClientError", (e: Error, socket: Duplex) =>
      this.refuse(socket, /method/i.test(e.message) ? httpError.method() : httpError.malformed(`WebSocket upgrade refused: ${e.message}`)),
    );
    this.heartbeat = setInterval(() => this.beat(), o.heartbeatMs);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.byNode.size;
  }

  get(node: string): NodeSession | undefined {
    return this.byNode.get(node.toLowerCase());
  }

  sessions(): IterableIterator<NodeSession> {
    return this.byNode.values();
  }

  /** Takes over `upgrade` requests for SESSION_PATH on `server`; other paths are refused. */
  attach(server: Server): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  private refuse(socket: Duplex, err: OracleError) {
    this.o.metrics.requestsRejected.inc({ code: err.code });
    endWithError(socket, err);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== SESSION_PATH) return this.refuse(socket, httpError.notFound(`no WebSocket endpoint at ${path}`));
    // Refused before the 101: a client that asked for other subprotocols would fail a 101
    // without one on its own side, and never see why.
    const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    if (!offered.includes(SESSION_SUBPROTOCOL)) return this.refuse(socket, httpError.missingAuth(`subprotocol ${SESSION_SUBPROTOCOL} required`));
    const source = req.socket.remoteAddress ?? "?";
    if (this.connections >= this.o.maxSessions) return this.refuse(socket, new OracleError("OR119", "session limit reached, try again", { status: 503 }));
    if ((this.perSource.get(source) ?? 0) >= this.o.maxConnectionsPerSource) return this.refuse(socket, httpError.rateLimited(1_000));
    const wait = this.o.sourceLimiter.take(source, this.o.wallNow());
    if (wait > 0) return this.refuse(socket, httpError.rateLimited(wait));
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // A frame ws refuses (oversize, not UTF-8, not masked, a bad opcode) is an "error" event
      // before ws closes the connection itself (1009, 1007, 1002): without a listener it would
      // be thrown, and end the process.
      ws.on("error", (e) => {
        this.o.metrics.requestsRejected.inc({ code: /payload size/i.test(e.message) ? "OR103" : "OR105" });
        this.o.log.debug("session.frame_refused", { source, message: e.message });
      });
      this.connections++;
      this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
      ws.once("close", () => {
        this.connections--;
        const n = (this.perSource.get(source) ?? 1) - 1;
        if (n <= 0) this.perSource.delete(source);
        else this.perSource.set(source, n);
      });
      this.handshake(ws, source);
    });
  }

  private handshake(ws: WebSocket, source: string) {
    const timer = setTimeout(() => ws.close(closeCodeOf("OR104"), "no session opening in time"), this.o.handshakeMs);
    ws.once("message", (data: RawData, isBinary: boolean) => {
      clearTimeout(timer);
      const t0 = performance.now();
      this.accept(ws, data, isBinary)
        .then((s) => {
          if (s) this.o.metrics.sessionOpenSeconds.observe((performance.now() - t0) / 1000);
          if (s) this.o.log.debug("session.opened", { node: s.node, source });
        })
        .catch((e) => {
          const err = e instanceof OracleError ? e : new OracleError("OR120", "internal error", { cause: e });
          if (err.status >= 500 && err.code !== "OR119") this.o.log.error("session.error", { code: err.code, err: e });
          this.o.metrics.requestsRejected.inc({ code: err.code });
          // The refusal in full (details such as the node's registry status), then the close.
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(err.toJSON()));
          ws.close(closeCodeOf(err.code), err.shortMessage.slice(0, 120));
        });
    });
  }

  private async accept(ws: WebSocket, data: RawData, isBinary: boolean): Promise<Session | undefined> {
    if (isBinary) throw httpError.missingAuth("the session opening is a text frame");
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      throw httpError.badJson("session opening is not valid JSON");
    }
    const parsed = openFrameSchema.safeParse(json);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw httpError.schema(`session opening: ${i.path.join(".") || "frame"}: ${i.message}`);
    }
    const f: OpenFrame = parsed.data;
    const skew = Math.abs(this.o.wallNow() - f.timestamp * 1000);
    if (skew > this.o.clockSkewMs) throw httpError.stale(`timestamp ${f.timestamp} is ${Math.round(skew / 1000)} s from the oracle's clock (window ${this.o.clockSkewMs / 1000} s)`);
    const node = f.node.toLowerCase();
    const nonce = f.nonce.toLowerCase();
    if (nonceUsed(this.o.db, node, nonce)) throw httpError.replay();
    let signer: Address;
    try {
      signer = await recoverTypedDataAddress({
        domain: domain(ORACLE_API_DOMAIN_NAME, this.o.chainId, this.o.registry),
        types: SESSION_OPEN_TYPES,
        primaryType: "SessionOpen",
        message: { node: f.node as Address, oracle: this.o.oracle, clientKey: f.clientKey as Hex, timestamp: BigInt(f.timestamp), nonce: f.nonce as Hex },
        signature: f.signature as Hex,
      });
    } catch (e) {
      throw new OracleError("OR105", "session signature cannot be recovered", { status: 401, cause: e });
    }
    if (signer.toLowerCase() !== node) throw httpError.badSignature("session signature does not recover to the node (wrong key, chain, contract, oracle or version)");
    const wait = this.o.limiter.take(node, this.o.wallNow());
    if (wait > 0) throw httpError.rateLimited(wait);
    await this.o.requireActiveNode(signer);
    if (ws.readyState !== ws.OPEN) return undefined;

    const sessionId = bytesToHex(randomBytes(32));
    const own = ephemeralKey();
    let keys;
    try {
      keys = sessionKeys(own, f.clientKey as Hex, { chainId: this.o.chainId, registry: this.o.registry, oracle: this.o.oracle, node: signer, nonce: f.nonce as Hex, session: sessionId });
    } catch (e) {
      throw httpError.missingAuth((e as SessionError).message);
    }
    if (!relaxedTransaction(this.o.db, () => insertNonce(this.o.db, node, nonce, f.timestamp * 1000))) throw httpError.replay();
    const s = new Session(ws, signer, sessionId, this.o.now(), new FrameSealer(keys.down), new FrameOpener(keys.up), this.o);
    ws.send(JSON.stringify({ t: "ready", session: sessionId, serverKey: own.publicHex, oracle: this.o.oracle, heartbeatMs: this.o.heartbeatMs }));
    const old = this.byNode.get(node);
    this.byNode.set(node, s);
    if (old) old.close("OR114", "replaced by a newer session of this node");
    this.o.metrics.sessionsOpened.inc();
    ws.on("close", () => {
      if (this.byNode.get(node) === s) this.byNode.delete(node);
      this.o.handlers.closed(s);
    });
    this.o.handlers.opened(s);
    return s;
  }

  private beat() {
    for (const s of this.byNode.values()) s.beat();
  }

  /** Ends every session and stops accepting new ones. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const ws of this.wss.clients) ws.terminate();
    this.byNode.clear();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

class Session implements NodeSession {
  private inFlight = 0;
  private alive = true;

  constructor(
    private readonly ws: WebSocket,
    readonly node: Address,
    readonly id: Hex,
    readonly openedAt: number,
    private readonly sealer: FrameSealer,
    private readonly opener: FrameOpener,
    private readonly o: SessionOptions,
  ) {
    ws.on("message", (data, isBinary) => this.onFrame(data, isBinary));
    ws.on("pong", () => (this.alive = true));
  }

  push(message: unknown): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.close("OR110", "session output not being read");
      return false;
    }
    this.ws.send(this.sealer.seal(message).frame);
    return true;
  }

  close(code: string, message: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(closeCodeOf(code), message.slice(0, 120));
  }

  beat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.ws.ping();
  }

  private onFrame(data: RawData, isBinary: boolean) {
    let seq: number;
    let message: unknown;
    try {
      if (isBinary) throw new SessionError("framing", "session frames are text");
      ({ seq, message } = this.opener.open(data.toString()));
    } catch (e) {
      this.o.metrics.requestsRejected.inc({ code: "OR105" });
      this.close("OR105", `frame rejected: ${(e as Error).message}`);
      return;
    }
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.o.metrics.requestsRejected.inc({ code: "OR110" });
      this.close("OR110", `more than ${MAX_IN_FLIGHT} frames in flight`);
      return;
    }
    const wait = this.o.limiter.take(this.node.toLowerCase(), this.o.wallNow());
    if (wait > 0) {
      this.reply(seq, httpError.rateLimited(wait));
      return;
    }
    if (nestedDeeperThan(message)) {
      this.reply(seq, httpError.schema(`frame nests deeper than ${MAX_JSON_DEPTH} levels`));
      return;
    }
    const parsed = sessionMessageSchema.safeParse(message);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      this.reply(seq, httpError.schema(`${i.path.join(".") || "frame"}: ${i.message}`));
      return;
    }
    this.inFlight++;
    const t0 = performance.now();
    this.o.handlers
      .handle(this, parsed.data)
      .then((body) => this.reply(seq, undefined, body))
      .catch((e) => {
        const err = e instanceof OracleError ? e : new OracleError("OR120", "internal error", { status: 500, cause: e });
        if (err.status >= 500) this.o.log.error("session.error", { code: err.code, node: this.node, err: e });
        this.reply(seq, err);
      })
      .finally(() => {
        this.inFlight--;
        this.o.metrics.requests.inc({ route: `session.${parsed.data.t}`, status: "done" });
        this.o.metrics.requestSeconds.observe((performance.now() - t0) / 1000, { route: `session.${parsed.data.t}` });
        this.o.log.debug("session.frame", { node: this.node, t: parsed.data.t, ms: +(performance.now() - t0).toFixed(1) });
      });
  }

  private reply(re: number, err?: OracleError, body?: unknown) {
    if (err) this.o.metrics.requestsRejected.inc({ code: err.code });
    this.push(err ? { t: "reply", re, ok: false, ...err.toJSON() } : { t: "reply", re, ok: true, body: body ?? {} });
  }
}
