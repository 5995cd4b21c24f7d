import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { keccak256, stringToBytes } from "viem";
import { runGemm } from "./kernel";
import { gemmSharedSeed, gemmSpecHash, generateGemmChallenge, type GemmSpec } from "./spec";

const epoch = keccak256(stringToBytes("gemm test epoch"));
const n = 128;
const shared = gemmSharedSeed(epoch, n);
const cpu = { executionProviders: ["cpu"] };

function spec(tag: string, batch = 4): GemmSpec {
  return generateGemmChallenge(keccak256(stringToBytes(tag)), { n, batch, precision: "fp32" }, shared);
}

test("same seed gives the same spec and the same root across runs and thread counts", async () => {
  const s = spec("determinism");
  assert.deepEqual(spec("determinism"), s);
  assert.equal(gemmSpecHash(spec("determinism")), gemmSpecHash(s));
  const r1 = await runGemm(s, { ...cpu, intraOpNumThreads: 1 });
  const r2 = await runGemm(s, { ...cpu, intraOpNumThreads: 2 });
  assert.equal(r1.provider, "cpu");
  assert.equal(r1.root, r2.root);
  assert.deepEqual(r1.fingerprints, r2.fingerprints);
  assert.notEqual((await runGemm(spec("another"), cpu)).root, r1.root);
});

test("same seed gives the same root in another process", async () => {
  const s = spec("cross-process");
  const here = await runGemm(s, cpu);
  const code = `
    const g = require(${JSON.stringify(path.join(__dirname, "kernel.ts"))});
    g.runGemm(${JSON.stringify(s)}, { executionProviders: ["cpu"], intraOpNumThreads: 1 })
      .then((r) => process.stdout.write(r.root));`;
  const there = execFileSync(process.execPath, ["--import", "tsx", "-e", code], { encoding: "utf8", timeout: 120_000 });
  assert.equal(there.trim(), here.root);
});
