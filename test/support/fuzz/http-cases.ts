/**
 * Hostile HTTP requests for every route of the oracle's API (docs/interfaces.md), as plain data
 * (`HttpPlan`, so fast-check can shrink a failing one) turned into bytes by `materialize`, which
 * signs where the plan asks. Every plan is invalid by construction: a body that breaks its route's
 * schema, auth headers that are missing, repeated, garbage or signed over something else, a wrong
 * method, a mangled path, a body at or past the size limit. A plan for a signed route therefore
 * never deserves a 2xx; only the public reads may answer one.
 */
import fc from "fast-check";
import type { Address, Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { AUTH_HEADERS } from "../../../protocol";
import { signRequest } from "../../../protocol/request-signer";
import { badPercent, deepArb, edgeNumberText, garbageHeaderValue, HOSTILE_VALUES, hostileValueText, notJsonBytes, overlongSegment } from "./hostile";
import type { RawRequest } from "./raw-http";

export type RouteName = "next" | "commit" | "open" | "processes" | "committee" | "info" | "nodes" | "stats" | "rewards" | "datasets" | "draws" | "evidence" | "metrics" | "healthz";
export const SIGNED_ROUTES: readonly RouteName[] = ["next", "commit", "open", "processes", "committee"];
const PUBLIC_ROUTES: readonly RouteName[] = ["info", "nodes", "stats", "rewards", "datasets", "draws", "evidence", "metrics", "healthz"];

/** What the fuzzer knows about the oracle it runs against. */
export interface FuzzContext {
  chainId: number;
  registry: Address;
  maxBodyBytes: number;
  /** An active registered node, a committee member, and a key the registry does not know. */
  node: PrivateKeyAccount;
  member: PrivateKeyAccount;
  stranger: PrivateKeyAccount;
  /** Challenge ids that exist: the node's own (handed out, and committed) and another node's. */
  challenges: { issued: string; committed: string; committedOpenings: number[]; foreign: string };
  /** A nonce of `node` the oracle already accepted. */
  usedNonce: Hex;
}

type Signer = "node" | "member" | "stranger" | "none";
type AuthMutation =
  | { kind: "none" }
  | { kind: "drop"; headers: string[] }
  | { kind: "repeat"; header: string; value: string | null }
  | { kind: "garbage"; header: string; value: string }
  | { kind: "timestamp"; value: string }
  | { kind: "skew"; seconds: number }
  | { kind: "resign"; over: "method" | "path" | "body" | "chain" | "registry" | "key" }
  | { kind: "replay" };

type BodyPlan =
  | { kind: "text"; text: string }
  | { kind: "bytes"; bytes: number[] }
  /** Padded to exactly `maxBodyBytes + delta` bytes with an unknown field. */
  | { kind: "sized"; delta: 0 | 1 | 4096 };

export interface HttpPlan {
  route: RouteName;
  method: string;
  /** Which challenge the path names (commit/open), or what a path parameter holds. */
  param: string;
  /** Appended to the path: a query, a trailing slash, ... */
  suffix: string;
  body: BodyPlan;
  contentType: string | null;
  signer: Signer;
  auth: AuthMutation;
  extraHeaders: [string, string][];
}

const HEX32 = "0x" + "ab".repeat(32);
const ADDR = "0x" + "12".repeat(20);

/** A process report's fields, well formed (its signature is not: the route refuses it past the schema). */
function reportOf(entries: number) {
  const entry = (i: number) => ({ pid: i + 1, ppid: 0, uid: 0, command: "x", cgroup: "/", containerId: "", devices: [], usedMemoryMiB: 1, source: "proc" });
  return { node: ADDR, oracle: ADDR, timestampMs: 0, leaseCgroup: "", leaseContainerId: "", processes: Array.from({ length: entries }, (_, i) => entry(i)) };
}

/** The route's documented body, valid but for one of `hostileBody`'s mutations. */
function baseBody(route: RouteName): Record<string, unknown> {
  switch (route) {
    case "commit":
      return { root: HEX32 };
    case "open":
      return { openings: [{ index: 0, data: "0x", proof: [] }] };
    case "processes":
      return { report: reportOf(1), signature: "0x" + "11".repeat(65) };
    case "committee":
      return { epoch: "0", inputs: {}, report: {}, slashes: [] };
    default:
      return {};
  }
}

/** JSON with `value` (a raw JSON text) spliced in at `path` of `base`. */
export function splice(base: unknown, path: (string | number)[], value: string): string {
  const marker = "\u0001HOSTILE\u0001";
  const copy = JSON.parse(JSON.stringify(base));
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = cur[p];
  // An own property even for "__proto__", which plain assignment would make the prototype.
  Object.defineProperty(cur, path[path.length - 1], { value: marker, enumerable: true, configurable: true, writable: true });
  return JSON.stringify(copy).replace(JSON.stringify(marker), value);
}

const isShortString = (t: string) => t.startsWith('"') && (JSON.parse(t) as string).length <= 256;

/**
 * The typed fields of each route's body, and which of the hostile values each still accepts (a
 * plan never uses those there). `open` needs none: its one opening never matches the indices a
 * challenge asked for, so the route rejects it whatever it holds.
 */
const TYPED_FIELDS: Record<string, { path: (string | number)[]; accepts?: (t: string) => boolean }[]> = {
  commit: [{ path: ["root"] }],
  open: [{ path: ["openings"] }, { path: ["openings", 0, "index"] }, { path: ["openings", 0, "proof"] }, { path: ["openings", 0, "data"] }],
  processes: [
    { path: ["report"] },
    { path: ["signature"] },
    { path: ["report", "timestampMs"], accepts: (t) => t === "-0" },
    { path: ["report", "processes"], accepts: (t) => t === "[]" },
    { path: ["report", "processes", 0, "pid"] },
    { path: ["report", "processes", 0, "command"], accepts: isShortString },
    { path: ["report", "processes", 0, "usedMemoryMiB"], accepts: (t) => t === "-0" },
  ],
  committee: [{ path: ["epoch"] }, { path: ["inputs"] }, { path: ["report"] }, { path: ["slashes"] }],
  next: [],
};

/** A field of `route` and a hostile value it does not accept. */
const fieldAndValue = (route: RouteName, topLevelOnly = false) =>
  fc
    .record({ f: fc.constantFrom(...TYPED_FIELDS[route].filter((f) => !topLevelOnly || f.path.length === 1)), v: hostileValueText })
    .filter(({ f, v }) => !f.accepts?.(v));

function hostileBody(route: RouteName): fc.Arbitrary<BodyPlan> {
  const base = baseBody(route);
  const text = (a: fc.Arbitrary<string>) => a.map((t): BodyPlan => ({ kind: "text", text: t }));
  const fields = TYPED_FIELDS[route] ?? [];
  const options: (fc.Arbitrary<BodyPlan> | fc.WeightedArbitrary<BodyPlan>)[] = [
    notJsonBytes.map((b): BodyPlan => ({ kind: "bytes", bytes: [...b] })),
    // A top-level value that is not the route's object.
    text(fc.oneof(edgeNumberText, deepArb, fc.constantFrom("null", "true", "[]", '"x"', "[{}]"))),
    fc.constant<BodyPlan>({ kind: "sized", delta: 0 }),
    fc.constant<BodyPlan>({ kind: "sized", delta: 1 }),
    fc.constant<BodyPlan>({ kind: "sized", delta: 4096 }),
  ];
  if (route !== "open") {
    // An unknown field, hostile or not: every schema but `open`'s is strict (`next` takes none).
    options.push(text(fc.record({ key: fc.constantFrom("zz", "__proto__", "constructor", "t", ""), v: hostileValueText }).map(({ key, v }) => splice({ ...base }, [key], v))));
  }
  if (fields.length > 0) {
    // One typed field hostile, the rest valid: what reaches the deepest checks, so drawn most.
    options.push({ weight: 3, arbitrary: text(fieldAndValue(route).map(({ f, v }) => splice(base, f.path, v))) });
    // A required field missing; a duplicate key whose last (winning) value is hostile.
    options.push(text(fc.constantFrom(...fields.filter((f) => f.path.length === 1)).map((f) => JSON.stringify(Object.fromEntries(Object.entries(base).filter(([k]) => k !== f.path[0]))))));
    options.push(text(fieldAndValue(route, true).map(({ f, v }) => JSON.stringify(base).slice(0, -1) + `,${JSON.stringify(f.path[0])}:${v}}`)));
  }
  if (route === "processes") options.push(text(fc.constant(JSON.stringify({ ...base, report: reportOf(257) }))));
  if (route === "open") {
    options.push(text(fc.constant(JSON.stringify({ openings: Array.from({ length: 257 }, (_, i) => ({ index: i, proof: [] })) }))));
    options.push(text(fc.constant(JSON.stringify({ openings: [{ index: 0, proof: Array.from({ length: 33 }, () => HEX32) }] }))));
  }
  return fc.oneof(...options);
}

const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "TRACE", "FOO", "post", "G\u00e9T"];

