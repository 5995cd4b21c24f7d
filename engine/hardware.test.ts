import { test } from "node:test";
import assert from "node:assert/strict";
import { CPU_CLASS_ID, HARDWARE_CLASSES, HardwareError, checkClaim, hardwareClass, peakGflops } from "./hardware";

test("class ids are unique uint16 and every class names its source", () => {
  const ids = HARDWARE_CLASSES.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const c of HARDWARE_CLASSES) {
    assert.ok(Number.isInteger(c.id) && c.id >= 0 && c.id <= 65535);
    assert.ok(c.source.length > 10);
    assert.ok((c.peakTflops[c.ratedPrecision] ?? 0) > 0, `${c.name} has a rated peak`);
  }
  assert.equal(hardwareClass(CPU_CLASS_ID).kind, "cpu");
});

test("datasheet figures: dense fp16 is twice tf32 where both exist on data-centre parts", () => {
  const h100 = hardwareClass(1);
  assert.equal(h100.peakTflops.fp16, 989.4);
  assert.equal(peakGflops(1, 8), 8 * 989_400);
  for (const id of [1, 2, 3, 4, 5, 8]) {
    const c = hardwareClass(id);
    assert.ok(Math.abs(c.peakTflops.fp16! / c.peakTflops.tf32! - 2) < 0.03, c.name);
  }
});

test("claims above the datasheet or malformed are named errors", () => {
  assert.equal(checkClaim({ gpuModel: 1, gpuCount: 2, gflops: 1_500_000, vramMiB: 160 * 1024 }).id, 1);
  assert.throws(() => checkClaim({ gpuModel: 1, gpuCount: 1, gflops: 1_500_000, vramMiB: 80 * 1024 }), (e: unknown) => e instanceof HardwareError && e.code === "EN313");
  assert.throws(() => checkClaim({ gpuModel: 1, gpuCount: 1, gflops: 1000, vramMiB: 81 * 1024 }), HardwareError);
  assert.throws(() => checkClaim({ gpuModel: 999, gpuCount: 1, gflops: 1, vramMiB: 1 }), (e: unknown) => e instanceof HardwareError && e.code === "EN311");
  assert.throws(() => checkClaim({ gpuModel: 1, gpuCount: 0, gflops: 1, vramMiB: 1 }), HardwareError);
  assert.throws(() => checkClaim({ gpuModel: 0, gpuCount: 2, gflops: 1, vramMiB: 1 }), HardwareError);
  assert.throws(() => checkClaim({ gpuModel: 0, gpuCount: 1, gflops: -5, vramMiB: 1 }), HardwareError);
});
