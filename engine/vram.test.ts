import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes } from "viem";
import {
  VramError,
  VRAM_ITEM_WORDS,
  answerVramProbe,
  buildVramCache,
  buildVramDataset,
  generateVramChallenge,
  lightVramAnswer,
  vramCacheSeed,
  vramItem,
  vramItemKey,
  vramLatencyBound,
  vramProbeNonce,
  vramProbeSecret,
  verifyVramProbe,
  DEFAULT_VRAM_TIMING,
} from "./vram";

const epoch = keccak256(stringToBytes("vram epoch"));
const small = { cacheItems: 1024, parents: 32, walk: 512 };
const cache = buildVramCache(vramCacheSeed(epoch), small.cacheItems);
const spec = generateVramChallenge(keccak256(stringToBytes("node a round 1")), vramCacheSeed(epoch), 1 << 14, small);
const dataset = buildVramDataset(spec, cache);
const secret = vramProbeSecret(epoch, spec.seed);

test("the buffer is deterministic, node-specific and every item is the light item", () => {
  assert.deepEqual(buildVramDataset(spec, buildVramCache(vramCacheSeed(epoch), small.cacheItems)), dataset);
  const other = generateVramChallenge(keccak256(stringToBytes("node b round 1")), vramCacheSeed(epoch), 1 << 14, small);
  const otherData = buildVramDataset(other, cache);
  let same = 0;
  for (let i = 0; i < dataset.length; i++) if (dataset[i] === otherData[i]) same++;
  assert.ok(same < dataset.length / 1000, `${same} equal words between two nodes' buffers`);
  const key = vramItemKey(spec);
  for (const i of [0, 1, 777, (1 << 14) - 1]) {
    assert.deepEqual(vramItem(spec, cache, key, i), dataset.subarray(i * VRAM_ITEM_WORDS, (i + 1) * VRAM_ITEM_WORDS));
  }
});

test("an honest answer in time is accepted; the oracle needs only the cache", () => {
  const nonce = vramProbeNonce(secret, 0);
  const answer = answerVramProbe(spec, dataset, nonce);
  assert.equal(lightVramAnswer(spec, cache, nonce), answer);
  const v = verifyVramProbe(spec, cache, nonce, answer, 12, 60);
  assert.equal(v.ok, true);
  assert.equal(v.evidence, null);
});

test("a node missing part of the buffer gives a wrong answer unless it recomputes", () => {
  // Half the buffer dropped (zeros): the walk touches it almost surely.
  const half = dataset.slice();
  half.fill(0, half.length / 2);
  const nonce = vramProbeNonce(secret, 1);
  const v = verifyVramProbe(spec, cache, nonce, answerVramProbe(spec, half, nonce), 5, 60);
  assert.equal(v.ok, false);
  assert.equal(v.reason, "VramWrongAnswer");
  assert.match(v.evidence ?? "", /^0x[0-9a-f]{64}$/);
});

test("a late answer fails the capacity probe; an answer for another nonce or node is wrong", () => {
  const nonce = vramProbeNonce(secret, 2);
  const answer = answerVramProbe(spec, dataset, nonce);
  assert.equal(verifyVramProbe(spec, cache, nonce, answer, 61, 60).reason, "VramTooSlow");
  assert.equal(verifyVramProbe(spec, cache, vramProbeNonce(secret, 3), answer, 1, 60).reason, "VramWrongAnswer");
  const other = generateVramChallenge(keccak256(stringToBytes("node b round 1")), vramCacheSeed(epoch), 1 << 14, small);
  assert.equal(verifyVramProbe(spec, cache, nonce, answerVramProbe(other, buildVramDataset(other, cache), nonce), 1, 60).reason, "VramWrongAnswer");
  assert.equal(verifyVramProbe(spec, cache, nonce, "0xnope" as `0x${string}`, 1, 60).reason, "VramMalformedAnswer");
});

test("probe nonces differ per round and per challenge, and need the oracle's secret", () => {
  assert.notEqual(vramProbeNonce(secret, 0), vramProbeNonce(secret, 1));
  assert.notEqual(vramProbeSecret(epoch, spec.seed), vramProbeSecret(keccak256(epoch), spec.seed));
});

test("the latency bound: honest walk far below a full recompute at production parameters", () => {
  const prod = generateVramChallenge(spec.seed, spec.cacheSeed, 1 << 30);
  const b = vramLatencyBound(prod, { ...DEFAULT_VRAM_TIMING, rttMs: 40 });
  assert.ok(b.honestMs < 10);
  assert.ok(b.fullRecomputeMs > 200);
  assert.ok(b.maxMissingShare < 0.3);
  assert.equal(b.boundMs, 40 + b.honestMs + DEFAULT_VRAM_TIMING.marginMs);
});

test("bad specs are named errors", () => {
  assert.throws(() => generateVramChallenge(spec.seed, spec.cacheSeed, 1000), (e: unknown) => e instanceof VramError && e.code === "EN111");
  assert.throws(() => generateVramChallenge(spec.seed, spec.cacheSeed, 1 << 14, { walk: 0 }), VramError);
  assert.throws(() => buildVramDataset(spec, cache.subarray(1)), VramError);
});
