import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, keccak256, stringToBytes } from "viem";
import { merkleRootBytes } from "../merkle";
import { computeRow, fingerprintLeaves, fingerprintRow, rMatrix } from "./data";
import { openGemm } from "./open";
import { referenceGemm } from "./reference";
import { chooseOpenings, gemmSecretSeed, gemmSharedSeed, generateGemmChallenge } from "./spec";
import { prepareGemmVerifier } from "./verifier-key";
import { verifyGemmOpenings } from "./verify";

const epoch = keccak256(stringToBytes("gemm reference test epoch"));
const n = 64;
const shared = gemmSharedSeed(epoch, n);
const key = prepareGemmVerifier(shared, gemmSecretSeed(epoch, n), n);

test("the reference result is an honest answer: every opening verifies", () => {
  for (const [tag, batch] of [["a", 1], ["b", 3], ["c", 20]] as const) {
    const spec = generateGemmChallenge(keccak256(stringToBytes(tag)), { n, batch, precision: "fp32" }, shared);
    const run = referenceGemm(spec);
    assert.equal(run.provider, "reference");
    assert.equal(run.fingerprints.length, batch * n * spec.projCols);
    const k = 20;
    const idx = chooseOpenings(spec, run.root, k);
    const v = verifyGemmOpenings(spec, run.root, openGemm(run, idx), key, { draw: run.root, k });
    assert.equal(v.ok, true, `${tag}: ${v.detail}`);
  }
});

test("the reference fingerprints are those of the exact rows", () => {
  const spec = generateGemmChallenge(keccak256(stringToBytes("exact")), { n, batch: 2, precision: "fp32" }, shared);
  const run = referenceGemm(spec);
  const R = rMatrix(spec.sharedSeed, n);
  for (let i = 0; i < 2 * n; i++) {
    assert.deepEqual(run.fingerprints.subarray(i * 4, i * 4 + 4), fingerprintRow(computeRow(spec, i, run.B), R));
  }
  assert.equal(run.root, bytesToHex(merkleRootBytes(fingerprintLeaves(spec, run.fingerprints))));
});

test("a reference result with altered fingerprints fails verification", () => {
  const spec = generateGemmChallenge(keccak256(stringToBytes("changed")), { n, batch: 1, precision: "fp32" }, shared);
  const run = referenceGemm(spec);
  const fingerprints = run.fingerprints.slice();
  // Every row's fingerprint shifted: whatever rows are drawn, the sent rows no longer match.
  for (let i = 0; i < fingerprints.length; i++) fingerprints[i] += 1;
  const leaves = fingerprintLeaves(spec, fingerprints);
  const bad = { ...run, fingerprints, leaves, root: bytesToHex(merkleRootBytes(leaves)) };
  const idx = chooseOpenings(spec, bad.root, 4);
  const v = verifyGemmOpenings(spec, bad.root, openGemm(bad, idx), key, { draw: bad.root, k: 4 });
  assert.equal(v.ok, false);
  assert.equal(v.reason, "GemmFingerprintMismatch");
});