function methodArb(route: RouteName): fc.Arbitrary<string> {
  const right = SIGNED_ROUTES.includes(route) ? "POST" : "GET";
  return fc.oneof({ weight: 3, arbitrary: fc.constant(right) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS.filter((m) => m !== right)) });
}

function paramArb(route: RouteName, ctx: FuzzContext): fc.Arbitrary<string> {
  const mangled = fc.oneof(badPercent.map((p) => `ab${p}cd`), overlongSegment, fc.constantFrom("", ".", "..", "%2e%2e", "a/b", "a%2Fb", " ", "\u00e9", "0x", ADDR.toUpperCase(), ADDR.slice(0, 41)));
  switch (route) {
    case "commit":
    case "open":
      return fc.oneof(fc.constantFrom(ctx.challenges.issued, ctx.challenges.committed, ctx.challenges.foreign, "0xdeadbeef"), mangled);
    case "stats":
    case "rewards":
      return fc.oneof(fc.constant(ADDR), mangled);
    case "datasets":
      return fc.oneof(edgeNumberText, badPercent, fc.constantFrom("", "1&epoch=2", "99999999999999999999", "abc", "1%00"));
    case "draws":
      return fc.oneof(edgeNumberText, badPercent, fc.constantFrom("0", "1", "0/draws?after=0x", "1/draws?after=0x00000000000000000000000000000000", "99999999999999999999", "abc"));
    case "evidence":
      return fc.oneof(fc.constantFrom("0x" + "00".repeat(32), "0x" + "ab".repeat(31), "0x" + "AB".repeat(32) + "00"), mangled);
    default:
      return fc.constant("");
  }
}

