import { test } from "node:test";
import assert from "node:assert/strict";
import { GEMM_MAX_N, GPU_MIN_TARGET_SECONDS, SizingError, sizeGemm, sizeVram } from "./sizing";

const h100 = { gpuModel: 1, gpuCount: 1, gflops: 700_000, vramMiB: 80 * 1024 };
const cpu = { gpuModel: 0, gpuCount: 1, gflops: 60, vramMiB: 4096 };

test("an H100 gets the largest matrices and enough of them to run the target time", () => {
  const s = sizeGemm(h100, { targetSeconds: 4 });
  assert.equal(s.n, GEMM_MAX_N);
  assert.equal(s.precision, "fp16");
  assert.equal(s.flops, 2 * s.batch * s.n ** 3);
  assert.ok(s.expectedSeconds >= 4 && s.expectedSeconds < 4.01, `${s.expectedSeconds}`);
  // A GPU is never timed on less than GPU_MIN_TARGET_SECONDS, far above network jitter.
  assert.ok(sizeGemm(h100, { targetSeconds: 0.1 }).expectedSeconds >= GPU_MIN_TARGET_SECONDS);
});

test("a CPU node gets small matrices and a short run", () => {
  const s = sizeGemm(cpu, { targetSeconds: 0.2 });
  assert.ok(s.n <= 1024, `n ${s.n}`);
  assert.ok(s.batch >= 4);
  assert.equal(s.precision, "fp32");
  assert.ok(s.expectedSeconds >= 0.2 && s.expectedSeconds < 0.3);
});

test("work scales with the claim: twice the claim, twice the FLOPs at the same n", () => {
  const a = sizeGemm({ ...h100, gflops: 300_000 }, { targetSeconds: 4 });
  const b = sizeGemm({ ...h100, gflops: 600_000 }, { targetSeconds: 4 });
  assert.equal(a.n, b.n);
  assert.ok(Math.abs(b.flops / a.flops - 2) < 0.001);
});

test("the working set fits a quarter of the claimed memory per device", () => {
  const s = sizeGemm({ gpuModel: 0, gpuCount: 1, gflops: 5000, vramMiB: 16 }, { targetSeconds: 1 });
  assert.ok(3 * s.n * s.n * 4 <= (16 * 1024 * 1024) / 4);
});

test("bad targets are named errors; vram sizing is a power of two within the claim", () => {
  assert.throws(() => sizeGemm(cpu, { targetSeconds: 0 }), (e: unknown) => e instanceof SizingError && e.code === "EN301");
  assert.throws(() => sizeGemm(cpu, { maxN: 100 }), SizingError);
  const v = sizeVram(h100);
  assert.ok(v.bytes <= 80 * 1024 * 1024 * 1024 * 0.9 && v.bytes > 80 * 1024 * 1024 * 1024 * 0.45);
  assert.equal(v.items & (v.items - 1), 0);
  assert.equal(sizeVram(cpu, 1 << 20).bytes, 1 << 20);
  assert.throws(() => sizeVram(cpu, 100), SizingError);
});
