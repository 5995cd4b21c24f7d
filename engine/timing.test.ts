import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes } from "viem";
import { MIN_COMPUTE_SECONDS, TimingError, computeSeconds, measuredGflops, median, quantile, throughputRatio } from "./timing";
import { unansweredResult, vramResult, workResult } from "./verdict";

test("compute time removes the round trip and is floored", () => {
  assert.equal(computeSeconds({ issuedAtMs: 1000, committedAtMs: 3100, rttMs: 100 }), 2);
  assert.equal(computeSeconds({ issuedAtMs: 1000, committedAtMs: 1050, rttMs: 100 }), MIN_COMPUTE_SECONDS);
  assert.throws(() => computeSeconds({ issuedAtMs: 2000, committedAtMs: 1000, rttMs: 0 }), TimingError);
  assert.throws(() => computeSeconds({ issuedAtMs: 0, committedAtMs: 1, rttMs: -1 }), TimingError);
});

test("ratio is measured over claimed throughput", () => {
  assert.equal(throughputRatio(2, 4), 0.5);
  assert.equal(measuredGflops(2e12, 2), 1000);
  assert.throws(() => throughputRatio(0, 1), TimingError);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(quantile([5, 1, 4, 2, 3], 1), 5);
});

test("verdict records carry correctness and timing", () => {
  const h = keccak256(stringToBytes("c"));
  const w = workResult("gemm", h, 2, { ok: true, reason: null, evidence: null }, { issuedAtMs: 0, committedAtMs: 4050, rttMs: 50 });
  assert.equal(w.ratio, 0.5);
  assert.equal(w.correct, true);
  const bad = workResult("gemm", h, 2, { ok: false, reason: "GemmRowMismatch", evidence: h }, { issuedAtMs: 0, committedAtMs: 2000, rttMs: 0 });
  assert.equal(bad.correct, false);
  assert.equal(bad.evidence, h);
  assert.equal(unansweredResult("infer", h, "Unreachable").answered, false);
  const v = vramResult(h, { correct: true, reason: null, evidence: null, latencyMs: 120, boundMs: 100 });
  assert.equal(v.inTime, false);
  assert.equal(v.reason, "VramTooSlow");
});
