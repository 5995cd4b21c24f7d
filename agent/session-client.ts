/**
 * The agent's end of the session transport (protocol/session.ts): one WebSocket to the oracle,
 * opened with one signature by the node key, then HMAC-sealed frames. The oracle pushes each
 * challenge at its due instant; `next()` hands over the pushed ones, so the challenge loop
 * (loop.ts) runs unchanged over it. A dropped connection is AG007 (OracleUnreachable): the loop
 * backs off and the next call opens a new session, where the oracle pushes the open challenge
 * again (with its root and openings when it was committed).
 */
import { randomBytes } from "node:crypto";
import { bytesToHex, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import WebSocket from "ws";
import { ORACLE_API_DOMAIN_NAME, domain } from "../protocol";
import {
  ephemeralKey,
  errorCodeOfClose,
  FrameOpener,
  FrameSealer,
  readyFrameSchema,
  sessionKeys,
  SESSION_OPEN_TYPES,
  SESSION_PATH,
  SESSION_SUBPROTOCOL,
} from "../protocol/session";
import { OracleClient, oracleRejection, MAX_RESPONSE_BYTES, REQUEST_TIMEOUT_MS, type AnswerOf, type Challenge, type NextResult, type OracleInfo, type Opening, type Verdict } from "./client";
import { AgentError, rootCause } from "./errors";
import type { SignedProcessReport } from "../protocol/process-report";

/** The calls the challenge loop makes, over HTTP polling (client.ts) or a session (this file). */
export interface OracleTransport {
  readonly baseUrl: string;
  info(): Promise<OracleInfo>;
  next(): Promise<NextResult>;
  commit(challengeId: string, root: Hex): Promise<{ openings: number[]; [k: string]: unknown }>;
  /** `of`: the spec as received and the root committed, which the answer's signature covers with the openings. */
  open(challengeId: string, openings: Opening[], of: AnswerOf, extra?: Record<string, unknown>): Promise<Verdict>;
  /** Sends a process report signed by the node key (processes/report.ts). */
  processes(report: SignedProcessReport): Promise<void>;
  close?(): void;
}

/** How long `next()` waits for a push before handing the loop a turn, ms. */
export const DEFAULT_WAIT_MS = 5_000;

interface Live {
  ws: WebSocket;
  sealer: FrameSealer;
  opener: FrameOpener;
}

export class SessionClient implements OracleTransport {
  private readonly http: OracleClient;
  private info_?: OracleInfo;
  private live?: Live;
  private connecting?: Promise<Live>;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  private readonly pushed: Challenge[] = [];
  private wake?: () => void;

  constructor(
    readonly baseUrl: string,
    private readonly account: PrivateKeyAccount,
    private readonly opts: { waitMs?: number; requestTimeoutMs?: number } = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.http = new OracleClient(this.baseUrl, account);
  }

  /** `GET /v1/info` (checks the API version); fixes the chain, registry and oracle the session is signed for. */
  async info(): Promise<OracleInfo> {
    this.info_ = await this.http.info();
    return this.info_;
  }

  async next(): Promise<NextResult> {
    await this.session();
    if (this.pushed.length === 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, this.opts.waitMs ?? DEFAULT_WAIT_MS);
        this.wake = () => {
          clearTimeout(t);
          r();
        };
      });
      this.wake = undefined;
    }
    const c = this.pushed.shift();
    if (c) return { challenge: c };
    if (!this.live) throw new AgentError("OracleUnreachable", `session with ${this.baseUrl} closed`);
    return { retryAfterMs: 0 };
  }

  async commit(challengeId: string, root: Hex): Promise<{ openings: number[]; [k: string]: unknown }> {
    return (await this.request({ t: "commit", id: challengeId, root }, "commit")) as { openings: number[] };
  }

  async open(challengeId: string, openings: Opening[], of: AnswerOf, extra: Record<string, unknown> = {}): Promise<Verdict> {
    const signature = await this.http.signAnswer(challengeId, of, openings);
    return (await this.request({ ...extra, t: "open", id: challengeId, openings, signature }, "open")) as Verdict;
  }

  async processes(report: SignedProcessReport): Promise<void> {
    await this.request({ t: "processes", ...report }, "processes");
  }

  close(): void {
    this.live?.ws.close(1000, "agent stopping");
    this.live = undefined;
  }

  private async request(message: Record<string, unknown>, what: string): Promise<unknown> {
    const live = await this.session();
    const { frame, seq } = live.sealer.seal(message);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(new AgentError("OracleUnreachable", `no answer to ${what} from ${this.baseUrl} within ${this.opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS} ms`));
      }, this.opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS);
      this.pending.set(seq, { resolve, reject, timer });
      live.ws.send(frame, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(seq);
        reject(new AgentError("OracleUnreachable", `session with ${this.baseUrl} failed sending ${what}`, { cause: err }));
      });
    });
  }

  private session(): Promise<Live> {
    if (this.live) return Promise.resolve(this.live);
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<Live> {
    const info = this.info_ ?? (await this.info());
    const oracle = info.raw.oracle;
    if (typeof oracle !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(oracle)) {
      throw new AgentError("OracleRejected", `the oracle's /v1/info names no oracle address to open a session with`);
    }
    const own = ephemeralKey();
    const nonce = bytesToHex(randomBytes(32));
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = await this.account.signTypedData({
      domain: domain(ORACLE_API_DOMAIN_NAME, info.chainId, info.registry),
      types: SESSION_OPEN_TYPES,
      primaryType: "SessionOpen",
      message: { node: this.account.address, oracle: oracle as `0x${string}`, clientKey: own.publicHex, timestamp: BigInt(timestamp), nonce },
    });
    const url = this.baseUrl.replace(/^http/, "ws") + SESSION_PATH;
    const ws = new WebSocket(url, SESSION_SUBPROTOCOL, { maxPayload: MAX_RESPONSE_BYTES, perMessageDeflate: false, handshakeTimeout: REQUEST_TIMEOUT_MS });
    return new Promise<Live>((resolve, reject) => {
      let rejection: { code?: string; message?: string; details?: { nodeStatus?: unknown } } | undefined;
      let ready = false;
      const fail = (e: unknown) => {
        if (!ready) reject(e);
      };
      ws.once("error", (err) => fail(new AgentError("OracleUnreachable", `oracle ${url} unreachable${rootCause(err) ? ` (${rootCause(err)})` : ""}`, { cause: err })));
      ws.once("unexpected-response", (_req, res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const e = (() => {
            try {
              return JSON.parse(Buffer.concat(chunks).toString()).error;
            } catch {
              return undefined;
            }
          })();
          const status = res.statusCode ?? 0;
          fail(status >= 500 || status === 429 ? new AgentError("OracleUnreachable", `oracle refused the session (${status}${e?.code ? ` ${e.code}` : ""})`) : oracleRejection(this.account.address, String(e?.code ?? status), String(e?.message ?? ""), e?.details, status, "session"));
        });
      });
      ws.on("open", () => ws.send(JSON.stringify({ t: "open", node: this.account.address, timestamp, nonce, clientKey: own.publicHex, signature })));
      ws.on("message", (data) => {
        const text = data.toString();
        if (ready) return this.onFrame(text);
        let msg: unknown;
        try {
          msg = JSON.parse(text);
        } catch {
          return fail(new AgentError("OracleRejected", `the oracle's session answer is not JSON`));
        }
        if (msg && typeof msg === "object" && "error" in msg) {
          rejection = (msg as { error: typeof rejection }).error;
          return;
        }
        const r = readyFrameSchema.safeParse(msg);
        if (!r.success || r.data.oracle.toLowerCase() !== oracle.toLowerCase()) return fail(new AgentError("OracleRejected", `the oracle's session answer is malformed`));
        let keys;
        try {
          keys = sessionKeys(own, r.data.serverKey as Hex, { chainId: info.chainId, registry: info.registry, oracle: oracle as `0x${string}`, node: this.account.address, nonce, session: r.data.session as Hex });
        } catch (e) {
          return fail(new AgentError("OracleRejected", `the oracle's session key is unusable: ${(e as Error).message}`));
        }
        ready = true;
        this.live = { ws, sealer: new FrameSealer(keys.up), opener: new FrameOpener(keys.down) };
        resolve(this.live);
      });
      ws.on("close", (code, reason) => {
        const wasLive = this.live?.ws === ws;
        if (wasLive) this.live = undefined;
        const oracleCode = rejection?.code ?? errorCodeOfClose(code);
        const message = rejection?.message ?? reason.toString();
        const err = oracleCode && oracleCode !== "OR119" && oracleCode !== "OR110"
          ? oracleRejection(this.account.address, oracleCode, message, rejection?.details, 400, "session")
          : new AgentError("OracleUnreachable", `session with ${this.baseUrl} closed (${code}${message ? `: ${message}` : ""})`);
        fail(err);
        for (const [seq, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(err);
          this.pending.delete(seq);
        }
        this.wake?.();
      });
    });
  }

  private onFrame(text: string) {
    const live = this.live;
    if (!live) return;
    let message: unknown;
    try {
      message = live.opener.open(text).message;
    } catch (e) {
      live.ws.close(4105, `frame rejected: ${(e as Error).message}`.slice(0, 120));
      return;
    }
    const m = message as { t?: string; re?: number; ok?: boolean; body?: unknown; error?: { code?: string; message?: string; details?: { nodeStatus?: unknown } }; challenge?: Challenge };
    if (m.t === "challenge" && m.challenge) {
      this.pushed.push(m.challenge);
      this.wake?.();
      return;
    }
    if (m.t === "reply" && typeof m.re === "number") {
      const p = this.pending.get(m.re);
      if (!p) return;
      clearTimeout(p.timer);
      this.pending.delete(m.re);
      if (m.ok) p.resolve(m.body);
      else p.reject(oracleRejection(this.account.address, String(m.error?.code ?? "?"), String(m.error?.message ?? ""), m.error?.details, 400, "session request"));
    }
  }
}
