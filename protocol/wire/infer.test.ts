import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes } from "viem";
import type { InferOpening } from "../../engine/llm/infer";
import { WireError } from "../errors";
import { decodeInferOpening, encodeInferOpening } from "./infer";

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
