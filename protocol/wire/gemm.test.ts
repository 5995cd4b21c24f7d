import { test } from "node:test";
import assert from "node:assert/strict";
import { keccak256, stringToBytes } from "viem";
import { openGemm, runGemm } from "../../engine/gemm/kernel";
import { chooseOpenings, gemmSecretSeed, gemmSharedSeed, generateGemmChallenge, type GemmSpec } from "../../engine/gemm/spec";
import { prepareGemmVerifier } from "../../engine/gemm/verifier-key";
import { verifyGemmOpenings } from "../../engine/gemm/verify";
import { WireError } from "../errors";
import { decodeGemmOpening, decodeGemmSpec, encodeGemmOpening, encodeGemmSpec } from "./gemm";

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
  assert.equal(verifyGemmOpenings(s, run.root, back, key, { draw: run.root }).ok, true);
});

test("a malformed opening is a PR001 error naming what is wrong", async () => {
  const s = spec("wire malformed");
  const run = await runGemm(s, cpu);
  const [o] = openGemm(run, chooseOpenings(s, run.root, 1));
  const w = encodeGemmOpening(o);
  const bad = (input: unknown, message: RegExp) =>
    assert.throws(() => decodeGemmOpening(input, s), (e: unknown) => e instanceof WireError && e.code === "PR001" && message.test(e.message));
  bad({ ...w, data: w.data.slice(0, -8) }, /data holds/);
  bad({ ...w, data: w.data + "00" }, /data holds/);
  bad({ ...w, data: "0xzz" }, /data: expected 0x-hex/);
  bad({ ...w, data: w.data + "0" }, /data: expected 0x-hex/);
  bad({ ...w, data: w.data.slice(2) }, /data: expected 0x-hex/);
  bad({ ...w, index: 1.5 }, /index/);
  bad({ ...w, proof: "0x" + "00".repeat(32) }, /proof/);
  bad({ ...w, index: s.batch * n }, /out of range/);
  bad({ ...w, index: -1 }, /index/);
  bad({ ...w, proof: ["0x12"] }, /proof\.0/);
  bad({ index: w.index, proof: w.proof }, /data/);
  bad(null, /opening/);
  // The base64 {row, group} form is not an opening.
  const { data: _data, ...rest } = w;
  bad({ ...rest, row: "AAAA", group: "AAAA" }, /data/);
});

test("a gemm spec decodes only with every field of the right type and values checkGemmSpec accepts", () => {
  const spec = generateGemmChallenge(`0x${"11".repeat(32)}`, { n: 64, batch: 2, precision: "fp32" });
  assert.deepEqual(decodeGemmSpec(JSON.parse(JSON.stringify(encodeGemmSpec(spec)))), spec);
  const bad: [string, unknown][] = [
    ["missing field", { ...spec, n: undefined }],
    ["mistyped field", { ...spec, batch: "2" }],
    ["unknown precision", { ...spec, precision: "fp8" }],
    ["unknown field", { ...spec, extra: 1 }],
    ["value checkGemmSpec refuses", { ...spec, n: 100 }],
    ["not an object", "gemm"],
  ];
  for (const [what, input] of bad) {
    assert.throws(() => decodeGemmSpec(input), (e: unknown) => e instanceof WireError && e.code === "PR003", what);
  }
});
