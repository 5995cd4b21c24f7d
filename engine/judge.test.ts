import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes, type Hex } from "viem";
import {
  DEADLINE_MISSED,
  DEFAULT_JUDGE_PARAMS,
  FRAUD_SLASH_BPS,
  JudgeError,
  OVERCLAIM_MAX_SLASH_BPS,
  UNREACHABLE,
  binomialTail,
  criticalCount,
  judgeNode,
  normalCdf,
  shortProbability,
} from "./judge";
import { SlashReason } from "./protocol";
import type { ChallengeResult } from "./verdict";
import { unansweredResult, vramResult } from "./verdict";

/** Seeded uniform and normal draws for the Monte Carlo (mulberry32 + Box-Muller). */
function rng(seed: number) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  return { u, normal };
}

const HASHES = Array.from({ length: 200 }, (_, i) => keccak256(stringToBytes(`challenge ${i}`)));
const hash = (i: number) => HASHES[i];

function work(i: number, ratio: number): ChallengeResult {
  const expectedSeconds = 2;
  return {
    kind: "gemm", challengeHash: hash(i), answered: true, correct: true, reason: null, evidence: null,
    expectedSeconds, elapsedSeconds: expectedSeconds / ratio, ratio, latencyMs: 2000 / ratio, inTime: null,
  };
}

/** An honest node's epoch under the judge's noise model, at its worst (mean exactly the floor). */
function honestEpoch(r: ReturnType<typeof rng>, c: number, p = DEFAULT_JUDGE_PARAMS): ChallengeResult[] {
  return Array.from({ length: c }, (_, i) => {
    if (r.u() < p.outlierRate) {
      // A hiccup: arbitrarily slow or missed deadline.
      return r.u() < 0.5 ? work(i, 0.01 + 0.5 * r.u()) : unansweredResult("gemm", hash(i), DEADLINE_MISSED);
    }
    return work(i, p.honestFloor * Math.exp(p.sigma * r.normal()));
  });
}

test("binomial tail and normal CDF agree with direct computation", () => {
  // Brute force over all 2^10 outcomes.
  const n = 10, p = 0.3;
  for (let k = 0; k <= n; k++) {
    let s = 0;
    for (let m = 0; m < 1 << n; m++) {
      let bits = 0;
      for (let b = 0; b < n; b++) bits += (m >> b) & 1;
      if (bits >= k) s += p ** bits * (1 - p) ** (n - bits);
    }
    assert.ok(Math.abs(binomialTail(n, p, k) - s) < 1e-12, `k=${k}`);
  }
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(-3) - 0.0013498980316301) < 1e-8);
  assert.ok(Math.abs(normalCdf(-4.753424) / 1e-6 - 1) < 1e-3);
  assert.equal(criticalCount(17, 0.5, 1e-6), null);
});

test("analytic bound: at the defaults an epoch of 17 honest challenges is condemned with probability <= 5e-7", () => {
  const q = shortProbability(DEFAULT_JUDGE_PARAMS);
  const k = criticalCount(17, q, DEFAULT_JUDGE_PARAMS.alpha / 2)!;
  assert.ok(k !== null && k <= 17);
  assert.ok(binomialTail(17, q, k) <= DEFAULT_JUDGE_PARAMS.alpha / 2);
  assert.ok(binomialTail(17, q, k - 1) > DEFAULT_JUDGE_PARAMS.alpha / 2, "K* is the least such count");
});

test("Monte Carlo: honest noise is never condemned at alpha = 1e-6 (200k epochs)", () => {
  const r = rng(12345);
  let condemned = 0;
  const epochs = 200_000;
  for (let e = 0; e < epochs; e++) {
    const j = judgeNode(honestEpoch(r, 17), 1000);
    if (j.verdict !== "honest") condemned++;
  }
  // Expected <= 0.1 condemnations; more than 3 would have probability < 5e-6 if the bound held.
  assert.ok(condemned <= 3, `${condemned} honest epochs condemned`);
});

test("Monte Carlo at a large alpha: the measured rate matches the exact binomial tail and stays below alpha/2", () => {
  const params = { ...DEFAULT_JUDGE_PARAMS, alpha: 0.02, outlierRate: 0.05 };
  const r = rng(777);
  const epochs = 100_000;
  let condemned = 0;
  for (let e = 0; e < epochs; e++) {
    // Every outlier is short, so P(short) is exactly q: the test is tight here.
    const res = Array.from({ length: 17 }, (_, i) =>
      r.u() < params.outlierRate ? work(i, 0.3) : work(i, params.honestFloor * Math.exp(params.sigma * r.normal())),
    );
    if (judgeNode(res, 1000, params).verdict === "under-delivering") condemned++;
  }
  const q = shortProbability(params);
  const k = criticalCount(17, q, params.alpha / 2)!;
  const analytic = binomialTail(17, q, k);
  const rate = condemned / epochs;
  const se = Math.sqrt(analytic / epochs);
  assert.ok(analytic <= params.alpha / 2);
  assert.ok(Math.abs(rate - analytic) < 4 * se + 1e-5, `measured ${rate}, analytic ${analytic}`);
  assert.ok(rate <= params.alpha / 2 + 4 * se);
});

