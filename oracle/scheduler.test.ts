import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { keccak256, toHex } from "viem";
import { parseConfig } from "./config";
import { dueTimeMs } from "./scheduler";

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
