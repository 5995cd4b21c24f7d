import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeAbiParameters, keccak256, stringToBytes, type Hex } from "viem";
import { PROTOCOL_ERRORS } from "./errors";
import { openingDraw, OPENINGS_TAG } from "./openings";

const KEY = keccak256(stringToBytes("opening key")) as Hex;
const ID = "0x0123456789abcdef0123456789abcdef";
const ROOT = keccak256(stringToBytes("root")) as Hex;

test("the opening draw is keccak256(abi.encode(tag, openingKey, bytes16 challengeId, root)) with the documented tag", () => {
  assert.equal(OPENINGS_TAG, keccak256(stringToBytes("poai.openings.v1")));
  const want = keccak256(
    encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "bytes16" }, { type: "bytes32" }], [OPENINGS_TAG, KEY, ID, ROOT]),
  );
  assert.equal(openingDraw(KEY, ID, ROOT), want);
  assert.equal(openingDraw(KEY, ID.toUpperCase().replace("0X", "0x"), ROOT), want, "hex case does not matter");
});

test("key, challenge and root each move the draw: the same root gives other openings under another key or challenge", () => {
  const draws = [
    openingDraw(KEY, ID, ROOT),
    openingDraw(keccak256(KEY), ID, ROOT),
    openingDraw(KEY, "0x" + "00".repeat(16), ROOT),
    openingDraw(KEY, ID, keccak256(ROOT)),
  ];
  assert.equal(new Set(draws).size, draws.length);
});

test("bad input is PR201 (KeyBadInput), never a draw", () => {
  const bad: [string, () => unknown][] = [
    ["short key", () => openingDraw("0x1234", ID, ROOT)],
    ["id of 32 bytes", () => openingDraw(KEY, ROOT, ROOT)],
    ["id not hex", () => openingDraw(KEY, "challenge-1", ROOT)],
    ["short root", () => openingDraw(KEY, ID, "0xabcd")],
    ["root not a string", () => openingDraw(KEY, ID, 7 as unknown as Hex)],
  ];
  for (const [what, fn] of bad) assert.throws(fn, (e: { code?: string }) => e.code === PROTOCOL_ERRORS.KeyBadInput, what);
});