test("a 2x overclaimer is condemned and slashed; so is one that misses every deadline", () => {
  const r = rng(99);
  const over = Array.from({ length: 17 }, (_, i) => work(i, 0.5 * Math.exp(0.08 * r.normal())));
  const j = judgeNode(over, 1000);
  assert.equal(j.verdict, "under-delivering");
  assert.equal(j.slashReason, SlashReason.Overclaim);
  assert.ok(j.slashBps > OVERCLAIM_MAX_SLASH_BPS * 0.8 && j.slashBps <= OVERCLAIM_MAX_SLASH_BPS, `${j.slashBps}`);
  assert.ok(j.paidGflops < 600);
  assert.match(j.evidence ?? "", /^0x[0-9a-f]{64}$/);
  // With only 4 challenges the rule still condemns a 2x overclaimer.
  assert.equal(judgeNode(over.slice(0, 4), 1000).verdict, "under-delivering");
  // 10x overclaim: the node acknowledges and times out every time.
  const slow = Array.from({ length: 17 }, (_, i) => unansweredResult("gemm", hash(i), DEADLINE_MISSED));
  assert.equal(judgeNode(slow, 1000).verdict, "under-delivering");
  assert.equal(judgeNode(slow, 1000).slashBps, OVERCLAIM_MAX_SLASH_BPS);
});

test("a 10 % shortfall is paid on measured throughput, not condemned", () => {
  const r = rng(5);
  const j = judgeNode(Array.from({ length: 17 }, (_, i) => work(i, 0.9 * Math.exp(0.05 * r.normal()))), 1000);
  assert.equal(j.verdict, "honest");
  assert.ok(j.paidGflops > 850 && j.paidGflops < 950, `${j.paidGflops}`);
  assert.equal(judgeNode(Array.from({ length: 17 }, (_, i) => work(i, 1.3)), 1000).paidGflops, 1000);
});

test("a wrong answer is fraud with evidence, whatever the timing", () => {
  const res = Array.from({ length: 17 }, (_, i) => work(i, 1.1));
  res[5] = { ...res[5], correct: false, reason: "GemmRowMismatch", evidence: keccak256(stringToBytes("ev")) };
  const j = judgeNode(res, 1000);
  assert.equal(j.verdict, "fraudulent");
  assert.equal(j.slashBps, FRAUD_SLASH_BPS);
  assert.equal(j.slashReason, SlashReason.Fraud);
  assert.match(j.evidence ?? "", /^0x[0-9a-f]{64}$/);
  // Evidence names the wrong challenge: another wrong challenge gives another hash.
  const res2 = res.map((x, i) => (i === 5 ? { ...x, challengeHash: hash(99) as Hex } : x));
  assert.notEqual(judgeNode(res2, 1000).evidence, j.evidence);
});

test("an unreachable node is unavailable, not slashed; late vram probes count in the capacity test", () => {
  const off = Array.from({ length: 17 }, (_, i) => unansweredResult("gemm", hash(i), UNREACHABLE));
  const j = judgeNode(off, 1000);
  assert.equal(j.verdict, "unavailable");
  assert.equal(j.slashBps, 0);
  assert.equal(judgeNode([], 1000).verdict, "unavailable");
  const probes = Array.from({ length: 8 }, (_, i) => vramResult(hash(100 + i), { correct: true, reason: null, evidence: null, latencyMs: 500, boundMs: 100 }));
  const mixed = [...Array.from({ length: 17 }, (_, i) => work(i, 1)), ...probes];
  const jv = judgeNode(mixed, 1000);
  assert.equal(jv.verdict, "under-delivering");
  assert.equal(jv.stats.vram.late, 8);
  const inTime = probes.map((p) => ({ ...p, inTime: true, reason: null }));
  assert.equal(judgeNode([...Array.from({ length: 17 }, (_, i) => work(i, 1)), ...inTime], 1000).verdict, "honest");
});

test("bad parameters and inputs are named errors", () => {
  assert.throws(() => judgeNode([], 1000, { alpha: 0 }), JudgeError);
  assert.throws(() => judgeNode([], 1000, { shortRatio: 0.95 }), JudgeError);
  assert.throws(() => judgeNode([], 0), JudgeError);
  assert.throws(() => judgeNode(new Array(2000).fill(work(0, 1)), 1000), JudgeError);
});
