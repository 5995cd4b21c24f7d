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
  HONEST_CLAIM_SHARE,
  PAY_CAP_RATIO,
  binomialHead,
  criticalCount,
  judgeNode,
  lowerCriticalCount,
  normalCdf,
  onClaimProbability,
  shortProbability,
  onTimeFactor,
  cutoffFactor,
} from "./judge";
import { SlashReason } from "./slash-reason";
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

/**
 * An honest node's results under the judge's noise model, at its worst: undisturbed throughput
 * exactly the floor, every allowed challenge disturbed (throttled to the floor, or an outlier),
 * so P(on-claim) = s and P(short) = q hold with equality (up to the throttled tail).
 */
function honestResults(r: ReturnType<typeof rng>, c: number, p = DEFAULT_JUDGE_PARAMS, from = 0): ChallengeResult[] {
  return Array.from({ length: c }, (_, k) => {
    const i = from + k;
    if (r.u() < p.disturbedRate) {
      if (r.u() < p.outlierRate) return r.u() < 0.5 ? work(i, 0.01 + 0.4 * r.u()) : unansweredResult("gemm", hash(i), DEADLINE_MISSED);
      return work(i, p.throttleFloor * p.honestFloor * Math.exp(p.sigma * r.normal()));
    }
    return work(i, p.honestFloor * Math.exp(p.sigma * r.normal()));
  });
}

test("binomial tail and head agree with direct computation; the normal CDF with tables", () => {
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
    assert.ok(Math.abs(binomialHead(n, p, k) - (1 - s)) < 1e-12, `head k=${k}`);
  }
  // The head is summed directly: tiny values keep their precision.
  assert.ok(Math.abs(binomialHead(54, 0.33, 1) / 0.67 ** 54 - 1) < 1e-9);
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(-3) - 0.0013498980316301) < 1e-8);
  assert.ok(Math.abs(normalCdf(-4.753424) / 1e-6 - 1) < 1e-3);
  assert.equal(criticalCount(17, 0.5, 1e-6), null);
  assert.equal(lowerCriticalCount(17, 0.5, 1e-6), 0);
});

test("the incremental critical counts agree with their definitions over the exact tails", () => {
  for (const n of [0, 1, 4, 18, 54, 200]) {
    for (const p of [0, 0.02, 0.33, 0.5, 1]) {
      for (const a of [1e-9, 3.3e-7, 0.01, 0.2]) {
        let least: number | null = null;
        for (let k = n; k >= 0 && binomialTail(n, p, k) <= a; k--) least = k;
        let largest = 0;
        while (largest < n && binomialHead(n, p, largest + 1) <= a) largest++;
        assert.equal(criticalCount(n, p, a), least, `upper n=${n} p=${p} a=${a}`);
        assert.equal(lowerCriticalCount(n, p, a), largest, `lower n=${n} p=${p} a=${a}`);
      }
    }
  }
});

test("analytic bounds: the critical counts are the extreme ones within alpha/3", () => {
  const a = DEFAULT_JUDGE_PARAMS.alpha / 3;
  const q = shortProbability(DEFAULT_JUDGE_PARAMS);
  const k = criticalCount(18, q, a)!;
  assert.ok(k !== null && k <= 18);
  assert.ok(binomialTail(18, q, k) <= a);
  assert.ok(binomialTail(18, q, k - 1) > a, "the gross test's count is the least such");
  const s = onClaimProbability(DEFAULT_JUDGE_PARAMS);
  assert.ok(s > 0.3 && s < 0.4, `s = ${s}`);
  // One production epoch (18) cannot condemn under the on-claim test; three (54) can.
  assert.equal(lowerCriticalCount(18, s, a), 0);
  const kw = lowerCriticalCount(54, s, a);
  assert.ok(kw >= 1);
  assert.ok(binomialHead(54, s, kw) <= a);
  assert.ok(binomialHead(54, s, kw + 1) > a, "the on-claim count is the largest such");
});

