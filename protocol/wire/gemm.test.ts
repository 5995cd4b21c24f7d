import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes } from "viem";
import { GemmError } from "../../engine/gemm/errors";
import { openGemm, runGemm } from "../../engine/gemm/kernel";
import { chooseOpenings, gemmSecretSeed, gemmSharedSeed, generateGemmChallenge, type GemmSpec } from "../../engine/gemm/spec";
import { prepareGemmVerifier } from "../../engine/gemm/verifier-key";
import { verifyGemmOpenings } from "../../engine/gemm/verify";
import { decodeGemmOpening, encodeGemmOpening } from "./gemm";

const epoch = keccak256(stringToBytes("gemm test epoch"));
const n = 128;
const shared = gemmSharedSeed(epoch, n);
const key = prepareGemmVerifier(shared, gemmSecretSeed(epoch, n), n);
const cpu = { executionProviders: ["cpu"] };

function spec(tag: string, batch = 4): GemmSpec {
  return generateGemmChallenge(keccak256(stringToBytes(tag)), { n, batch, precision: "fp32" }, shared);
}

test("openings survive the wire encoding", async () => {
  const s = spec("wire");
  const run = await runGemm(s, cpu);
  const open = openGemm(run, chooseOpenings(s, run.root));
  const back = open.map((o) => decodeGemmOpening(JSON.parse(JSON.stringify(encodeGemmOpening(o))), s));
  assert.deepEqual(back, open);
  assert.equal(verifyGemmOpenings(s, run.root, back, key).ok, true);
  assert.throws(() => decodeGemmOpening({ ...encodeGemmOpening(open[0]), row: "AAAA" }, s), GemmError);
});
