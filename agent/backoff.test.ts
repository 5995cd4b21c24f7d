import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay } from "./backoff";

const opts = { baseMs: 100, maxMs: 5_000 };

test("backoff doubles its cap per attempt and keeps half of it as a floor", () => {
  assert.equal(backoffDelay(0, opts, () => 0), 50);
  assert.equal(backoffDelay(0, opts, () => 1), 100);
  assert.equal(backoffDelay(3, opts, () => 0), 400);
  assert.equal(backoffDelay(3, opts, () => 1), 800);
});

test("backoff never exceeds maxMs, even after many attempts", () => {
  for (const attempt of [6, 10, 50, 1000]) {
    assert.equal(backoffDelay(attempt, opts, () => 1), 5_000);
    assert.equal(backoffDelay(attempt, opts, () => 0), 2_500);
  }
});

test("backoff jitter spreads delays between floor and cap", () => {
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(4, opts);
    assert.ok(d >= 800 && d <= 1600, `delay ${d} outside [800, 1600]`);
    seen.add(d);
  }
  assert.ok(seen.size > 20, "jitter produced too few distinct delays");
});

test("backoff rejects a negative or fractional attempt and bad options", () => {
  assert.throws(() => backoffDelay(-1, opts), RangeError);
  assert.throws(() => backoffDelay(1.5, opts), RangeError);
  assert.throws(() => backoffDelay(1, { baseMs: 0, maxMs: 10 }), RangeError);
  assert.throws(() => backoffDelay(1, { baseMs: 100, maxMs: 10 }), RangeError);
});