test("Monte Carlo: the model's worst honest node is never condemned over a 3-epoch window (100k epochs)", () => {
  const r = rng(12345);
  let condemned = 0;
  const epochs = 100_000;
  for (let e = 0; e < epochs; e++) {
    const earlier = honestResults(r, 36);
    const j = judgeNode(honestResults(r, 18, DEFAULT_JUDGE_PARAMS, 36), 1000, {}, earlier);
    if (j.verdict !== "honest") condemned++;
  }
  // Expected <= 0.1 condemnations; more than 3 would have probability < 5e-6 if the bound held.
  assert.ok(condemned <= 3, `${condemned} honest epochs condemned`);
});

test("Monte Carlo at a large alpha: the on-claim test's measured rate matches the exact binomial head", () => {
  const params = { ...DEFAULT_JUDGE_PARAMS, alpha: 0.06 };
  const r = rng(777);
  const epochs = 60_000;
  let condemned = 0;
  for (let e = 0; e < epochs; e++) {
    // Disturbed challenges run throttled (never on-claim) and are never outliers: P(on-claim) is exactly s.
    const res = Array.from({ length: 18 }, (_, i) =>
      work(i, (r.u() < params.disturbedRate ? params.throttleFloor : 1) * params.honestFloor * Math.exp(params.sigma * r.normal())),
    );
    if (judgeNode(res, 1000, params).verdict === "under-delivering") condemned++;
  }
  const s = onClaimProbability(params);
  const k = lowerCriticalCount(18, s, params.alpha / 3);
  assert.ok(k >= 1);
  const analytic = binomialHead(18, s, k);
  const rate = condemned / epochs;
  const se = Math.sqrt(analytic / epochs);
  assert.ok(analytic <= params.alpha / 3);
  assert.ok(Math.abs(rate - analytic) < 4 * se + 1e-4, `measured ${rate}, analytic ${analytic}`);
});

test("a 3x overclaimer is condemned in its first epoch by the gross test; so is one that misses every deadline", () => {
  const r = rng(99);
  const over = Array.from({ length: 18 }, (_, i) => work(i, 0.33 * Math.exp(0.05 * r.normal())));
  const j = judgeNode(over, 1000);
  assert.equal(j.verdict, "under-delivering");
  assert.equal(j.slashReason, SlashReason.Overclaim);
  assert.ok(j.slashBps === OVERCLAIM_MAX_SLASH_BPS, `${j.slashBps}`);
  assert.ok(j.paidGflops < 400);
  assert.match(j.evidence ?? "", /^0x[0-9a-f]{64}$/);
  // With only 4 challenges (the demo's cadence) the gross test still condemns it.
  assert.equal(judgeNode(over.slice(0, 4), 1000).verdict, "under-delivering");
  // 10x overclaim: the node picks every challenge up and times out.
  const slow = Array.from({ length: 18 }, (_, i) => unansweredResult("gemm", hash(i), DEADLINE_MISSED));
  assert.equal(judgeNode(slow, 1000).verdict, "under-delivering");
  assert.equal(judgeNode(slow, 1000).slashBps, OVERCLAIM_MAX_SLASH_BPS);
});

