import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { onnx } from "onnx-proto";
import { TINY_LM_DIMS, TINY_LM_ID } from "./build-model";
import { LlmError } from "./errors";
import { loadEmbeddedModel, loadModel, loadModelFromBytes, writeEmbeddedModel } from "./model";
import { GraphBuilder, OnnxDataType, valueInfo } from "./onnx-graph";
import { ByteTokenizer, parseTokenizerFile } from "./tokenizer";

async function rejectsWith(p: Promise<unknown>, code: string) {
  await assert.rejects(p, (e: unknown) => e instanceof LlmError && e.code === code);
}

test("embedded model: detected io, CPU fallback, logits of the right shape", async () => {
  const m = await loadEmbeddedModel({ intraOpNumThreads: 1 });
  try {
    assert.equal(m.id, TINY_LM_ID);
    assert.equal(m.executionProvider, "cpu"); // no CUDA provider library on this host
    assert.deepEqual(m.io, {
      inputIds: "input_ids",
      idsType: "int64",
      attentionMask: null,
      maskType: "int64",
      positionIds: null,
      positionType: "int64",
      logits: "logits",
      logitsType: "float32",
    });
    assert.equal(m.vocabSize, TINY_LM_DIMS.vocab);
    const ids = [m.tokenizer.bos!, ...m.tokenizer.encode("hello")];
    const logits = await m.forward([ids, ids]);
    assert.equal(logits.length, 2 * ids.length * m.vocabSize);
    assert.ok(logits.every(Number.isFinite));
    // Causal: the logits at position t do not depend on later tokens.
    const changedTail = await m.forward([[...ids.slice(0, 3), 120, 121, 122]]);
    const V = m.vocabSize;
    assert.deepEqual(changedTail.subarray(0, 3 * V), logits.subarray(0, 3 * V));
    assert.notDeepEqual(changedTail.subarray(3 * V, 4 * V), logits.subarray(3 * V, 4 * V));
    // The English prior: the most likely next byte after BOS is a space or a lowercase letter.
    let best = 0;
    for (let v = 1; v < V; v++) if (logits[v] > logits[best]) best = v;
    assert.ok(best === 32 || (best >= 97 && best <= 122), `argmax ${best}`);
  } finally {
    await m.release();
  }
});

test("embedded model: the positions graph gives forward's logits at those positions (float32 summation order aside)", async () => {
  const m = await loadEmbeddedModel({ intraOpNumThreads: 1 });
  try {
    assert.ok(m.forwardAt, "the embedded model has a positions graph");
    const V = m.vocabSize;
    let exact = 0;
    let total = 0;
    let maxAbs = 0;
    for (const [B, T, positions] of [
      [1, 64, [63]],
      [4, 64, [1, 9, 17, 22, 40, 41, 55, 63]],
      [3, 48, [0, 5, 6, 7, 30, 47]],
      [2, 128, Array.from({ length: 128 }, (_, i) => i)],
    ] as [number, number, number[]][]) {
      const rows = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (t === 0 ? 256 : (b * 131 + t * 7919 + T) % 256)));
      const full = await m.forward(rows);
      const at = await m.forwardAt!(rows, positions);
      assert.equal(at.length, B * positions.length * V);
      for (let b = 0; b < B; b++) {
        positions.forEach((p, pi) => {
          for (let v = 0; v < V; v++) {
            const d = Math.abs(full[(b * T + p) * V + v] - at[(b * positions.length + pi) * V + v]);
            maxAbs = Math.max(maxAbs, d);
            exact += d === 0 ? 1 : 0;
            total++;
          }
        });
      }
    }
    // Measured here: 1e-6 at most, most values bit for bit; the infer tolerance starts at 2.4e-4.
    assert.ok(maxAbs <= 1e-5, `largest difference ${maxAbs}`);
    assert.ok(exact / total > 0.5, `${exact} of ${total} values equal bit for bit`);
    await rejectsWith(m.forwardAt!([[1, 2, 3]], [2, 1]), "EN206");
    await rejectsWith(m.forwardAt!([[1, 2, 3]], [3]), "EN206");
  } finally {
    await m.release();
  }
});

test("bad inputs are named errors", async () => {
  const m = await loadEmbeddedModel({ intraOpNumThreads: 1 });
  try {
    await rejectsWith(m.forward([[1, 2], [3]]), "EN206");
    await rejectsWith(m.forward([[1, 999]]), "EN206");
    await rejectsWith(m.forward([new Array(TINY_LM_DIMS.context + 1).fill(97)]), "EN206");
    await rejectsWith(m.forward([]), "EN206");
  } finally {
    await m.release();
  }
  await rejectsWith(loadEmbeddedModel({ intraOpNumThreads: 0 }), "EN202");
  await rejectsWith(loadEmbeddedModel({ executionProviders: [] }), "EN202");
  // CUDA alone on a host without the CUDA provider: a named load error, not a silent CPU run.
  await rejectsWith(loadEmbeddedModel({ executionProviders: ["cuda"] }), "EN205");
  await rejectsWith(loadModelFromBytes(new Uint8Array([1, 2, 3]), new ByteTokenizer(), { executionProviders: ["cpu"] }), "EN205");
});

