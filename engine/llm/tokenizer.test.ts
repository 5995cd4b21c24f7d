import { test } from "node:test";
import assert from "node:assert/strict";
import { ByteTokenizer, parseTokenizerFile, VocabListTokenizer } from "./tokenizer";
import { LlmError } from "./errors";

test("byte tokenizer: UTF-8 round trip, specials dropped on decode", () => {
  const t = new ByteTokenizer();
  const text = "proof of AI: é ✓";
  const ids = t.encode(text);
  assert.equal(ids.length, new TextEncoder().encode(text).length);
  assert.equal(t.decode(ids), text);
  assert.equal(t.decode([t.bos, ...ids, t.eos, t.pad]), text);
  assert.deepEqual(parseTokenizerFile(JSON.stringify(t.toJSON())).encode("ab"), [97, 98]);
});

test("vocab-list tokenizer: greedy longest match, byte fallback, specials", () => {
  const vocab = ["<s>", "</s>", "<unk>", "▁the", "the", "t", "h", "e", "▁", "<0xC3>", "<0xA9>", "a"];
  const t = parseTokenizerFile(JSON.stringify({ format: "vocab-list-v1", name: "toy", vocab, bos: 0, eos: 1, unk: 2 }));
  assert.ok(t instanceof VocabListTokenizer);
  assert.equal(t.vocabSize, vocab.length);
  assert.equal(t.bos, 0);
  assert.deepEqual(t.encode("the the"), [4, 3]);
  assert.deepEqual(t.encode("é"), [9, 10]); // no token for é: its UTF-8 bytes
  assert.deepEqual(t.encode("z"), [2]); // neither token nor bytes: unk
  assert.equal(t.decode([0, 4, 3, 9, 10, 1]), "the theé");
});

test("tokenizer files that do not parse or do not fit give LlmBadTokenizer", () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof LlmError);
      return e.code;
    }
    return "no error";
  };
  assert.equal(code(() => parseTokenizerFile("{not json")), "EN203");
  assert.equal(code(() => parseTokenizerFile(JSON.stringify({ format: "sentencepiece" }))), "EN203");
  assert.equal(code(() => parseTokenizerFile(JSON.stringify({ format: "vocab-list-v1", vocab: [] }))), "EN203");
  assert.equal(code(() => parseTokenizerFile(JSON.stringify({ format: "vocab-list-v1", vocab: ["a"], eos: 5 }))), "EN203");
  const noUnk = parseTokenizerFile(JSON.stringify({ format: "vocab-list-v1", vocab: ["a"] }));
  assert.equal(code(() => noUnk.encode("b")), "EN206");
});
