import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { keccak256, stringToBytes } from "viem";
import { onnx } from "onnx-proto";
import { buildTinyLm, TINY_LM_DIMS, TINY_LM_ID, TINY_LM_SHA256 } from "./build-model";
import { CounterRng } from "./rng";
import { roundToFp16, roundWeights } from "./precision";

test("poai-tiny-lm-v1 is rebuilt from its seed byte for byte (pinned sha256)", () => {
  const a = buildTinyLm();
  const b = buildTinyLm();
  assert.equal(a.sha256, TINY_LM_SHA256);
  assert.equal(createHash("sha256").update(b.bytes).digest("hex"), TINY_LM_SHA256);
  assert.deepEqual(a.bytes, b.bytes);
  assert.equal(a.id, TINY_LM_ID);
  assert.ok(a.bytes.length < 3 * 1024 * 1024, `model of ${a.bytes.length} bytes`);
  // Parameters: wte + wpe + per layer (4 attention + 2 MLP linears, 2 LayerNorms) + ln_f + unembed + bias.
  const { vocab: V, dModel: D, nLayers: L, dFF: F, context: C } = TINY_LM_DIMS;
  const expected = V * D + C * D + L * (4 * (D * D + D) + D * F + F + F * D + D + 4 * D) + 2 * D + D * V + V;
  assert.equal(a.parameters, expected);
});

test("the encoded graph declares input_ids int64 [batch, seq] and logits float32 [batch, seq, vocab]", () => {
  const m = onnx.ModelProto.decode(buildTinyLm().bytes);
  assert.equal(m.graph!.input![0].name, "input_ids");
  assert.equal(m.graph!.input![0].type!.tensorType!.elemType, onnx.TensorProto.DataType.INT64);
  assert.equal(m.graph!.output![0].name, "logits");
  assert.equal(Number(m.graph!.output![0].type!.tensorType!.shape!.dim![2].dimValue), TINY_LM_DIMS.vocab);
  const meta = Object.fromEntries(m.metadataProps!.map((p) => [p.key, p.value]));
  assert.equal(meta.name, "poai-tiny-lm");
  assert.equal(meta.version, "1");
});

test("another seed or a lower precision gives a model of the same shape with other bytes", () => {
  const base = buildTinyLm();
  const other = buildTinyLm({ seed: keccak256(stringToBytes("another model")) });
  const fp16 = buildTinyLm({ precision: "fp16" });
  assert.equal(other.bytes.length, base.bytes.length);
  assert.equal(fp16.bytes.length, base.bytes.length);
  assert.notEqual(other.sha256, base.sha256);
  assert.notEqual(fp16.sha256, base.sha256);
});

test("counter-based generator: values depend only on (key, stream, counter)", () => {
  const seed = keccak256(stringToBytes("rng"));
  const r1 = new CounterRng(seed);
  const r2 = new CounterRng(seed);
  const forward = Array.from({ length: 100 }, (_, i) => r1.u32(3, i));
  const backward = Array.from({ length: 100 }, (_, i) => r2.u32(3, 99 - i)).reverse();
  assert.deepEqual(forward, backward);
  assert.notDeepEqual(forward, Array.from({ length: 100 }, (_, i) => r1.u32(4, i)));
  // Roughly unit variance and zero mean for the Irwin-Hall normal.
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < 20000; i++) {
    const x = r1.normal(0, i);
    s += x;
    s2 += x * x;
  }
  assert.ok(Math.abs(s / 20000) < 0.03);
  assert.ok(Math.abs(s2 / 20000 - 1) < 0.05);
});

test("fp16 rounding matches IEEE half precision on representative values", () => {
  assert.equal(roundToFp16(1), 1);
  assert.equal(roundToFp16(1 + 2 ** -11), 1); // halfway, rounds to even
  assert.equal(roundToFp16(1 + 3 * 2 ** -11), 1 + 2 ** -9); // halfway, rounds to even (up)
  assert.equal(roundToFp16(0.1), 0.0999755859375);
  assert.equal(roundToFp16(-(2 ** -25)), -0); // below half the smallest subnormal
  // int8: the largest weight is kept, every weight moves by at most half a step, <= 255 levels.
  const rng = new CounterRng(keccak256(stringToBytes("int8")));
  const w = Float32Array.from({ length: 4096 }, (_, i) => rng.normal(0, i));
  const q = roundWeights(w, "int8");
  let max = 0;
  for (const x of w) max = Math.max(max, Math.abs(x));
  const step = max / 127;
  for (let i = 0; i < w.length; i++) assert.ok(Math.abs(q[i] - w[i]) <= step / 2 + 1e-6);
  assert.ok(new Set(q).size <= 255);
  assert.ok(q.some((x, i) => x !== w[i]));
});
