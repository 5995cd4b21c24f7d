import { test } from "node:test";
import assert from "node:assert/strict";
import { GemmError } from "./errors";
import { f32FromBytes } from "./formats";

test("wire rows decode to the same floats (byte copy on little-endian hosts)", () => {
  const v = Float32Array.from([0, -0, 1.5, -(2 ** -20), 3.4e38, 1e-45, 255.99998474121094]);
  const bytes = new Uint8Array(v.length * 4);
  const dv = new DataView(bytes.buffer);
  v.forEach((x, i) => dv.setFloat32(4 * i, x, true));
  assert.deepEqual(Array.from(f32FromBytes(bytes)), Array.from(v));
  assert.deepEqual(Array.from(f32FromBytes(bytes.subarray(4))), Array.from(v.subarray(1)));
  assert.throws(() => f32FromBytes(new Uint8Array(5)), GemmError);
});
