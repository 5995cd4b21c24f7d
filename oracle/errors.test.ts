import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { PoaiError } from "../engine/errors";
import { ERROR_CODES, httpError, OracleError } from "./errors";

test("an oracle error is a PoaiError with its HTTP status, and answers with code and short message", () => {
  const cause = new Error("SQLITE_BUSY");
  const e = new OracleError("OR004", "database open failed", { cause });
  assert.ok(e instanceof PoaiError);
  assert.equal(e.message, "OR004 database open failed");
  assert.equal(e.status, 500);
  assert.equal(e.cause, cause);
  const limited = httpError.rateLimited(1500);
  assert.equal(limited.status, 429);
  assert.deepEqual(limited.toJSON(), { error: { code: "OR110", message: "too many requests", details: { retryAfterMs: 1500 } } });
});

test("every oracle code is listed in docs/errors.md", () => {
  const doc = readFileSync(path.join(__dirname, "../docs/errors.md"), "utf8");
  for (const code of Object.keys(ERROR_CODES)) assert.match(doc, new RegExp(`^\\| ${code} \\|`, "m"), code);
});
