import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PoaiError } from "../engine/errors";
import { SIM_ERRORS, SimError } from "./errors";
import { RunError } from "./runner";

test("a simulator error takes its reason's SM code; the per-module classes are SimErrors", () => {
  const e = new RunError("epochs must be in [1, 100], got 0");
  assert.equal(e.code, "SM004");
  assert.equal(e.reason, "SimRunBadInput");
  assert.equal(e.name, "RunError");
  assert.ok(e instanceof SimError && e instanceof PoaiError);
  assert.equal(new SimError("SimBenchBadArgument", "--nodes needs a number").message, "SM007 --nodes needs a number");
});

test("every simulator code is unique and listed in docs/errors.md with its reason", () => {
  const codes = Object.values(SIM_ERRORS);
  assert.equal(new Set(codes).size, codes.length);
  const doc = readFileSync(path.join(__dirname, "../docs/errors.md"), "utf8");
  for (const [reason, code] of Object.entries(SIM_ERRORS)) {
    assert.match(doc, new RegExp(`^\\| ${code} \\| \`${reason}\` \\|`, "m"), `${code} ${reason}`);
  }
});
