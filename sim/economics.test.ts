import assert from "node:assert/strict";
import test from "node:test";
import { DEFAULT_ECONOMICS, epochCost, minimumStake, slashAmount } from "./economics";

test("stake follows NodeRegistry.minimumStake with the deploy script's defaults", () => {
  // base 100 tokens + 10 tokens per claimed TFLOP/s (protocol/params.ts DEVNET_PARAMS)
  assert.equal(DEFAULT_ECONOMICS.minStakeBase, 100);
  assert.equal(DEFAULT_ECONOMICS.minStakePerTflop, 10);
  assert.equal(minimumStake(DEFAULT_ECONOMICS, 989_400), 100 + 9894);
  assert.equal(slashAmount(10_000, 5000), 5000);
  assert.ok(epochCost(DEFAULT_ECONOMICS, 1000, 0) > 0);
});