export function pathOf(p: Pick<HttpPlan, "route" | "param" | "suffix">): string {
  const base = {
    next: "/v1/challenges/next",
    commit: `/v1/challenges/${p.param}/commit`,
    open: `/v1/challenges/${p.param}/open`,
    processes: "/v1/processes",
    committee: "/v1/committee/sign",
    info: "/v1/info",
    nodes: "/v1/nodes",
    stats: `/v1/nodes/${p.param}/stats`,
    rewards: `/v1/rewards/${p.param}`,
    datasets: `/v1/datasets?epoch=${p.param}`,
    draws: `/v1/epochs/${p.param}/draws`,
    evidence: `/v1/evidence/${p.param}`,
    metrics: "/metrics",
    healthz: "/healthz",
  }[p.route];
  return base + p.suffix;
}

const suffixArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant("") },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom("/", "//", "?", "?x=%ZZ", "#f", "?a=1&a=2", "/.."), badPercent) },
);

const headerName = fc.constantFrom(AUTH_HEADERS.node, AUTH_HEADERS.timestamp, AUTH_HEADERS.nonce, AUTH_HEADERS.signature);
const authArb: fc.Arbitrary<AuthMutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<AuthMutation>({ kind: "none" }) },
  fc.subarray(Object.values(AUTH_HEADERS), { minLength: 1 }).map((h): AuthMutation => ({ kind: "drop", headers: h })),
  fc.record({ header: headerName, value: fc.option(garbageHeaderValue, { nil: null }) }).map((r): AuthMutation => ({ kind: "repeat", ...r })),
  fc.record({ header: headerName, value: garbageHeaderValue }).map((r): AuthMutation => ({ kind: "garbage", ...r })),
  fc.constantFrom("0", "-1", "1e9", " 1", "99999999999999999999", "1.5", "").map((value): AuthMutation => ({ kind: "timestamp", value })),
  fc.constantFrom(-3_600, -120, 120, 3_600).map((seconds): AuthMutation => ({ kind: "skew", seconds })),
  fc.constantFrom("method", "path", "body", "chain", "registry", "key").map((over) => ({ kind: "resign", over }) as AuthMutation),
  fc.constant<AuthMutation>({ kind: "replay" }),
);

const contentTypeArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant("application/json") },
  { weight: 1, arbitrary: fc.constantFrom(null, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/json, application/json", "\u00ff\u00fe") },
);

const extraHeadersArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant<[string, string][]>([]) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<[string, string][]>(
      [["expect", "100-continue"]],
      [["expect", "garbage"]],
      [["transfer-encoding", "chunked"]],
      [["content-length", "-1"]],
      [["content-length", "99999999999999999999"]],
      [["content-length", "5"], ["content-length", "6"]],
      [["upgrade", "websocket"], ["connection", "upgrade"]],
      [["upgrade", "h2c"], ["connection", "upgrade, http2-settings"]],
      [["host", ""]],
      [["x-forwarded-for", "\u00ff"]],
    ),
  },
);

type Dimension = "method" | "suffix" | "contentType" | "signer" | "auth" | "extraHeaders";

/**
 * A hostile request: on a signed route a body that breaks the schema, and at most one other part
 * made hostile too (each part of its own would mostly stop the request before the body is read).
 */
export function httpPlanArb(ctx: FuzzContext): fc.Arbitrary<HttpPlan> {
  return fc.constantFrom(...SIGNED_ROUTES, ...PUBLIC_ROUTES).chain((route) => {
    const signed = SIGNED_ROUTES.includes(route);
    const valid = { method: signed ? "POST" : "GET", suffix: "", contentType: "application/json", signer: (route === "committee" ? "member" : signed ? "node" : "none") as Signer, auth: { kind: "none" } as AuthMutation, extraHeaders: [] as [string, string][] };
    return fc
      .record({
        route: fc.constant(route),
        method: methodArb(route),
        param: paramArb(route, ctx),
        suffix: suffixArb,
        body: signed ? hostileBody(route) : fc.oneof(fc.constant<BodyPlan>({ kind: "text", text: "" }), hostileBody("next")),
        contentType: contentTypeArb,
        signer: signed ? fc.constantFrom<Signer>(route === "committee" ? "node" : "member", "stranger", "none") : fc.constantFrom<Signer>("node"),
        auth: authArb,
        extraHeaders: extraHeadersArb,
        hostile: fc.option(fc.constantFrom<Dimension>("method", "suffix", "contentType", "signer", "auth", "extraHeaders"), { freq: 3, nil: undefined }),
      })
      .map(({ hostile, ...p }): HttpPlan => {
        const out = { ...p };
        for (const d of Object.keys(valid) as Dimension[]) if (d !== hostile) (out as Record<string, unknown>)[d] = valid[d];
        return out;
      });
  });
}

/** Whether the plan may be answered 2xx: a public read (or a preflight), whatever it carries. */
export function mayBeOk(p: HttpPlan): boolean {
  return !SIGNED_ROUTES.includes(p.route) || p.method === "OPTIONS";
}

