/**
 * The oracle's infer challenge end to end with the real embedded ONNX model: planned for a claim,
 * answered by the engine's node-side runner, verified; a substituted fingerprint is caught, and a
 * verified answer yields synthetic-data records.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Hex } from "viem";
import { loadEmbeddedModel, openInfer, runInfer, type CausalLm, type InferChallenge } from "../engine/llm";
import { InferWork } from "./work-infer";

const EPOCH_SEED = ("0x" + "5a".repeat(32)) as Hex;
const SEED = ("0x" + "c3".repeat(32)) as Hex;
const CLAIM = { gpuModel: 0, gpuCount: 1, gflops: 1, vramMiB: 1024, region: "0x0000000000000000" as Hex };

describe("infer work", { timeout: 120_000 }, () => {
  const work = new InferWork({ promptLen: 16, poolSize: 16, maxBatch: 16, minBatch: 8 });
  let node: CausalLm | undefined;
  after(async () => {
    await work.close();
    await node?.release();
  });

  it("plans a batch for the claim, verifies an honest answer into data-set records, and catches a forged item", async () => {
    const plan = await work.plan(EPOCH_SEED, SEED, CLAIM, 50);
    assert.equal(plan.kind, "infer");
    const spec = plan.spec as unknown as InferChallenge;
    assert.equal(spec.prompts.length, plan.units);
    assert.ok(plan.units >= 8 && plan.units <= 16);
    assert.ok(plan.expectedMs > 0 && plan.mflop > 0);
    // Same seeds, same challenge: a committee member or auditor can regenerate it.
    assert.deepEqual((await work.plan(EPOCH_SEED, SEED, CLAIM, 50)).spec, plan.spec);

    node = await loadEmbeddedModel({ executionProviders: ["cpu"], intraOpNumThreads: 1 });
    const answer = await runInfer(node, spec);
    const indices = work.chooseOpenings(plan.spec, answer.root, 3);
    assert.equal(indices.length, 3);
    const openings = openInfer(answer, indices) as unknown as Record<string, unknown>[];
    const ok = await work.verify(EPOCH_SEED, plan.spec, answer.root, openings, indices);
    assert.equal(ok.ok, true, ok.reason);
    assert.equal(ok.records?.length, 3);
    assert.deepEqual(ok.records!.map((r) => r.index), indices);

    const forged = openInfer(answer, indices).map((o, i) =>
      i === 1 ? { ...o, fingerprint: { ids: o.fingerprint.ids, q: o.fingerprint.q.map((row) => row.map((x) => x + 4000)) } } : o,
    ) as unknown as Record<string, unknown>[];
    const bad = await work.verify(EPOCH_SEED, plan.spec, answer.root, forged, indices);
    assert.equal(bad.ok, false);
    assert.equal(bad.fraud, true);
    assert.equal(bad.records, undefined);
  });
});
