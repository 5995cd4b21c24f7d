/**
 * The per-request registry answer cache: an LRU (`lru-cache`) of at most `max` keys, each answer
 * kept for its TTL counted from when the chain said it (the loader reports the answer's age),
 * not from when it was looked up. A registered key is kept `ttlMs`; an unregistered one (status
 * "None", a negative entry) `negativeTtlMs`, so a flood signed by an unknown key costs one
 * lookup per negative TTL. A TTL of 0 caches nothing. The least recently used key is dropped
 * when full, which can only cost that key a fresh lookup.
 */
import { LRUCache } from "lru-cache";
import type { Address } from "viem";
import type { NodeRecord } from "../protocol/registry";

export interface RegistryCacheOptions {
  ttlMs: number;
  negativeTtlMs: number;
  max: number;
  /** The cache's clock, ms. */
  now: () => number;
}

/** An answer and how old it already is, ms. */
export interface AgedRecord {
  rec: NodeRecord;
  ageMs: number;
}

export class RegistryCache {
  private readonly lru: LRUCache<string, NodeRecord>;

  constructor(
    private readonly o: RegistryCacheOptions,
    private readonly load: (node: Address) => Promise<AgedRecord>,
  ) {
    // ttlResolution 0: every staleness check reads the clock (exact TTLs on an injected clock).
    this.lru = new LRUCache({ max: o.max, ttlResolution: 0, perf: { now: o.now } });
  }

  get size(): number {
    return this.lru.size;
  }

  async get(node: Address): Promise<NodeRecord> {
    const k = node.toLowerCase();
    const hit = this.lru.get(k);
    if (hit) return hit;
    const { rec, ageMs } = await this.load(node);
    const ttl = Math.floor((rec.status === "None" ? this.o.negativeTtlMs : this.o.ttlMs) - ageMs);
    if (ttl >= 1) this.lru.set(k, rec, { ttl });
    return rec;
  }
}
