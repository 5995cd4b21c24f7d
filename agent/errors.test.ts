import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PoaiError } from "../engine/errors";
import { AGENT_ERRORS, AgentError } from "./errors";

test("an agent error is a PoaiError with its AG code, reason, hint line and cause", () => {
  const cause = new Error("ECONNREFUSED");
  const e = new AgentError("OracleUnreachable", "oracle http://x unreachable", { cause, hint: "check --oracle" });
  assert.ok(e instanceof PoaiError);
  assert.equal(e.code, "AG007");
  assert.equal(e.reason, "OracleUnreachable");
  assert.equal(e.shortMessage, "oracle http://x unreachable");
  assert.equal(e.message, "AG007 oracle http://x unreachable\n  check --oracle");
  assert.equal(e.walk(), cause);
});

test("every agent code is unique and listed in docs/errors.md with its reason", () => {
  const codes = Object.values(AGENT_ERRORS);
  assert.equal(new Set(codes).size, codes.length);
  const doc = readFileSync(path.join(__dirname, "../docs/errors.md"), "utf8");
  for (const [reason, code] of Object.entries(AGENT_ERRORS)) {
    assert.match(doc, new RegExp(`^\\| ${code} \\| \`${reason}\` \\|`, "m"), `${code} ${reason}`);
  }
});
