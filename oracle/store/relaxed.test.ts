import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getMeta, setMeta } from "./meta";
import { relaxedTransaction } from "./relaxed";
import { openDb } from "./schema";

const FULL = 2;
const NORMAL = 1;
const sync = (db: ReturnType<typeof openDb>) => db.pragma("synchronous", { simple: true });

describe("database: relaxed commits", () => {
  const dir = mkdtempSync(join(tmpdir(), "poai-relaxed-"));
  const db = openDb(join(dir, "oracle.sqlite"));

  it("commits the frames' writes with synchronous NORMAL and every other write with FULL", () => {
    assert.equal(sync(db), FULL);
    const inside = relaxedTransaction(db, () => {
      setMeta(db, "k", "relaxed");
      return sync(db);
    });
    assert.equal(inside, NORMAL);
    assert.equal(sync(db), FULL);
    assert.equal(getMeta(db, "k"), "relaxed");
  });

  it("rolls a failed relaxed transaction back and still restores FULL", () => {
    assert.throws(() =>
      relaxedTransaction(db, () => {
        setMeta(db, "k", "lost");
        throw new Error("refused");
      }),
    /refused/);
    assert.equal(getMeta(db, "k"), "relaxed");
    assert.equal(sync(db), FULL);
  });

  it("inside an open transaction, runs in it and commits with it (FULL)", () => {
    const seen = db.transaction(() => relaxedTransaction(db, () => (setMeta(db, "k", "outer"), sync(db))))();
    assert.equal(seen, FULL);
    assert.equal(getMeta(db, "k"), "outer");
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
