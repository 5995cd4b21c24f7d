import assert from "node:assert/strict";
import test from "node:test";
import { Rng } from "./rng";
import { drawWrongOpened, forgedRows, probCaught, SamplingError } from "./sampling";

test("the drawn catch rate matches the hypergeometric probability", () => {
  const rng = new Rng(11);
  for (const [n, m, k] of [[1000, 10, 8], [4096, 41, 20], [256, 3, 4], [100, 50, 10]] as const) {
    const trials = 20_000;
    let caught = 0;
    let wrong = 0;
    for (let t = 0; t < trials; t++) {
      const w = drawWrongOpened(n, m, k, rng);
      assert.ok(w >= 0 && w <= Math.min(m, k));
      if (w > 0) caught++;
      wrong += w;
    }
    const p = probCaught(n, m, k);
    const sd = Math.sqrt((p * (1 - p)) / trials);
    assert.ok(Math.abs(caught / trials - p) < 5 * sd + 1e-9, `n=${n} m=${m} k=${k}: ${caught / trials} vs ${p}`);
    // Mean of the hypergeometric: k m / n.
    assert.ok(Math.abs(wrong / trials - (k * m) / n) < 0.05 * Math.max(1, (k * m) / n), `mean ${wrong / trials}`);
  }
});

test("edge cases: nothing forged is never caught, everything forged always is", () => {
  const rng = new Rng(3);
  assert.equal(drawWrongOpened(500, 0, 20, rng), 0);
  assert.equal(drawWrongOpened(500, 500, 20, rng), 20);
  assert.equal(probCaught(500, 0, 20), 0);
  assert.equal(probCaught(500, 490, 20), 1);
  assert.equal(probCaught(500, 500, 20), 1);
  // 1 % of rows with 8 openings: 1 - 0.99^8 to within the without-replacement correction.
  assert.ok(Math.abs(probCaught(1_000_000, 10_000, 8) - (1 - 0.99 ** 8)) < 1e-4);
  assert.equal(forgedRows(1000, 0.01), 10);
  assert.equal(forgedRows(10, 0.01), 1); // rounded up: a forger of anything forges a row
  assert.equal(forgedRows(10, 0), 0);
});

test("bad input is a named error", () => {
  const rng = new Rng(1);
  assert.throws(() => drawWrongOpened(10, 11, 2, rng), SamplingError);
  assert.throws(() => drawWrongOpened(10, 2, 11, rng), /SM001 /);
  assert.throws(() => probCaught(0, 0, 0), SamplingError);
  assert.throws(() => forgedRows(10, 1.5), SamplingError);
});
