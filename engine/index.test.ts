import { test } from "node:test";
import assert from "node:assert/strict";
import * as engine from "./index";

test("the public API is reachable from engine/index", () => {
  for (const name of [
    "merkleRoot", "merkleProof", "verifyMerkleProof", "leafHash", "streamKey", "fillMatrix", "hardwareClass", "sizeGemm",
    "generateGemmChallenge", "chooseOpenings", "verifyGemmOpenings", "prepareGemmVerifier",
    "generateVramChallenge", "verifyVramProbe", "computeSeconds", "workResult", "judgeNode",
  ]) {
    assert.equal(typeof (engine as Record<string, unknown>)[name], "function", name);
  }
});

test("engine/index is the verifier side: the node kernels are imported from their own modules", () => {
  assert.equal((engine as Record<string, unknown>).runGemm, undefined);
  assert.equal((engine as Record<string, unknown>).llm, undefined);
});