function bodyBytes(p: HttpPlan, ctx: FuzzContext): Buffer {
  const b = p.body;
  if (b.kind === "bytes") return Buffer.from(b.bytes);
  if (b.kind === "text") return Buffer.from(b.text, "utf8");
  const head = JSON.stringify(baseBody(p.route)).slice(0, -1);
  const open = (head.length > 1 ? head + "," : head) + '"pad":"';
  const fill = ctx.maxBodyBytes + b.delta - Buffer.byteLength(open) - 2;
  return Buffer.from(open + "p".repeat(Math.max(0, fill)) + '"}');
}

/** The request a plan stands for, signed as it says. */
export async function materialize(p: HttpPlan, ctx: FuzzContext): Promise<RawRequest> {
  const target = pathOf(p);
  const body = bodyBytes(p, ctx);
  const headers: [string, string][] = [];
  if (p.contentType !== null) headers.push(["content-type", p.contentType]);
  if (p.signer !== "none") {
    const account = { node: ctx.node, member: ctx.member, stranger: ctx.stranger }[p.signer];
    const a = p.auth;
    const over = a.kind === "resign" ? a.over : undefined;
    const signCtx = {
      account: over === "key" ? ctx.stranger : account,
      chainId: over === "chain" ? ctx.chainId + 1 : ctx.chainId,
      registry: over === "registry" ? ("0x" + "00".repeat(19) + "01") as Address : ctx.registry,
    };
    const nowSec = BigInt(Math.floor(Date.now() / 1000));
    const signed = await signRequest(
      signCtx,
      over === "method" ? (p.method === "POST" ? "GET" : "POST") : p.method.toUpperCase(),
      over === "path" ? target + "x" : target,
      over === "body" ? Buffer.concat([body, Buffer.from(" ")]) : body,
      { timestamp: a.kind === "skew" ? nowSec + BigInt(a.seconds) : undefined, nonce: a.kind === "replay" ? ctx.usedNonce : undefined },
    );
    const auth: Record<string, string> = { ...signed.headers, ...(over === "key" ? { [AUTH_HEADERS.node]: account.address } : {}) };
    if (a.kind === "timestamp") auth[AUTH_HEADERS.timestamp] = a.value;
    if (a.kind === "garbage") auth[a.header] = a.value;
    for (const [k, v] of Object.entries(auth)) {
      if (a.kind === "drop" && a.headers.includes(k)) continue;
      headers.push([k, v]);
      if (a.kind === "repeat" && a.header === k) headers.push([k, a.value ?? v]);
    }
  }
  headers.push(...p.extraHeaders);
  return { method: p.method, target, headers, body: p.method === "GET" && body.length === 0 ? undefined : body };
}

/** Hostile body texts of a route (for session messages, which carry the same bodies). */
export function bodyText(route: RouteName, ctx: FuzzContext): fc.Arbitrary<string> {
  return hostileBody(route).map((body) => bodyBytes({ route, body } as HttpPlan, ctx).toString("utf8"));
}

/**
 * The exhaustive pass: every typed field of every signed route with every hostile value it does
 * not accept (and, on the strict routes, an unknown field with each), the rest of the body valid.
 */
export function fieldCases(ctx: FuzzContext): { route: RouteName; path: string; body: string; what: string }[] {
  const out: { route: RouteName; path: string; body: string; what: string }[] = [];
  const param = (r: RouteName) => (r === "commit" ? ctx.challenges.issued : ctx.challenges.committed);
  for (const route of SIGNED_ROUTES) {
    const base = baseBody(route);
    const path = pathOf({ route, param: param(route), suffix: "" });
    for (const v of HOSTILE_VALUES) {
      for (const f of TYPED_FIELDS[route]) if (!f.accepts?.(v)) out.push({ route, path, body: splice(base, f.path, v), what: `${route} ${f.path.join(".")} = ${v.slice(0, 40)}` });
      if (route !== "open") out.push({ route, path, body: splice(base, ["zz"], v), what: `${route} unknown field = ${v.slice(0, 40)}` });
    }
  }
  return out;
}
