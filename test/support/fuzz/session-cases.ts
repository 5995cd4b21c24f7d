/**
 * Hostile session input (protocol/session.ts) as plain data for fast-check: openings that must
 * be refused (garbage, binary, schema-breaking, wrong subprotocol, bad or foreign signatures,
 * stale or future timestamps, replayed nonces, low-order or invalid X25519 keys, unregistered
 * keys), and frames after a good opening that must be refused (wrong sequence number, wrong MAC,
 * not JSON, binary, unknown `t`, schema-breaking messages, oversize, more than the in-flight
 * limit at once). None of them deserves `ready` or an `ok: true` reply.
 */
import fc from "fast-check";
import { bytesToHex, type Hex } from "viem";
import { randomBytes } from "node:crypto";
import { SESSION_SUBPROTOCOL } from "../../../protocol/session";
import { deepArb, edgeNumberText, hostileValueText, notJsonBytes } from "./hostile";
import { bodyText, type FuzzContext } from "./http-cases";

/** X25519 public keys of small order (RFC 7748 section 7; libsodium's list), little-endian. */
export const LOW_ORDER_KEYS: Hex[] = [
  "0x0000000000000000000000000000000000000000000000000000000000000000",
  "0x0100000000000000000000000000000000000000000000000000000000000000",
  "0xe0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  "0x5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  "0xecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0xedffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0xeeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

export type OpeningMutation =
  | { kind: "stale" | "future" | "bad-signature" | "other-oracle" | "other-chain" | "other-registry" | "claims-other-node" | "replay" | "stranger" | "extra-field" }
  | { kind: "client-key"; key: Hex };

export type OpeningPlan =
  | { kind: "protocols"; protocols: string[] }
  | { kind: "binary"; bytes: number[] }
  | { kind: "text"; text: string }
  | { kind: "field"; field: string; value: string }
  | { kind: "signed"; mutation: OpeningMutation };

const OPEN_FIELDS = ["t", "node", "timestamp", "nonce", "clientKey", "signature"];

export const openingPlanArb: fc.Arbitrary<OpeningPlan> = fc.oneof(
  fc.constantFrom<string[]>([], ["poai-session.v0"], ["poai-session.v1x"], [SESSION_SUBPROTOCOL.toUpperCase()], ["x", "y"]).map((protocols): OpeningPlan => ({ kind: "protocols", protocols })),
  notJsonBytes.map((b): OpeningPlan => ({ kind: "binary", bytes: [...b] })),
  fc.oneof(notJsonBytes.map((b) => b.toString("latin1")), edgeNumberText, deepArb, fc.constantFrom("", "{}", "[]", "null", '{"t":"ready"}', '{"t":"commit"}')).map((text): OpeningPlan => ({ kind: "text", text })),
  // One field of a good opening replaced by a hostile value (the opening's schema is strict).
  fc.record({ field: fc.constantFrom(...OPEN_FIELDS, "zz", "__proto__"), value: hostileValueText }).map((r): OpeningPlan => ({ kind: "field", ...r })),
  fc
    .oneof(
      fc.constantFrom("stale", "future", "bad-signature", "other-oracle", "other-chain", "other-registry", "claims-other-node", "replay", "stranger", "extra-field").map((kind) => ({ kind }) as OpeningMutation),
      fc.constantFrom(...LOW_ORDER_KEYS).map((key): OpeningMutation => ({ kind: "client-key", key })),
    )
    .map((mutation): OpeningPlan => ({ kind: "signed", mutation })),
);

export type FramePlan =
  | { kind: "seq"; seq: "zero" | "repeat" | "skip" | "negative" | "huge" | "leading-zero" | "text" | "float" }
  | { kind: "mac"; how: "flip" | "short" | "empty" | "not-hex" }
  | { kind: "framing"; text: string }
  | { kind: "bad-json"; text: string }
  | { kind: "binary" }
  | { kind: "not-utf8" }
  | { kind: "unknown-t"; text: string }
  | { kind: "message"; route: "commit" | "open" | "processes"; id: "issued" | "committed" | "foreign" | "missing" | "bad"; text: string }
  | { kind: "oversize" }
  | { kind: "flood"; n: number };

/** A message text `{t, id?, ...body}` from a hostile body text of the same route (sent as it is when not an object). */
export function messageText(route: string, id: string | undefined, body: string): string {
  const b = body.trimStart();
  if (!b.startsWith("{")) return body;
  const head = JSON.stringify({ t: route, ...(id === undefined ? {} : { id }) }).slice(0, -1);
  const rest = b.slice(1).trimStart();
  return rest.startsWith("}") ? head + rest : `${head},${rest}`;
}

export function framePlanArb(ctx: FuzzContext): fc.Arbitrary<FramePlan> {
  const route = fc.constantFrom("commit" as const, "open" as const, "processes" as const);
  return fc.oneof(
    fc.constantFrom("zero", "repeat", "skip", "negative", "huge", "leading-zero", "text", "float").map((seq) => ({ kind: "seq", seq }) as FramePlan),
    fc.constantFrom("flip", "short", "empty", "not-hex").map((how) => ({ kind: "mac", how }) as FramePlan),
    fc.constantFrom("", ".", "..", "1", "1.", "1..{}", "garbage", "\u0000").map((text): FramePlan => ({ kind: "framing", text })),
    fc.oneof(notJsonBytes.map((b) => b.toString("utf8")), fc.constantFrom("NaN", "{", "")).map((text): FramePlan => ({ kind: "bad-json", text })),
    fc.constant<FramePlan>({ kind: "binary" }),
    fc.constant<FramePlan>({ kind: "not-utf8" }),
    fc.oneof(fc.constantFrom("next", "ready", "reply", "challenge", "open ", "COMMIT", "", "__proto__").map((t) => JSON.stringify({ t })), fc.constantFrom('{"t":1}', '{"t":null}', "{}", "[]", "1e999", '"open"', '{"t":["commit"]}')).map((text): FramePlan => ({ kind: "unknown-t", text })),
    fc
      .record({ route, id: fc.constantFrom("issued" as const, "committed" as const, "foreign" as const, "missing" as const, "bad" as const) })
      .chain(({ route, id }) => bodyText(route, ctx).map((text): FramePlan => ({ kind: "message", route, id, text }))),
    fc.constant<FramePlan>({ kind: "oversize" }),
    fc.integer({ min: 9, max: 24 }).map((n): FramePlan => ({ kind: "flood", n })),
  );
}

export function challengeIdOf(p: Extract<FramePlan, { kind: "message" }>, ctx: FuzzContext): string | undefined {
  switch (p.id) {
    case "issued":
      return ctx.challenges.issued;
    case "committed":
      return ctx.challenges.committed;
    case "foreign":
      return ctx.challenges.foreign;
    case "missing":
      return bytesToHex(randomBytes(16));
    case "bad":
      return undefined;
  }
}
