import { test } from "node:test";
import assert from "node:assert/strict";
import { hexToBytes, keccak256, stringToBytes } from "viem";
import { PrngError, deriveSeed, fillMatrix, gridValue, matrixRow, mod64, randomU32, sampleIndices, streamKey } from "./prng";

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
  assert.throws(() => streamKey("0x1234" as `0x${string}`, "A"), (e: unknown) => e instanceof PrngError && e.code === "EN001");
  assert.throws(() => fillMatrix(streamKey(seed, "A"), 2, 0), (e: unknown) => e instanceof PrngError && e.code === "EN002");
  assert.throws(() => fillMatrix(streamKey(seed, "A"), 1 << 20, 1 << 10), PrngError);
  assert.throws(() => streamKey(seed, "A", -1), (e: unknown) => e instanceof PrngError && e.code === "EN003");
});

test("draws are the protocol's: sampleIndices, stream keys and sub-seeds pinned (computed before the BigInt-free path)", () => {
  const seed = keccak256(stringToBytes("pin seed"));
  assert.deepEqual(sampleIndices(seed, "open", 1000, 10), [284, 173, 115, 404, 50, 310, 463, 747, 953, 977]);
  assert.deepEqual(sampleIndices(seed, "big", 2 ** 40, 5), [432263026531, 345949683586, 978270654928, 1087176334693, 842041063666]);
  assert.deepEqual(sampleIndices(seed, "huge", Number.MAX_SAFE_INTEGER, 3), [7699411093514361, 975661813608393, 7682716032786285]);
  assert.deepEqual(sampleIndices(seed, "mid", 2 ** 37 + 3, 4), [41340253628, 77927569442, 12354494547, 79685221816]);
  assert.deepEqual(Array.from(streamKey(seed, "poai.gemm.A", 4086)), [299804345, 691150001, 756789717, 3673626045, 2058589129, 4146867132, 141261426, 1755194938]);
  assert.deepEqual(Array.from(streamKey(hexToBytes(seed), "poai.gemm.A", 4086)), Array.from(streamKey(seed, "poai.gemm.A", 4086)));
  assert.deepEqual(Array.from(streamKey(seed, "x", 2n ** 60n + 5n)), [2558268342, 2573464151, 123522317, 2075178300, 1042630698, 1720452000, 3036193535, 1385789536]);
  assert.equal(deriveSeed(seed, "t", 7), "0xc3848025f5a65634eb70ef413c9624997339fe1920c05a0837365eac1c61d456");
});

test("mod64: the 64-bit draw modulo any bound, as BigInt computes it", () => {
  let x = 0x12345678;
  const byte = () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return x & 0xff;
  };
  const bounds = [1, 2, 3, 1000, 2 ** 21, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 37 - 1, 2 ** 37, 2 ** 37 + 1, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
  for (let t = 0; t < 2000; t++) {
    const h = new Uint8Array(32).map(byte);
    if (t === 0) h.fill(0xff, 0, 8);
    if (t === 1) h.fill(0, 0, 8);
    const v = new DataView(h.buffer).getBigUint64(0, false);
    for (const b of bounds) assert.equal(mod64(h, b), Number(v % BigInt(b)), `bound ${b}`);
  }
});
