import assert from "node:assert/strict";
import test from "node:test";
import { crossCheck } from "./real-check";

test("the real gemm verifier rejects as the simulator's model says, and never an honest answer", async () => {
  const rows = await crossCheck({
    seed: 3,
    modes: [{ kind: "forge", fraction: 0 }, { kind: "forge", fraction: 0.1 }, { kind: "forge", fraction: 1 }, { kind: "replay" }],
    perMode: 12,
    openings: 8,
  });
  const [honest, tenth, all, replay] = rows;
  assert.equal(honest.engineRejected, 0);
  assert.equal(all.engineRejected, all.instances);
  assert.equal(replay.engineRejected, replay.instances);
  // 10 % of 512 rows with 8 openings: p = 0.57 per instance; the engine's count stays within
  // 4 standard deviations of the model's expectation.
  const p = tenth.modelExpected / tenth.instances;
  const sd = Math.sqrt(tenth.instances * p * (1 - p));
  assert.ok(Math.abs(tenth.engineRejected - tenth.modelExpected) <= 4 * sd, `${tenth.engineRejected} vs ${tenth.modelExpected}`);
  assert.deepEqual(Object.keys(all.reasons), ["GemmRowMismatch"]);
});
