import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PoaiError } from "../engine/errors";
import { PROTOCOL_ERRORS, WireError } from "./errors";

test("a wire error takes its reason's PR code and is a PoaiError", () => {
  const e = new WireError("WireBadInferOpening", "index: expected number");
  assert.equal(e.code, "PR002");
  assert.equal(e.reason, "WireBadInferOpening");
  assert.equal(e.message, "PR002 index: expected number");
  assert.ok(e instanceof PoaiError);
});

test("every protocol code is unique and listed in docs/errors.md with its reason", () => {
  const codes = Object.values(PROTOCOL_ERRORS);
  assert.equal(new Set(codes).size, codes.length);
  const doc = readFileSync(path.join(__dirname, "../docs/errors.md"), "utf8");
  for (const [reason, code] of Object.entries(PROTOCOL_ERRORS)) {
    assert.match(doc, new RegExp(`^\\| ${code} \\| \`${reason}\` \\|`, "m"), `${code} ${reason}`);
  }
});
