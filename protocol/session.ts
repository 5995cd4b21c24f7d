/**
 * The session transport between a node agent (or a renter client) and one oracle member: a
 * WebSocket at `SESSION_PATH`, opened with one EIP-712 signature by the node key, then frames
 * authenticated by a per-session HMAC with a sequence number. The oracle pushes each challenge
 * at its due instant; the agent commits and opens over the same connection.
 *
 * Opening (one signature per connection):
 *   agent -> oracle  {t:"open", node, timestamp, nonce, clientKey, signature}
 *   oracle -> agent  {t:"ready", session, serverKey, oracle, heartbeatMs}
 * `signature` is the node key's EIP-712 `SessionOpen{node, oracle, clientKey, timestamp, nonce}` in
 * the `PoAI Oracle API` domain (chain id, NodeRegistry, API version), so it opens a session with
 * one member of one deployment only, once (the nonce is recorded), within the clock-skew window.
 * `clientKey` and `serverKey` are ephemeral X25519 keys; both sides derive the frame keys from
 * their Diffie-Hellman secret with HKDF-SHA256, salted with the session id and bound to the chain,
 * registry, oracle, node and nonce. The node's key signs `clientKey`, so nobody on the path can
 * substitute it and learn the frame keys: an attacker who sees or alters the traffic cannot make
 * the oracle accept a frame the node did not send. (The agent authenticates the oracle through the
 * URL's TLS, `wss://`, in production; a fake oracle can waste the agent's work but cannot move the
 * node's record at a real one.)
 *
 * Frames after `ready`, both ways: `<seq>.<mac>.<json>`, `seq` counting 1, 2, ... per direction
 * (a replayed, dropped or reordered frame fails), `mac` the first 16 bytes of
 * HMAC-SHA256(direction key, `<seq>.<json>`) in hex. One HMAC per message replaces one ECDSA
 * recovery per request: about 2 us against about 2-4 ms.
 *
 *   agent -> oracle  {t:"commit", id, root} | {t:"open", id, openings, ...extra} | {t:"processes", report, signature}
 *   oracle -> agent  {t:"reply", re, ok:true, body} | {t:"reply", re, ok:false, error:{code, message, details?}}
 *                    {t:"challenge", challenge}   (pushed at the due instant, or at once on opening)
 * `re` is the sequence number of the agent frame answered. A session ends with a WebSocket close
 * whose code is 4000 + the number of the oracle error (OR105 -> 4105) and whose reason is its message.
 */
import { createHmac, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, timingSafeEqual, type KeyObject } from "node:crypto";
import { hexToBytes, type Address, type Hex } from "viem";
import { z } from "zod";

/** Where the oracle accepts sessions. */
export const SESSION_PATH = "/v1/session";
/** The WebSocket subprotocol both sides name. */
export const SESSION_SUBPROTOCOL = "poai-session.v1";
/** Bytes of HMAC-SHA256 kept per frame (128 bits). */
export const MAC_BYTES = 16;
/** Close code of a session ended for oracle error ORnnn: 4000 + nnn. */
export const closeCodeOf = (code: string): number => {
  const n = Number(/^OR([0-9]{3})$/.exec(code)?.[1]);
  return Number.isInteger(n) ? 4000 + n : 4000;
};
/** The oracle error a close code stands for (undefined for codes outside 4001-4999). */
export const errorCodeOfClose = (close: number): string | undefined =>
  close > 4000 && close < 5000 ? `OR${String(close - 4000).padStart(3, "0")}` : undefined;

/** EIP-712 type of the signed session opening (domain: `PoAI Oracle API`). */
export const SESSION_OPEN_TYPES = {
  SessionOpen: [
    { name: "node", type: "address" },
    { name: "oracle", type: "address" },
    { name: "clientKey", type: "bytes32" },
    { name: "timestamp", type: "uint64" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

/** The agent's first frame. */
export const openFrameSchema = z
  .object({
    t: z.literal("open"),
    node: address,
    timestamp: z.number().int().min(0).max(2 ** 40),
    nonce: hex32,
    clientKey: hex32,
    signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/),
  })
  .strict();
export type OpenFrame = z.infer<typeof openFrameSchema>;

/** The oracle's answer to a good opening. */
export const readyFrameSchema = z
  .object({
    t: z.literal("ready"),
    session: hex32,
    serverKey: hex32,
    oracle: address,
    heartbeatMs: z.number().int().positive(),
  })
  .strict();
export type ReadyFrame = z.infer<typeof readyFrameSchema>;

/** An ephemeral X25519 key pair, public part as 32 bytes hex. */
export interface Ephemeral {
  privateKey: KeyObject;
  publicHex: Hex;
}

export function ephemeralKey(): Ephemeral {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const x = publicKey.export({ format: "jwk" }).x!;
  return { privateKey, publicHex: `0x${Buffer.from(x, "base64url").toString("hex")}` as Hex };
}

function x25519Public(hex: Hex): KeyObject {
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(hexToBytes(hex)).toString("base64url") }, format: "jwk" });
}

