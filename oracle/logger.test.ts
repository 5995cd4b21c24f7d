import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createLogger } from "./logger";

function capture(level?: "debug" | "info" | "warn" | "error") {
  const lines: string[] = [];
  return { lines, log: createLogger({ level, write: (l) => lines.push(l) }) };
}

describe("logger", () => {
  it("writes one JSON object per line, synchronously: t, level by name, event, bindings and fields", () => {
    const { lines, log } = capture();
    log.child({ part: "relay" }).info("tx.sent", { purpose: "commitSeed:3", nonce: 7 });
    assert.equal(lines.length, 1, "the line is out when the call returns");
    assert.ok(!lines[0].includes("\n"));
    const rec = JSON.parse(lines[0]);
    assert.match(rec.t, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(rec.level, "info");
    assert.equal(rec.event, "tx.sent");
    assert.equal(rec.part, "relay");
    assert.equal(rec.purpose, "commitSeed:3");
    assert.equal(rec.nonce, 7);
    assert.equal(rec.pid, undefined, "no pid or hostname");
  });

  it("drops lines below the level", () => {
    const { lines, log } = capture("warn");
    log.debug("a");
    log.info("b");
    log.warn("c");
    log.child({ part: "x" }).error("d");
    assert.deepEqual(lines.map((l) => [JSON.parse(l).level, JSON.parse(l).event]), [["warn", "c"], ["error", "d"]]);
  });

  it("writes bigints as decimal strings, in fields, nested fields and bindings", () => {
    const { lines, log } = capture();
    log.child({ epoch: 12n }).info("report.built", { amount: 10n ** 30n, slashes: [{ bps: 500n }] });
    const rec = JSON.parse(lines[0]);
    assert.equal(rec.epoch, "12");
    assert.equal(rec.amount, "1000000000000000000000000000000");
    assert.deepEqual(rec.slashes, [{ bps: "500" }]);
  });

  it("writes errors with their code and a bounded cause chain", () => {
    const { lines, log } = capture();
    let e: Error = Object.assign(new Error("rpc down"), { code: "OR005" });
    for (let i = 0; i < 10; i++) e = new Error(`wrap ${i}`, { cause: e });
    log.error("reconcile.failed", { err: e, detail: { inner: new RangeError("bad") } });
    const rec = JSON.parse(lines[0]);
    assert.equal(rec.err.name, "Error");
    assert.equal(rec.err.message, "wrap 9");
    let depth = 0;
    for (let c = rec.err; c.cause; c = c.cause) depth++;
    assert.equal(depth, 5, "cause chain cut at five");
    assert.deepEqual(rec.detail.inner, { name: "RangeError", message: "bad" });

    log.error("tx.reverted", { err: new Error("outer", { cause: Object.assign(new Error("inner"), { code: "OR202" }) }) });
    assert.deepEqual(JSON.parse(lines[1]).err, { name: "Error", message: "outer", cause: { name: "Error", message: "inner", code: "OR202" } });
  });
});
