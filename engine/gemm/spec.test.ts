import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes } from "viem";
import { GemmError } from "./errors";
import { chooseOpenings, gemmSharedSeed, generateGemmChallenge, type GemmSpec } from "./spec";

const epoch = keccak256(stringToBytes("gemm test epoch"));
const n = 128;
const shared = gemmSharedSeed(epoch, n);

function spec(tag: string, batch = 4): GemmSpec {
  return generateGemmChallenge(keccak256(stringToBytes(tag)), { n, batch, precision: "fp32" }, shared);
}

test("openings are drawn after the commitment: another root gives other rows", () => {
  const s = spec("openings", 8);
  const a = chooseOpenings(s, keccak256(stringToBytes("root a")), 8);
  const b = chooseOpenings(s, keccak256(stringToBytes("root b")), 8);
  assert.notDeepEqual(a, b);
  assert.deepEqual(chooseOpenings(s, keccak256(stringToBytes("root a")), 8), a);
});

test("bad specs are named errors", () => {
  const seed = keccak256(stringToBytes("x"));
  assert.throws(() => generateGemmChallenge(seed, { n: 100, batch: 1, precision: "fp32" }), (e: unknown) => e instanceof GemmError && e.code === "EN101");
  assert.throws(() => generateGemmChallenge(seed, { n: 128, batch: 0, precision: "fp32" }), GemmError);
  assert.throws(() => generateGemmChallenge(seed, { n: 128, batch: 1, precision: "fp8" as never }), GemmError);
  assert.throws(() => chooseOpenings(spec("k"), seed, 0), GemmError);
});

test("the openings drawn are the protocol's: chooseOpenings pinned (computed before the verifier's rewrite)", () => {
  const seed = keccak256(stringToBytes("pin seed"));
  const s = generateGemmChallenge(keccak256(stringToBytes("pin gemm")), { n: 4096, batch: 4087, precision: "fp16" }, gemmSharedSeed(seed, 4096));
  assert.deepEqual(chooseOpenings(s, keccak256(stringToBytes("pin root")), 20), [
    7348664, 2362201, 5251555, 8546555, 15429034, 12221998, 9144476, 2726461, 4215783, 10688171, 6929421, 10557873, 1834832, 5258915, 1726504,
    12110276, 4102720, 12308802, 2055700, 1976917,
  ]);
});
