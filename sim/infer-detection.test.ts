import assert from "node:assert/strict";
import test from "node:test";
import { measureSubstituteDetection } from "./infer-detection";

test("the infer verifier flags every item of a cheaper model and none of an honest rerun", async () => {
  const d = await measureSubstituteDetection(8, 24);
  assert.equal(d.honestFlagged, 0);
  for (const [name, v] of Object.entries(d.perVariant)) assert.equal(v.flagged, v.items, name);
  assert.equal(d.minRate, 1);
  await assert.rejects(() => measureSubstituteDetection(0), /SM005 /);
});
