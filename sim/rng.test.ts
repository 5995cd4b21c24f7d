import assert from "node:assert/strict";
import test from "node:test";
import { hashLabels, Rng } from "./rng";

test("same labels, same stream; other labels, another stream", () => {
  const a = new Rng(1, 2, 3);
  const b = new Rng(1, 2, 3);
  const c = new Rng(1, 2, 4);
  const xs = Array.from({ length: 100 }, () => a.u32());
  assert.deepEqual(Array.from({ length: 100 }, () => b.u32()), xs);
  assert.notDeepEqual(Array.from({ length: 100 }, () => c.u32()), xs);
  assert.notEqual(hashLabels([1, 2]), hashLabels([2, 1]));
});

test("uniform draws stay in [0, 1) with the right mean; normals have unit variance", () => {
  const r = new Rng(7);
  let sum = 0;
  let sq = 0;
  const N = 50_000;
  for (let i = 0; i < N; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    const z = r.normal();
    sq += z * z;
  }
  assert.ok(Math.abs(sum / N - 0.5) < 0.01, `mean ${sum / N}`);
  assert.ok(Math.abs(sq / N - 1) < 0.03, `variance ${sq / N}`);
});
