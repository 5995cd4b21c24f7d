/**
 * Opening grinding against both draws. Against the draw from the root alone (what the oracle used
 * before its openings came from a secret key) the grinder finds, in about 1 / (1 - f)^k tries, a
 * root whose openings miss every made-up row, and the real verifier passes its answer. Against
 * the keyed draw of protocol/openings.ts the same ground answers are caught as often as answers
 * that were never ground: 1 - (1 - f)^k per challenge.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, keccak256, stringToBytes, type Hex } from "viem";
import { openGemm, runGemm } from "../engine/gemm/kernel";
import { chooseOpenings, gemmSecretSeed, gemmSharedSeed, generateGemmChallenge } from "../engine/gemm/spec";
import { prepareGemmVerifier } from "../engine/gemm/verifier-key";
import { checkGemmOpenings } from "../engine/gemm/verify";
import { merkleRootBytes } from "../engine/merkle";
import { openingDraw } from "../protocol/openings";
import { makeBehaviour } from "./behaviours";
import { forgeGemm } from "./forge";
import { grindGemm } from "./grind";

const epoch = keccak256(stringToBytes("grind test epoch"));
const n = 64;
const shared = gemmSharedSeed(epoch, n);
const key = prepareGemmVerifier(shared, gemmSecretSeed(epoch, n), n);
const cpu = { executionProviders: ["cpu"], intraOpNumThreads: 1 };
const K = 4;
const F = 0.5;
const behaviour = makeBehaviour("grind-forge", F, K);
const forged = (row: number) => behaviour.forges(row);
const OPENING_KEY = keccak256(stringToBytes("a member's opening key, secret to the node")) as Hex;

async function groundRun(tag: string, k = K) {
  const spec = generateGemmChallenge(keccak256(stringToBytes(tag)), { n, batch: 2, precision: "fp32" }, shared);
  const run = await runGemm(spec, cpu);
  return grindGemm(forgeGemm(run, behaviour), forged, k);
}

test("against a draw from the root alone, grinding finds a root that opens no made-up row, and the answer passes", async () => {
  // Eight openings: about 2^8 tries expected, so the search itself is exercised.
  const { run, grind } = await groundRun("grind: root-only draw", 8);
  assert.equal(grind.found, true, `no root found in ${grind.tries} tries`);
  assert.ok(grind.tries > 1, "the first root already missed: the search was not exercised");
  assert.equal(bytesToHex(merkleRootBytes(run.leaves)), run.root, "the ground root is the root of the ground leaves");
  assert.equal(grind.root, run.root);
  const publicDraw = chooseOpenings(run.spec, run.root, 8);
  assert.deepEqual(publicDraw, grind.predicted);
  assert.ok(publicDraw.every((i) => !forged(i)));
  // Half the rows are made up, yet the root-only draw lets the answer through.
  const v = checkGemmOpenings(run.spec, run.root, openGemm(run, publicDraw), key, publicDraw);
  assert.equal(v.ok, true, `${v.reason}: ${v.detail}`);
});

test("against the keyed draw, ground answers are caught at 1 - (1 - f)^k per challenge", async () => {
  const CHALLENGES = 24;
  let caught = 0;
  let verifiedOne = false;
  for (let c = 0; c < CHALLENGES; c++) {
    const { run, grind } = await groundRun(`grind: keyed draw ${c}`);
    assert.equal(grind.found, true);
    const id = keccak256(stringToBytes(`challenge ${c}`)).slice(0, 34);
    const asked = chooseOpenings(run.spec, openingDraw(OPENING_KEY, id, run.root), K);
    const hit = asked.some(forged);
    if (hit) caught++;
    if (hit && !verifiedOne) {
      // The real verifier agrees: an opened made-up row is fraud.
      const v = checkGemmOpenings(run.spec, run.root, openGemm(run, asked), key, asked);
      assert.equal(v.ok, false);
      verifiedOne = true;
    }
  }
  // Expected 24 * (1 - 0.5^4) = 22.5 caught; fewer than 18 has probability below 1e-3 when the
  // draw is independent of the grinding, and grinding against the public draw would give 0.
  assert.ok(caught >= 18, `only ${caught} of ${CHALLENGES} ground answers caught`);
  assert.ok(verifiedOne);
});
