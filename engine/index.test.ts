import { test } from "node:test";
import assert from "node:assert/strict";
import * as engine from "./index";

test("the public API is reachable from engine/index", () => {
  for (const name of [
    "merkleRoot", "merkleProof", "verifyMerkleProof", "leafHash", "streamKey", "fillMatrix", "hardwareClass", "sizeGemm",
    "generateGemmChallenge", "runGemm", "chooseOpenings", "verifyGemmOpenings", "prepareGemmVerifier",
    "generateVramChallenge", "verifyVramProbe", "computeSeconds", "workResult", "judgeNode", "challengeSeed", "seedCommitment",
  ]) {
    assert.equal(typeof (engine as Record<string, unknown>)[name], "function", name);
  }
  assert.equal(typeof engine.llm.verifyInferOpenings, "function");
});
