import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes } from "viem";
import type { InferOpening } from "../../engine/llm/infer";
import { WireError } from "../errors";
import { decodeInferChallenge, decodeInferOpening, encodeInferChallenge, encodeInferOpening } from "./infer";
import { INFER_VERSION, type InferChallenge } from "../../engine/llm/prompts";

const opening: InferOpening = {
  index: 3,
  fingerprint: { ids: [[5, 1, 9], [2, 7, 0]], q: [[4096, -12, 0], [17, 16, -4000]] },
  proof: [keccak256(stringToBytes("a")), keccak256(stringToBytes("b"))],
};

test("infer openings survive the wire encoding", () => {
  assert.deepEqual(decodeInferOpening(JSON.parse(JSON.stringify(encodeInferOpening(opening)))), opening);
});

test("a malformed infer opening is a PR002 error naming what is wrong", () => {
  const w = encodeInferOpening(opening);
  const bad = (input: unknown, message: RegExp) =>
    assert.throws(() => decodeInferOpening(input), (e: unknown) => e instanceof WireError && e.code === "PR002" && message.test(e.message));
  bad({ ...w, fingerprint: undefined }, /fingerprint/);
  bad({ ...w, fingerprint: { ids: w.fingerprint.ids, q: [["x"]] } }, /fingerprint\.q\.0\.0/);
  bad({ ...w, index: 1.5 }, /index/);
  bad({ ...w, proof: "0x" }, /proof/);
  bad("opening", /opening/);
});

test("an infer challenge decodes only with every field of the right type", () => {
  const c: InferChallenge = { version: INFER_VERSION, seed: `0x${"22".repeat(32)}`, modelId: "poai-tiny-lm-v1", prompts: [[1, 5, 7], [1, 6, 8]], positions: [1, 2], topK: 4 };
  assert.deepEqual(decodeInferChallenge(JSON.parse(JSON.stringify(encodeInferChallenge(c)))), c);
  const bad: [string, unknown][] = [
    ["other version", { ...c, version: "poai-infer-v0" }],
    ["missing field", { ...c, topK: undefined }],
    ["negative token", { ...c, prompts: [[1, -5, 7]] }],
    ["fractional position", { ...c, positions: [1.5] }],
    ["unknown field", { ...c, extra: true }],
    ["bad seed", { ...c, seed: "0x12" }],
  ];
  for (const [what, input] of bad) {
    assert.throws(() => decodeInferChallenge(input), (e: unknown) => e instanceof WireError && e.code === "PR004", what);
  }
});
