import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ENGINE_ERRORS } from "./error-codes";
import { errorCode, PoaiError, walkCauses } from "./errors";
import { GemmError } from "./gemm/errors";
import { TimingError } from "./timing";

test("a PoaiError carries its code, short message, details and cause; the message leads with the code", () => {
  const cause = new Error("disk full");
  const e = new PoaiError("OR004", "database open failed", { cause, details: { path: "/x" } });
  assert.equal(e.message, "OR004 database open failed");
  assert.equal(e.code, "OR004");
  assert.equal(e.shortMessage, "database open failed");
  assert.deepEqual(e.details, { path: "/x" });
  assert.equal(e.cause, cause);
  assert.equal(e.name, "PoaiError");
  assert.equal("cause" in new PoaiError("OR004", "x"), false);
});

test("a code that is not two known capital letters and three digits is refused", () => {
  for (const bad of ["OR12", "OR1234", "XX001", "or001", "GemmBadSpec"]) {
    assert.throws(() => new PoaiError(bad as never, "x"), TypeError, bad);
  }
});

test("walk finds the first match along the cause chain, or the deepest error; a cycle ends it", () => {
  const root = new Error("ECONNREFUSED");
  const mid = new GemmError("GemmRuntime", "onnxruntime failed", { cause: root });
  const top = new PoaiError("OR206", "verification failed", { cause: mid });
  assert.equal(top.walk(), root);
  assert.equal(top.walk((e) => e instanceof GemmError), mid);
  assert.equal(top.walk((e) => e instanceof TimingError), undefined);
  assert.equal(errorCode(new Error("wrapper", { cause: mid })), "EN103");
  assert.equal(errorCode(root), undefined);
  const a: { cause?: unknown } = {};
  const b = { cause: a };
  a.cause = b;
  assert.equal(walkCauses(a), b);
});

test("an engine error takes its reason's code from the catalogue and keeps the reason", () => {
  const e = new GemmError("GemmBadSpec", "n 100");
  assert.equal(e.code, "EN101");
  assert.equal(e.reason, "GemmBadSpec");
  assert.equal(e.message, "EN101 n 100");
  assert.equal(e.name, "GemmError");
  assert.ok(e instanceof PoaiError);
  assert.equal(new TimingError("empty").code, "EN321");
});

test("every engine code is unique and listed in docs/errors.md with its reason", () => {
  const codes = Object.values(ENGINE_ERRORS);
  assert.equal(new Set(codes).size, codes.length);
  const doc = readFileSync(path.join(__dirname, "../docs/errors.md"), "utf8");
  for (const [reason, code] of Object.entries(ENGINE_ERRORS)) {
    assert.match(doc, new RegExp(`^\\| ${code} \\| \`${reason}\` \\|`, "m"), `${code} ${reason}`);
  }
});
