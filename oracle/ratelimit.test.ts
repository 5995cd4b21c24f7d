import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TokenBuckets } from "./ratelimit";

describe("token buckets", () => {
  it("allows the burst, then one request per refill interval", () => {
    const b = new TokenBuckets(2, 3);
    assert.equal(b.take("a", 0), 0);
    assert.equal(b.take("a", 0), 0);
    assert.equal(b.take("a", 0), 0);
    assert.equal(b.take("a", 0), 500, "next token in 500 ms at 2/s");
    assert.equal(b.take("b", 0), 0, "buckets are per key");
    assert.equal(b.take("a", 500), 0);
    assert.ok(b.take("a", 500) > 0);
  });
});
