import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { keccak256, toHex } from "viem";
import { parseConfig } from "../config";
import { dueTimeMs, LATE_SPREAD_MS, roundDueTimes } from "./draws";

const secrets = Array.from({ length: 2_000 }, (_, i) => BigInt(keccak256(toHex(`draw ${i}`)).slice(0, 18)));

describe("scheduler: due times", () => {
  const cfg = parseConfig({}, {});
  const start = 1_000_000;
  const len = 3_600_000;
  const span = 3 * cfg.challengeTargetMs + cfg.deadlineSlackMs;

  it("falls due in the tail of the epoch too under the defaults (no public quiet time to rent the GPU out)", () => {
    const dues = secrets.map((s) => dueTimeMs(start, len, cfg.issueWindowBps, span, s));
    const tail = dues.filter((d) => d >= start + 0.6 * len).length;
    // Uniform over [0, len - span): about 40 % of the draws land in the last 40 % of the epoch.
    assert.ok(tail > 0.35 * dues.length, `only ${tail} of ${dues.length} due times in the last 40 %`);
    assert.ok(dues.some((d) => d >= start + 0.95 * len));
  });

  it("always leaves the whole deadline before the epoch's end, and stays in a narrower window", () => {
    for (const s of secrets) {
      const d = dueTimeMs(start, len, 10_000, span, s);
      assert.ok(d >= start && d + span <= start + len);
      const w = dueTimeMs(start, len, 5_000, span, s);
      assert.ok(w >= start && w < start + len / 2);
    }
    // A deadline span longer than the epoch: due at the start (the judge waits for the deadline).
    assert.equal(dueTimeMs(start, 10_000, 10_000, 20_000, 123n), start);
  });
});

describe("scheduler: one secret instant per round for the whole fleet", () => {
  const key = keccak256(toHex("an epoch's schedule key"));
  const start = 5_000_000;
  const len = 3_600_000;
  const o = { scheduleKey: key, startMs: start, lenMs: len, issueWindowBps: 10_000, nowMs: 0 };

  it("two identities on one GPU receive every round at the same instant (their throughput splits)", () => {
    // Two nodes (one GPU registered twice), 18 rounds each, different claims and so different spans.
    const items = Array.from({ length: 18 }, (_, r) => [{ round: r, spanMs: 5_500 }, { round: r, spanMs: 9_000 }]).flat();
    const due = roundDueTimes(items, o);
    assert.equal(due.size, 18);
    for (const [r, at] of due) {
      // Every node's challenge of round r is due at `at`; the longest deadline still ends in the epoch.
      assert.ok(at >= start && at + 9_000 <= start + len, `round ${r}`);
    }
    // The rounds themselves are spread by the secret draws, not bunched.
    assert.ok(new Set(due.values()).size === 18);
    // Deterministic from the key: every planning pass (and a restarted oracle) gets the same times.
    assert.deepEqual([...roundDueTimes(items, o)], [...due]);
    assert.notDeepEqual([...roundDueTimes(items, { ...o, scheduleKey: keccak256(toHex("another epoch")) })], [...due]);
  });

  it("an epoch planned late makes past rounds due within LATE_SPREAD_MS from now, still one instant per round", () => {
    const now = start + len / 2;
    const due = roundDueTimes([0, 1, 2, 3, 4, 5].map((r) => ({ round: r, spanMs: 1_000 })), { ...o, nowMs: now });
    // No round is due in the past, and each past round was moved to [now, now + LATE_SPREAD_MS).
    for (const at of due.values()) assert.ok(at >= now, "no round due before the plan");
    const onTime = roundDueTimes([0, 1, 2, 3, 4, 5].map((r) => ({ round: r, spanMs: 1_000 })), o);
    let moved = 0;
    for (const [r, at] of onTime) {
      if (at >= now) assert.equal(due.get(r), at);
      else (moved++, assert.ok(due.get(r)! < now + LATE_SPREAD_MS));
    }
    assert.ok(moved > 0, "some rounds were due before the late plan");
  });

  it("an epoch recovered after a lost database keeps the rounds due before the recovery at their time (they are void), and moves the rest", () => {
    const rounds = Array.from({ length: 12 }, (_, r) => ({ round: r, spanMs: 1_000 }));
    const onTime = roundDueTimes(rounds, o);
    const sorted = [...onTime.values()].sort((a, b) => a - b);
    const recoveredAt = sorted[4] + 1; // the lost database may have delivered the first five rounds
    const now = sorted[8] + 1; // planned later still (the RPC was down meanwhile)
    const due = roundDueTimes(rounds, { ...o, nowMs: now, keptBeforeMs: recoveredAt });
    let kept = 0;
    for (const [r, at] of onTime) {
      if (at < recoveredAt) (kept++, assert.equal(due.get(r), at, `round ${r} due before the recovery keeps its time`));
      else if (at < now) assert.ok(due.get(r)! >= now && due.get(r)! < now + LATE_SPREAD_MS, `round ${r} due after the recovery is moved`);
      else assert.equal(due.get(r), at);
    }
    assert.equal(kept, 5);
  });
});
