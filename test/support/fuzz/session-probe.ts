/**
 * A session peer for the fuzzers (protocol/session.ts): connects a WebSocket with any
 * subprotocol, signs openings with any field changed, and after a good opening seals frames by
 * hand (any sequence number, any MAC, any text). It records everything the oracle does: an HTTP
 * refusal of the upgrade, frames received (replies opened with the session's key), the close.
 */
import { randomBytes } from "node:crypto";
import { bytesToHex, type Address, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import WebSocket from "ws";
import { ORACLE_API_DOMAIN_NAME, domain } from "../../../protocol";
import { ephemeralKey, FrameOpener, readyFrameSchema, sealText, sessionKeys, SESSION_OPEN_TYPES, SESSION_PATH, SESSION_SUBPROTOCOL, type Ephemeral } from "../../../protocol/session";

/** What a session needs to know about the oracle (all from its `GET /v1/info`). */
export interface SessionTarget {
  /** http://host:port */
  url: string;
  chainId: number;
  registry: Address;
  oracle: Address;
}

export interface Closed {
  code: number;
  reason: string;
}

export class Probe {
  readonly texts: string[] = [];
  readonly binaries: Buffer[] = [];
  /** The HTTP answer when the upgrade was refused. */
  refused?: { status: number; json: any };
  error?: Error;
  /** The connection is gone (closed, or its upgrade refused). */
  ended = false;
  readonly closed: Promise<Closed>;
  private waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on("message", (d, isBinary) => {
      if (isBinary) this.binaries.push(Buffer.from(d as Buffer));
      else this.texts.push(d.toString());
      this.wake();
    });
    ws.on("open", () => this.wake());
    ws.on("error", (e) => (this.error = e)); // and the close that follows
    ws.on("unexpected-response", (_req, res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        let json: unknown;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString());
        } catch {
          json = undefined;
        }
        this.refused = { status: res.statusCode ?? 0, json };
        ws.terminate(); // ends the handshake: "error", then "close"
      });
    });
    this.closed = new Promise((resolve) =>
      ws.once("close", (code: number, reason: Buffer) => {
        this.ended = true;
        this.wake();
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `ready()` holds or the socket closed; false on timeout. */
  async until(ready: () => boolean, ms: number): Promise<boolean> {
    const end = performance.now() + ms;
    while (!ready()) {
      if (this.ended || performance.now() > end) return ready();
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, end - performance.now()));
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
    return true;
  }

  async opened(ms = 5_000): Promise<boolean> {
    return this.until(() => this.ws.readyState === WebSocket.OPEN, ms);
  }
}

export function connect(t: SessionTarget, o: { protocols?: string[]; path?: string; autoPong?: boolean } = {}): Probe {
  const ws = new WebSocket(t.url.replace(/^http/, "ws") + (o.path ?? SESSION_PATH), o.protocols ?? [SESSION_SUBPROTOCOL], {
    perMessageDeflate: false,
    maxPayload: 64 * 1024 * 1024,
    handshakeTimeout: 10_000,
    autoPong: o.autoPong ?? true,
  });
  return new Probe(ws);
}

export interface OpeningOver {
  node?: Address;
  oracle?: Address;
  chainId?: number;
  registry?: Address;
  timestamp?: number;
  nonce?: Hex;
  clientKey?: Hex;
}

/** A signed opening, with any signed field changed by `over`; `node` is what the frame claims. */
export async function signedOpening(t: SessionTarget, account: PrivateKeyAccount, over: OpeningOver = {}) {
  const eph = ephemeralKey();
  const nonce = over.nonce ?? bytesToHex(randomBytes(32));
  const timestamp = over.timestamp ?? Math.floor(Date.now() / 1000);
  const clientKey = over.clientKey ?? eph.publicHex;
  const signature = await account.signTypedData({
    domain: domain(ORACLE_API_DOMAIN_NAME, over.chainId ?? t.chainId, over.registry ?? t.registry),
    types: SESSION_OPEN_TYPES,
    primaryType: "SessionOpen",
    message: { node: account.address, oracle: over.oracle ?? t.oracle, clientKey, timestamp: BigInt(timestamp), nonce },
  });
  return { frame: { t: "open", node: over.node ?? account.address, timestamp, nonce, clientKey, signature }, eph, nonce };
}

/** A session after a good opening: frames sealed by hand, replies opened with the down key. */
export class LiveSession {
  /** Sequence number of the next frame. */
  seq = 1;
  private readonly down: FrameOpener;
  private read = 0;
  /** Messages from the oracle, opened (replies and pushed challenges). */
  readonly messages: any[] = [];

  constructor(
    readonly probe: Probe,
    readonly up: Buffer,
    down: Buffer,
    readonly nonce: Hex,
  ) {
    this.down = new FrameOpener(down);
  }

  /** Sends `text` sealed with `seq` (default: the next one, which it then advances). */
  send(text: string, seq?: number): number {
    const s = seq ?? this.seq++;
    this.probe.ws.send(sealText(this.up, s, text));
    return s;
  }

  /** Opens what arrived since the last call. Throws on a frame the oracle should not have sent. */
  drain(): any[] {
    const out: any[] = [];
    for (; this.read < this.probe.texts.length; this.read++) out.push(this.down.open(this.probe.texts[this.read]).message);
    this.messages.push(...out);
    return out;
  }

  /** Waits for the reply to frame `re`, or the close. */
  async reply(re: number, ms = 5_000): Promise<any | undefined> {
    let found: any;
    await this.probe.until(() => (this.drain(), (found = this.messages.find((m) => m?.t === "reply" && m.re === re)) !== undefined), ms);
    return found;
  }
}

/** Opens a session with a good opening by `account`; throws unless the oracle answers `ready`. */
export async function openSession(t: SessionTarget, account: PrivateKeyAccount, o: { autoPong?: boolean } = {}): Promise<LiveSession> {
  const probe = connect(t, o);
  if (!(await probe.opened())) throw new Error(`session upgrade refused: ${JSON.stringify(probe.refused)} ${probe.error?.message}`);
  const { frame, eph, nonce } = await signedOpening(t, account);
  probe.ws.send(JSON.stringify(frame));
  if (!(await probe.until(() => probe.texts.length > 0, 5_000))) throw new Error(`no answer to a good opening (${JSON.stringify(await Promise.race([probe.closed, Promise.resolve(undefined)]))})`);
  const ready = readyFrameSchema.parse(JSON.parse(probe.texts.shift()!));
  const keys = sessionKeys(eph as Ephemeral, ready.serverKey as Hex, { chainId: t.chainId, registry: t.registry, oracle: t.oracle, node: account.address, nonce, session: ready.session as Hex });
  return new LiveSession(probe, keys.up, keys.down, nonce);
}
