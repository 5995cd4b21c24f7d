/**
 * WebSocket frames built by hand (RFC 6455 section 5.2), for what no WebSocket library sends:
 * unmasked client frames, reserved opcodes and bits, oversized control frames, a continuation
 * with nothing to continue, lengths far past any limit, text that is not UTF-8. `closeCodeIn`
 * reads the code of the close frame a server sent back.
 */
import { randomBytes } from "node:crypto";
import { SESSION_PATH, SESSION_SUBPROTOCOL } from "../../../protocol/session";

export function upgradeRequest(protocol = SESSION_SUBPROTOCOL): Buffer {
  const key = randomBytes(16).toString("base64");
  return Buffer.from(
    `GET ${SESSION_PATH} HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: ${key}\r\nsec-websocket-version: 13\r\nsec-websocket-protocol: ${protocol}\r\n\r\n`,
  );
}

export interface FrameSpec {
  opcode: number;
  payload: Buffer;
  fin?: boolean;
  /** RSV1..3 as the bits 0x40, 0x20, 0x10. */
  rsv?: number;
  mask?: boolean;
  /** A length to declare instead of the payload's. */
  declared?: bigint;
}

export function frame(f: FrameSpec): Buffer {
  const len = f.declared ?? BigInt(f.payload.length);
  const mask = f.mask ?? true;
  const head = [((f.fin ?? true) ? 0x80 : 0) | (f.rsv ?? 0) | f.opcode];
  const m = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (len < 126n) head.push(m | Number(len));
  else if (len < 65536n) {
    head.push(m | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(len));
  } else {
    head.push(m | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(len);
  }
  const key = mask ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(f.payload.map((b, i) => (mask ? b ^ key[i % 4] : b)));
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

/** The code of the first close frame in what a server sent after its 101 answer, if any. */
export function closeCodeIn(bytes: Buffer): number | undefined {
  let i = bytes.indexOf("\r\n\r\n");
  if (i < 0) return undefined;
  i += 4;
  while (i + 2 <= bytes.length) {
    const opcode = bytes[i] & 0x0f;
    let len = bytes[i + 1] & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = bytes.readUInt16BE(at);
      at += 2;
    } else if (len === 127) {
      len = Number(bytes.readBigUInt64BE(at));
      at += 8;
    }
    if (opcode === 0x8) return len >= 2 ? bytes.readUInt16BE(at) : 1005;
    i = at + len;
  }
  return undefined;
}

/** Frames every server must refuse, and the close code RFC 6455 gives each (1002, 1007, 1009). */
export function malformedFrames(maxPayload: number): { what: string; bytes: Buffer; codes: number[] }[] {
  const text = Buffer.from('{"t":"open"}');
  return [
    { what: "unmasked", bytes: frame({ opcode: 0x1, payload: text, mask: false }), codes: [1002] },
    { what: "reserved opcode", bytes: frame({ opcode: 0x3, payload: text }), codes: [1002] },
    { what: "reserved bit", bytes: frame({ opcode: 0x1, payload: text, rsv: 0x40 }), codes: [1002] },
    { what: "ping over 125 bytes", bytes: frame({ opcode: 0x9, payload: Buffer.alloc(126) }), codes: [1002] },
    { what: "fragmented ping", bytes: frame({ opcode: 0x9, payload: Buffer.alloc(4), fin: false }), codes: [1002] },
    { what: "continuation first", bytes: frame({ opcode: 0x0, payload: text }), codes: [1002] },
    { what: "close with a reserved code", bytes: frame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe7]) }), codes: [1002] },
    { what: "not UTF-8", bytes: frame({ opcode: 0x1, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }), codes: [1007] },
    { what: "length past the limit", bytes: frame({ opcode: 0x1, payload: Buffer.alloc(0), declared: BigInt(maxPayload) + 1n }), codes: [1009] },
    { what: "length 2^63 - 1", bytes: frame({ opcode: 0x2, payload: Buffer.alloc(0), declared: 2n ** 63n - 1n }), codes: [1009, 1002] },
  ];
}
