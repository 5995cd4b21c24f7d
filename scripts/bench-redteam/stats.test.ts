import { test } from "node:test";
import assert from "node:assert/strict";
import { bootstrapGain } from "./stats";
import { gainField, STRATEGIES } from "./run";

test("the gain is the strategy's net over the honest pay, minus one, with an interval around it", () => {
  const pairs = [{ honest: 100, cheater: 50 }, { honest: 110, cheater: 40 }, { honest: 90, cheater: 60 }, { honest: 100, cheater: -200 }];
  const g = bootstrapGain(pairs, { resamples: 2000, seed: "t" });
  assert.ok(Math.abs(g.gain - (-50 / 400 - 1)) < 1e-12);
  assert.ok(g.low <= g.gain && g.gain <= g.high, JSON.stringify(g));
  assert.ok(g.high < 0, "a strategy that loses every epoch has its upper bound below zero");
  assert.deepEqual(bootstrapGain(pairs, { resamples: 2000, seed: "t" }), g, "deterministic for a seed");
  // A strategy paid like the honest identity: the interval straddles zero.
  const even = bootstrapGain([{ honest: 100, cheater: 120 }, { honest: 100, cheater: 80 }, { honest: 100, cheater: 100 }], { resamples: 2000, seed: "e" });
  assert.ok(even.low < 0 && even.high > 0, JSON.stringify(even));
  // Nothing earned by anyone is no evidence of gain.
  assert.equal(bootstrapGain([{ honest: 0, cheater: 0 }], { resamples: 10, seed: "z" }).gain, -1);
});

test("every strategy has its own JSON field named gain...", () => {
  const fields = STRATEGIES.map((s) => gainField(s.name));
  assert.equal(new Set(fields).size, fields.length);
  for (const f of fields) assert.match(f, /^gain[A-Z][A-Za-z0-9]*$/);
  assert.equal(gainField("grind-forge-50"), "gainGrindForge50");
});
