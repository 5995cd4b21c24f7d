import { test } from "node:test";
import assert from "node:assert/strict";
import { retryAfterHeader, retryAfterMs } from "./retry-after";

test("retry-after is whole seconds, rounded up, and reads back as milliseconds", () => {
  assert.equal(retryAfterHeader(1_000), "1");
  assert.equal(retryAfterHeader(1_001), "2");
  assert.equal(retryAfterHeader(250), "1");
  assert.equal(retryAfterHeader(0), "1");
  assert.equal(retryAfterMs("1"), 1_000);
  assert.equal(retryAfterMs(" 3 "), 3_000);
  assert.equal(retryAfterMs(retryAfterHeader(2_500)), 3_000);
});

test("a retry-after that is not delay-seconds is ignored, not misread as milliseconds", () => {
  for (const bad of [null, undefined, "", "1.5", "-1", "1000ms", "Wed, 21 Oct 2015 07:28:00 GMT"]) {
    assert.equal(retryAfterMs(bad), undefined, String(bad));
  }
});