test("a 15 % overclaim passes one epoch and is condemned once the window holds three", () => {
  const r = rng(5);
  // Claims 15 % more than it has: delivers 1/1.15 = 0.87 of the claim, with the run-to-run noise of a GPU.
  const epoch = (from: number) => Array.from({ length: 18 }, (_, i) => work(from + i, (1 / 1.15) * Math.exp(0.036 * r.normal())));
  const e0 = epoch(0);
  const first = judgeNode(e0, 1000);
  assert.equal(first.verdict, "honest", "18 challenges cannot condemn under the on-claim test");
  assert.ok(first.notes.some((n) => n.includes("too few")));
  const third = judgeNode(epoch(36), 1000, {}, [...e0, ...epoch(18)]);
  assert.equal(third.verdict, "under-delivering");
  assert.equal(third.slashReason, SlashReason.Overclaim);
  // Delivered 0.87: slashed 2 x 13 % of the 20 % cap, rounded up.
  assert.ok(third.slashBps > 400 && third.slashBps < 650, `${third.slashBps}`);
  assert.ok(third.stats.work.windowCount === 54 && third.stats.work.onClaim < third.stats.work.onClaimCritical);
  // An honest node (claims 85 % of what it has) over the same window is not.
  const honest = (from: number) => Array.from({ length: 18 }, (_, i) => work(from + i, (1 / HONEST_CLAIM_SHARE) * Math.exp(0.036 * r.normal())));
  assert.equal(judgeNode(honest(36), 1000, {}, [...honest(0), ...honest(18)]).verdict, "honest");
  // Leaving a third of its challenges un-picked-up (still available) does not shrink the window.
  const skipping = (from: number) => epoch(from).map((x, i) => (i % 3 === 0 ? unansweredResult("gemm", hash(from + i), UNREACHABLE) : x));
  const dodger = judgeNode(skipping(36), 1000, {}, [...skipping(0), ...skipping(18)]);
  assert.equal(dodger.verdict, "under-delivering");
  assert.equal(dodger.stats.work.windowCount, 54);
  // The window is only read by the on-claim test: a wrong answer in it is not fraud now.
  const earlierWrong = honest(0).map((x, i) => (i === 3 ? { ...x, correct: false, reason: "GemmRowMismatch" } : x));
  assert.notEqual(judgeNode(honest(36), 1000, {}, earlierWrong).verdict, "fraudulent");
});

test("challenges too short to time are checked for correctness only: no throughput test, no pay", () => {
  // The embedded model's infer batch on a GPU: expected in a millisecond, measured over a round trip.
  const tiny = (i: number): ChallengeResult => ({ ...work(i, 0.02), kind: "infer", expectedSeconds: 0.001, elapsedSeconds: 0.05 });
  const gemm = Array.from({ length: 15 }, (_, i) => work(i, 1.18));
  for (const i of [0, 1, 2, 3]) gemm[i] = unansweredResult("gemm", hash(i), DEADLINE_MISSED);
  const res = [...gemm, tiny(20), tiny(21), tiny(22)];
  const j = judgeNode(res, 1000);
  assert.equal(j.verdict, "honest", j.notes.join("; "));
  assert.equal(j.stats.work.count, 15);
  assert.ok(Math.abs(j.paidGflops - 1180) < 1e-6, `${j.paidGflops}`);
  // Timed, the same three would be short and condemn the node with the four misses.
  assert.equal(judgeNode(res, 1000, { minTimedSeconds: 0 }).verdict, "under-delivering");
  // A wrong untimed answer is still fraud.
  assert.equal(judgeNode([...gemm, { ...tiny(23), correct: false, reason: "InferMismatch" }], 1000).verdict, "fraudulent");
  // Only untimed work, all verified: paid on the claim.
  assert.equal(judgeNode([tiny(30), tiny(31)], 1000).paidGflops, 1000);
});

test("the overclaim slash is graded exactly and is not proposed when the median delivered the claim", () => {
  // Delivered 0.7 of the claim on every challenge: 2000 x 2 x 0.3 = 1200 bps, not 1201.
  assert.equal(judgeNode(Array.from({ length: 18 }, (_, i) => work(i, 0.7)), 1000, {}, Array.from({ length: 36 }, (_, i) => work(100 + i, 0.7))).slashBps, 1200);
  // Condemned by missed deadlines while the challenges it answered delivered the claim: pay falls, no slash.
  const res = Array.from({ length: 18 }, (_, i) => (i < 8 ? unansweredResult("gemm", hash(i), DEADLINE_MISSED) : work(i, 1.18)));
  const mixed = [...res, ...Array.from({ length: 10 }, (_, i) => work(40 + i, 1.18))];
  const j = judgeNode(mixed, 1000);
  assert.equal(j.verdict, "under-delivering");
  assert.equal(j.slashBps, 0);
  assert.equal(j.slashReason, null);
});

