import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChainClock } from "./clock";

describe("chain clock", () => {
  it("keeps the largest lead of the chain over the wall clock and never goes back", () => {
    let wall = 100_000;
    const c = new ChainClock(() => wall);
    assert.equal(c.now(), 100_000);
    c.observe(110); // the chain is 10 s ahead
    assert.equal(c.now(), 110_000);
    wall = 105_000;
    assert.equal(c.now(), 115_000, "the lead is kept while the chain is idle");
    c.observe(110); // the same (now old) block read again
    assert.equal(c.now(), 115_000, "an old block does not pull the clock back");
    c.observe(90);
    assert.equal(c.now(), 115_000);
    c.observe(125); // the lead grew to 20 s
    assert.equal(c.now(), 125_000);
  });
});
