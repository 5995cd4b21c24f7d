import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes } from "viem";
import { PrngError, deriveSeed, fillMatrix, gridValue, matrixRow, randomU32, sampleIndices, streamKey } from "./prng";

const seed = keccak256(stringToBytes("prng test seed"));

test("same seed, tag and index give the same stream; any change gives another", () => {
  const a = fillMatrix(streamKey(seed, "A", 0), 8, 16);
  assert.deepEqual(fillMatrix(streamKey(seed, "A", 0), 8, 16), a);
  assert.notDeepEqual(fillMatrix(streamKey(seed, "A", 1), 8, 16), a);
  assert.notDeepEqual(fillMatrix(streamKey(seed, "B", 0), 8, 16), a);
  assert.notDeepEqual(fillMatrix(streamKey(keccak256(seed), "A", 0), 8, 16), a);
  assert.notEqual(deriveSeed(seed, "x", 1), deriveSeed(seed, "x", 2));
});

test("the hot loop equals randomU32 + gridValue, and any row regenerates on its own", () => {
  const key = streamKey(seed, "M");
  const m = fillMatrix(key, 37, 53, 1000);
  for (let r = 0; r < 37; r++) {
    for (let c = 0; c < 53; c++) assert.equal(m[r * 53 + c], gridValue(randomU32(key, 1000 + r, c)));
    assert.deepEqual(Array.from(matrixRow(key, 1000 + r, 53)), Array.from(m.subarray(r * 53, r * 53 + 53)));
  }
});

test("entries are k/256 in [-1, 1), exact in bf16 (low 16 bits of float32 zero), evenly spread", () => {
  const m = fillMatrix(streamKey(seed, "dist"), 512, 512);
  const bits = new Uint32Array(m.buffer);
  const counts = new Array(512).fill(0);
  let sum = 0;
  for (let i = 0; i < m.length; i++) {
    const v = m[i];
    assert.ok(v >= -1 && v < 1);
    assert.equal(bits[i] & 0xffff, 0, `not exact in bf16: ${v}`);
    const k = v * 256;
    assert.ok(Number.isInteger(k));
    counts[k + 256]++;
    sum += v;
  }
  // 262144 draws over 512 levels: expected 512 each; a level outside [350, 700] would be a
  // > 7 sigma deviation (sigma ~ 22.6).
  for (const c of counts) assert.ok(c > 350 && c < 700, `level count ${c}`);
  const mean = sum / m.length;
  assert.ok(Math.abs(mean + 1 / 512) < 0.01, `mean ${mean}`);
  // Neighbouring entries uncorrelated.
  let corr = 0;
  for (let i = 1; i < m.length; i++) corr += m[i] * m[i - 1];
  assert.ok(Math.abs(corr / m.length) < 0.01, `lag-1 correlation ${corr / m.length}`);
});

test("sampleIndices: distinct, in range, deterministic, seed-dependent", () => {
  const a = sampleIndices(seed, "open", 1000, 50);
  assert.equal(new Set(a).size, 50);
  assert.ok(a.every((i) => i >= 0 && i < 1000));
  assert.deepEqual(sampleIndices(seed, "open", 1000, 50), a);
  assert.notDeepEqual(sampleIndices(keccak256(seed), "open", 1000, 50), a);
  assert.deepEqual(sampleIndices(seed, "open", 5, 5).sort(), [0, 1, 2, 3, 4]);
  assert.throws(() => sampleIndices(seed, "open", 5, 6), PrngError);
});

test("bad seeds and shapes are named errors", () => {
  assert.throws(() => streamKey("0x1234" as `0x${string}`, "A"), (e: unknown) => e instanceof PrngError && e.code === "PrngBadSeed");
  assert.throws(() => fillMatrix(streamKey(seed, "A"), 2, 0), (e: unknown) => e instanceof PrngError && e.code === "PrngBadShape");
  assert.throws(() => fillMatrix(streamKey(seed, "A"), 1 << 20, 1 << 10), PrngError);
  assert.throws(() => streamKey(seed, "A", -1), (e: unknown) => e instanceof PrngError && e.code === "PrngBadIndex");
});
