import assert from "node:assert/strict";
import test from "node:test";
import { processorSharing, SharingError } from "./processor-sharing";

test("two identities sharing one GPU at the same instant each take twice as long", () => {
  assert.deepEqual(processorSharing([0, 0], [100, 100]), [200, 200]);
  // Staggered: B arrives halfway through A.
  const [a, b] = processorSharing([0, 50], [100, 100]);
  assert.ok(Math.abs(a - 150) < 1e-9 && Math.abs(b - 200) < 1e-9, `${a} ${b}`);
});

test("jobs that do not overlap run at full speed", () => {
  assert.deepEqual(processorSharing([0, 1000, 5000], [100, 100, 100]), [100, 1100, 5100]);
});

test("bad input is a named error", () => {
  assert.throws(() => processorSharing([0], [1, 2]), SharingError);
  assert.throws(() => processorSharing([NaN], [1]), /SM003 /);
});
