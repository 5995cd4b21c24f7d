import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChainClock } from "./clock";

describe("chain clock", () => {
  it("follows the next block's time when the chain is ahead, the wall clock otherwise, and never goes back", () => {
    let wall = 100_000;
    const c = new ChainClock(() => wall);
    assert.equal(c.now(), 100_000);
    c.observe(110); // next block at 111 s
    assert.equal(c.now(), 111_000);
    wall = 105_000;
    c.observe(110);
    assert.equal(c.now(), 111_000, "no step back when observing the same block later");
    c.observe(90); // an older block seen through a lagging RPC
    assert.equal(c.now(), 111_000);
    wall = 120_000;
    assert.equal(c.now(), 120_000);
  });
});
