/**
 * The per-request registry cache (registry-cache.ts) on a hand-driven clock: its size bound
 * drops the least recently used key, registered and unregistered keys keep their own TTLs, an
 * answer's TTL counts from when the chain said it, and a TTL of 0 caches nothing.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Address } from "viem";
import { unregisteredNode, type NodeRecord } from "../protocol/registry";
import { RegistryCache, type AgedRecord } from "./registry-cache";

const key = (i: number) => `0x${i.toString(16).padStart(40, "0")}` as Address;
const active = (node: Address): NodeRecord => ({ ...unregisteredNode(node), status: "Active", stake: 1n });

/** A cache over a loader that answers "Active" for the keys in `registered`, counting loads per key. */
function setup(o: { ttlMs?: number; negativeTtlMs?: number; max?: number; ageMs?: number; registered?: Address[] } = {}) {
  const clock = { t: 1_000_000 };
  const loads: string[] = [];
  const registered = new Set((o.registered ?? []).map((a) => a.toLowerCase()));
  const cache = new RegistryCache(
    { ttlMs: o.ttlMs ?? 1_000, negativeTtlMs: o.negativeTtlMs ?? 5_000, max: o.max ?? 100, now: () => clock.t },
    async (node): Promise<AgedRecord> => {
      loads.push(node.toLowerCase());
      return { rec: registered.has(node.toLowerCase()) ? active(node) : unregisteredNode(node), ageMs: o.ageMs ?? 0 };
    },
  );
  return { cache, clock, loads };
}

describe("registry answer cache", () => {
  it("holds at most `max` keys, dropping the least recently used", async () => {
    const { cache, loads } = setup({ max: 3, registered: [1, 2, 3, 4].map(key) });
    for (const i of [1, 2, 3]) await cache.get(key(i));
    await cache.get(key(1)); // 1 is now the most recently used; 2 the least
    await cache.get(key(4));
    assert.equal(cache.size, 3);
    assert.deepEqual(loads, [1, 2, 3, 4].map(key));
    await cache.get(key(1));
    await cache.get(key(3));
    assert.equal(loads.length, 4, "1 and 3 stayed");
    await cache.get(key(2));
    assert.deepEqual(loads.at(-1), key(2), "2 was dropped and is read again");
    assert.equal(cache.size, 3);
  });

  it("keeps a registered key for ttlMs and an unregistered one for negativeTtlMs", async () => {
    const { cache, clock, loads } = setup({ ttlMs: 1_000, negativeTtlMs: 5_000, registered: [key(1)] });
    assert.equal((await cache.get(key(1))).status, "Active");
    assert.equal((await cache.get(key(2))).status, "None");
    clock.t += 999;
    await cache.get(key(1));
    await cache.get(key(2));
    assert.equal(loads.length, 2);
    clock.t += 2;
    await cache.get(key(1));
    assert.equal(loads.length, 3, "the positive entry expired after 1 s");
    clock.t += 3_998;
    await cache.get(key(2));
    assert.equal(loads.length, 3, "the negative entry lasts 5 s");
    clock.t += 2;
    await cache.get(key(2));
    assert.equal(loads.length, 4);
  });

  it("counts an answer's TTL from when the chain said it", async () => {
    const { cache, clock, loads } = setup({ ttlMs: 1_000, ageMs: 600, registered: [key(1)] });
    await cache.get(key(1));
    clock.t += 399;
    await cache.get(key(1));
    assert.equal(loads.length, 1);
    clock.t += 2;
    await cache.get(key(1));
    assert.equal(loads.length, 2, "a 600 ms old answer is kept 400 ms");
  });

  it("caches nothing with a TTL of 0", async () => {
    const { cache, loads } = setup({ ttlMs: 0, negativeTtlMs: 0, registered: [key(1)] });
    await cache.get(key(1));
    await cache.get(key(1));
    await cache.get(key(2));
    await cache.get(key(2));
    assert.equal(loads.length, 4);
    assert.equal(cache.size, 0);
  });
});