test("generic loader: the embedded model written to disk loads through loadModel with its tokenizer file", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "poai-llm-"));
  try {
    const { onnxPath, tokenizerPath } = await writeEmbeddedModel(dir);
    const ext = await loadModel(onnxPath, tokenizerPath, { intraOpNumThreads: 1, maxContext: 128 });
    const emb = await loadEmbeddedModel({ intraOpNumThreads: 1 });
    try {
      assert.equal(ext.id, TINY_LM_ID);
      assert.equal(ext.tokenizer.name, "poai-bytes-v1");
      const rows = [[256, ...ext.tokenizer.encode("the node")]];
      assert.deepEqual(await ext.forward(rows), await emb.forward(rows));
    } finally {
      await ext.release();
      await emb.release();
    }
    await rejectsWith(loadModel(path.join(dir, "missing.onnx"), tokenizerPath), "EN205");
    await writeFile(path.join(dir, "bad.json"), "{}");
    await rejectsWith(loadModel(onnxPath, path.join(dir, "bad.json")), "EN203");
    // A tokenizer larger than the model's logits does not fit.
    await writeFile(path.join(dir, "big.json"), JSON.stringify({ format: "vocab-list-v1", vocab: Array.from({ length: 300 }, (_, i) => `t${i}`) }));
    await rejectsWith(loadModel(onnxPath, path.join(dir, "big.json")), "EN203");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * An exported LM with other conventions: int32 `ids`, an `attention_mask` input, a symbolic
 * vocabulary dimension and an output named `lm_logits`. A bigram table model: logits[t] =
 * table[ids[t]] * mask[t], enough to check that the loader finds and feeds every input.
 */
function bigramModel(V: number): Uint8Array {
  const g = new GraphBuilder();
  const table = new Float32Array(V * V);
  for (let i = 0; i < V; i++) for (let j = 0; j < V; j++) table[i * V + j] = (i === j ? 0 : -1) + j / V;
  g.float("table", [V, V], table);
  const ids64 = g.node("Cast", ["ids"], { to: OnnxDataType.INT64 });
  const rows = g.node("Gather", ["table", ids64], { axis: 0 });
  const mask = g.node("Unsqueeze", [g.node("Cast", ["attention_mask"], { to: OnnxDataType.FLOAT }), g.int64("axis", [1], [2])]);
  g.node("Mul", [rows, mask], {}, "lm_logits");
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }],
      graph: {
        name: "bigram",
        node: g.nodes,
        initializer: g.initializers,
        input: [valueInfo("ids", OnnxDataType.INT32, ["b", "s"]), valueInfo("attention_mask", OnnxDataType.INT64, ["b", "s"])],
        output: [valueInfo("lm_logits", OnnxDataType.FLOAT, ["b", "s", "v"])],
      },
    }),
  ).finish();
}

test("generic loader: int32 ids, attention mask, symbolic vocabulary and a vocab-list tokenizer", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "poai-llm-"));
  try {
    const vocab = ["<s>", "</s>", "a", "b", "c", "▁"];
    await writeFile(path.join(dir, "bigram.onnx"), bigramModel(vocab.length));
    await writeFile(path.join(dir, "tok.json"), JSON.stringify({ format: "vocab-list-v1", vocab, bos: 0, eos: 1 }));
    const m = await loadModel(path.join(dir, "bigram.onnx"), path.join(dir, "tok.json"), { executionProviders: ["cpu"] });
    try {
      assert.equal(m.id, "bigram");
      assert.equal(m.io.idsType, "int32");
      assert.equal(m.io.inputIds, "ids");
      assert.equal(m.io.attentionMask, "attention_mask");
      assert.equal(m.io.logits, "lm_logits");
      assert.equal(m.vocabSize, vocab.length); // probed, the metadata leaves it symbolic
      const ids = m.tokenizer.encode("ab c");
      assert.deepEqual(ids, [2, 3, 5, 4]);
      const logits = await m.forward([ids]);
      // The mask is fed as ones, so row t is table[ids[t]]: its argmax is the token itself.
      for (let t = 0; t < ids.length; t++) {
        const row = Array.from(logits.subarray(t * vocab.length, (t + 1) * vocab.length));
        assert.equal(row.indexOf(Math.max(...row)), ids[t]);
      }
    } finally {
      await m.release();
    }
    assert.equal(parseTokenizerFile(JSON.stringify({ format: "vocab-list-v1", vocab })).vocabSize, 6);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