test("pay follows the mean delivered throughput, capped at PAY_CAP_RATIO x the claim", () => {
  const r = rng(6);
  const j = judgeNode(Array.from({ length: 18 }, (_, i) => work(i, 0.9 * Math.exp(0.03 * r.normal()))), 1000);
  assert.ok(j.paidGflops > 880 && j.paidGflops < 920, `${j.paidGflops}`);
  assert.equal(judgeNode(Array.from({ length: 18 }, (_, i) => work(i, 2)), 1000).paidGflops, 1000 * PAY_CAP_RATIO);
  // A node renting its GPU out for a third of the epoch and answering at a quarter speed
  // meanwhile: the median would pay it in full, the mean pays 0.75.
  const timeshare = Array.from({ length: 18 }, (_, i) => work(i, i % 3 === 0 ? 0.25 : 1));
  assert.ok(Math.abs(judgeNode(timeshare, 1000).paidGflops - 750) < 1e-6);
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
  assert.throws(() => judgeNode([], 1000, { disturbedRate: 1 }), JudgeError);
  assert.throws(() => judgeNode([], 1000, { onClaimRatio: 2 }), JudgeError);
  assert.throws(() => judgeNode([work(0, 1)], 1000, {}, new Array(5000).fill(work(0, 1))), JudgeError);
  assert.throws(() => judgeNode([], 0), JudgeError);
  assert.throws(() => judgeNode(new Array(2000).fill(work(0, 1)), 1000), JudgeError);
});

/** `r` under the deadline rule: missed past the cut-off, inTime within the on-time span. */
function underDeadlines(r: ChallengeResult, p = DEFAULT_JUDGE_PARAMS): ChallengeResult {
  if (!r.answered || r.ratio === null) return r;
  if (1 / r.ratio > cutoffFactor(p)) return unansweredResult(r.kind, r.challengeHash, DEADLINE_MISSED);
  return { ...r, inTime: 1 / r.ratio <= onTimeFactor(p) };
}

test("deadlines from the noise model: the cut-off changes no verdict, the on-time span pays an undisturbed honest node", () => {
  const p = DEFAULT_JUDGE_PARAMS;
  assert.ok(Math.abs(onTimeFactor(p) - Math.exp(4 * 0.05) / 1.05) < 1e-12);
  assert.equal(cutoffFactor(p), 2);
  // A missed cut-off is a ratio below shortRatio: short already, and never on-claim.
  assert.ok(1 / cutoffFactor(p) <= p.shortRatio);
  const r = rng(99);
  let changed = 0;
  let clean = 0;
  let cleanOnTime = 0;
  for (let t = 0; t < 2_000; t++) {
    const raw = honestResults(r, 18);
    const timed = raw.map((x) => underDeadlines(x));
    const a = judgeNode(raw, 100);
    const b = judgeNode(timed, 100);
    if (a.verdict !== b.verdict) changed++;
    for (const x of timed) {
      if (x.answered && x.ratio !== null && x.ratio >= p.honestFloor * Math.exp(-3 * p.sigma)) {
        clean++;
        if (x.inTime) cleanOnTime++;
      }
    }
  }
  assert.equal(changed, 0, "the cut-off moved a verdict");
  assert.equal(cleanOnTime, clean, "an undisturbed honest answer was late");
});

test("measured capacity is the mean over every verified answer, late ones included; the on-time ones are counted apart", () => {
  // A GPU computing two identities' challenges in turn: each identity first half the time.
  const onTime = Array.from({ length: 6 }, (_, i) => ({ ...work(i, 1.18), inTime: true }));
  const late = Array.from({ length: 6 }, (_, i) => ({ ...work(6 + i, 0.59), inTime: false }));
  const j = judgeNode([...onTime, ...late], 100);
  assert.equal(j.stats.work.onTime, 6);
  assert.ok(Math.abs(j.stats.work.paidRatio - (1.18 + 0.59) / 2) < 1e-9, `${j.stats.work.paidRatio}`);
  assert.equal(j.stats.work.medianRatio, (1.18 + 0.59) / 2);
  assert.equal(judgeNode(late, 100).stats.work.onTime, 0);
  assert.throws(() => judgeNode([], 100, { onTimeSigmas: 40 }), JudgeError, "an on-time span past the cut-off");
});
