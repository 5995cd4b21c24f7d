/**
 * Who may call the signed routes, and in which order a request is turned away, cheapest first:
 *
 * 1. `admitSource`: a token bucket per source address (an IPv6 /64 counts as one), before any
 *    signature is recovered, so a flood from one host costs no elliptic-curve work;
 * 2. the signature (auth.ts, or a session's opening message);
 * 3. `admitSigner`: a token bucket per recovered signer, before any registry lookup, then the
 *    route's check: an active registered node (`requireActiveNode`) or a current committee
 *    member (`requireCommitteeMember`).
 *
 * Every transport calls the same three steps: the HTTP API through `authenticate`, a session
 * transport for its opening message. Registry answers come from an LRU (registry-cache.ts) over
 * the registry mirror, so a request costs no RPC call in the common case and an unregistered key
 * costs none at all once its negative entry is cached; a chain that cannot be read answers 503,
 * not a refusal. All refusals keep the codes of errors.ts: OR110 rate limited (`details.limit`
 * says which bucket), OR108 unknown node, OR109 inactive, OR117 not a member.
 */
import { isIPv6 } from "node:net";
import type { Address } from "viem";
import type { Chain } from "./chain";
import { httpError } from "./errors";
import type { TokenBuckets } from "./ratelimit";
import { RegistryCache } from "./registry-cache";

export interface AccessChecks {
  /** Throws OR108/OR109 unless `node` is an active registered node. */
  requireActiveNode(node: Address): Promise<void>;
  /** Throws OR117 unless `signer` is a committee member. */
  requireCommitteeMember(signer: Address): Promise<void>;
}

/** The two buckets of cheap rejection. */
export interface RequestLimits {
  perSource: TokenBuckets;
  perSigner: TokenBuckets;
}

export interface RegistryCacheConfig {
  /** How long an answer about a registered key is reused, ms (`registryCacheMs`). */
  cacheMs: number;
  /** How long an answer about an unregistered key is reused, ms (`registryNegativeCacheMs`). */
  negativeCacheMs: number;
  /** Most keys cached (`registryCacheMax`). */
  cacheMax: number;
}

/**
 * The bucket key of a peer address: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 (one
 * host usually holds the whole prefix), "unknown" when the socket has none (already closed).
 */
export function sourceKey(remote: string | undefined): string {
  if (!remote) return "unknown";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(remote);
  if (mapped) return mapped[1];
  if (!isIPv6(remote)) return remote;
  const [head, tail] = remote.split("%")[0].toLowerCase().split("::");
  const groups = (x: string | undefined) => (x ? x.split(":") : []);
  const h = groups(head);
  // An embedded IPv4 tail (::a.b.c.d) fills two groups.
  const t = groups(tail).flatMap((g) => (g.includes(".") ? ["0", "0"] : [g]));
  const full = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return full.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":") + "::/64";
}

/** Step 1: OR110 when `remote`'s bucket is empty. */
export function admitSource(l: RequestLimits, remote: string | undefined, nowMs: number): void {
  const wait = l.perSource.take(sourceKey(remote), nowMs);
  if (wait > 0) throw httpError.rateLimited(wait, "source");
}

/** Step 3: OR110 when `signer`'s bucket is empty, else the route's check `allow`. */
export async function admitSigner(l: RequestLimits, signer: Address, nowMs: number, allow: (signer: Address) => Promise<void>): Promise<void> {
  const wait = l.perSigner.take(signer.toLowerCase(), nowMs);
  if (wait > 0) throw httpError.rateLimited(wait, "signer");
  await allow(signer);
}

/** `members`: the committee read at start, kept for `cache.cacheMs`. */
export function accessChecks(chain: Chain, members: readonly Address[], cache: RegistryCacheConfig, now: () => number): AccessChecks {
  let committeeCache = { at: now(), members };
  const currentMembers = async () => {
    if (now() - committeeCache.at > cache.cacheMs) committeeCache = { at: now(), members: (await chain.committee()).members };
    return committeeCache.members;
  };
  const registry = new RegistryCache(
    { ttlMs: cache.cacheMs, negativeTtlMs: cache.negativeCacheMs, max: cache.cacheMax, now },
    (node) => chain.registryAnswer(node, cache.cacheMs),
  );
  return {
    async requireActiveNode(node) {
      let rec;
      try {
        rec = await registry.get(node);
      } catch (e) {
        throw httpError.unavailable("cannot read the node registry", e);
      }
      if (rec.status === "None") throw httpError.unknownNode(node);
      if (rec.status !== "Active") throw httpError.inactive(node, rec.status.toLowerCase());
    },
    async requireCommitteeMember(signer) {
      let m;
      try {
        m = await currentMembers();
      } catch (e) {
        throw httpError.unavailable("cannot read the committee", e);
      }
      if (!m.some((x) => x.toLowerCase() === signer.toLowerCase())) throw httpError.notMember(signer);
    },
  };
}