/** What binds a session's keys: both ephemeral keys are mixed in by the Diffie-Hellman secret. */
export interface SessionBinding {
  chainId: number;
  registry: Address;
  oracle: Address;
  node: Address;
  nonce: Hex;
  session: Hex;
}

/** The two frame keys of a session: agent-to-oracle and oracle-to-agent. */
export function sessionKeys(own: Ephemeral, peerPublic: Hex, b: SessionBinding): { up: Buffer; down: Buffer } {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: own.privateKey, publicKey: x25519Public(peerPublic) });
  } catch (e) {
    throw new SessionError("bad-key", `not an X25519 public key: ${(e as Error).message}`);
  }
  // An all-zero secret means a low-order peer key: refuse it (RFC 7748, section 6.1).
  if (shared.every((x) => x === 0)) throw new SessionError("bad-key", "low-order X25519 public key");
  const info = Buffer.from(`poai.session.v1|${b.chainId}|${b.registry.toLowerCase()}|${b.oracle.toLowerCase()}|${b.node.toLowerCase()}|${b.nonce.toLowerCase()}`);
  const okm = Buffer.from(hkdfSync("sha256", shared, Buffer.from(hexToBytes(b.session)), info, 64));
  return { up: okm.subarray(0, 32), down: okm.subarray(32, 64) };
}

export type SessionErrorKind = "framing" | "sequence" | "mac" | "json" | "bad-key";

/** A frame that fails framing, sequence or MAC: the session cannot continue. */
export class SessionError extends Error {
  constructor(
    readonly kind: SessionErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "SessionError";
  }
}

const macOf = (key: Buffer, seq: number, json: string) => createHmac("sha256", key).update(`${seq}.`).update(json).digest().subarray(0, MAC_BYTES);

/** The frame `<seq>.<mac>.<text>` for a text as given (FrameSealer serializes a message first). */
export function sealText(key: Buffer, seq: number, text: string): string {
  return `${seq}.${macOf(key, seq, text).toString("hex")}.${text}`;
}

/** Seals outgoing frames with one key and a counter. */
export class FrameSealer {
  private seq = 0;
  constructor(private readonly key: Buffer) {}
  /** The frame carrying `message`, and its sequence number. */
  seal(message: unknown): { frame: string; seq: number } {
    const json = JSON.stringify(message, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    const seq = ++this.seq;
    return { frame: sealText(this.key, seq, json), seq };
  }
}

const MAC_HEX = MAC_BYTES * 2;

/** Checks incoming frames: the next sequence number, the MAC, then JSON. */
export class FrameOpener {
  private seq = 0;
  constructor(private readonly key: Buffer) {}
  /** Sequence number of the last accepted frame. */
  get last(): number {
    return this.seq;
  }
  open(frame: string): { seq: number; message: unknown } {
    const a = frame.indexOf(".");
    const b = a < 0 ? -1 : frame.indexOf(".", a + 1);
    if (a < 1 || a > 15 || b !== a + 1 + MAC_HEX) throw new SessionError("framing", "frame is not <seq>.<mac>.<json>");
    const seqText = frame.slice(0, a);
    if (!/^[1-9][0-9]*$/.test(seqText)) throw new SessionError("framing", "sequence number is not a positive integer");
    const seq = Number(seqText);
    if (seq !== this.seq + 1) throw new SessionError("sequence", `frame ${seq} where ${this.seq + 1} was due (replayed, dropped or reordered)`);
    const mac = Buffer.from(frame.slice(a + 1, b), "hex");
    const json = frame.slice(b + 1);
    if (mac.length !== MAC_BYTES || !timingSafeEqual(mac, macOf(this.key, seq, json))) throw new SessionError("mac", "frame authenticator does not match");
    this.seq = seq;
    let message: unknown;
    try {
      message = JSON.parse(json);
    } catch {
      throw new SessionError("json", "frame body is not valid JSON");
    }
    return { seq, message };
  }
}
