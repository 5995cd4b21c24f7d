/** What the operator is told about each verdict and a jail: the severity and the advice. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { jailedText, verdictAdvice } from "./advice";
import { SlashReason } from "../engine/slash-reason";

test("a fraud verdict is an error that names the cost, what to check and `agent ack`", () => {
  const a = verdictAdvice({ verdict: "fraud", reason: "row 3 does not match" });
  assert.equal(a.level, "error");
  assert.match(a.advice!, /costs half the stake/);
  assert.match(a.advice!, /GPU and its driver/);
  assert.match(a.advice!, /npm run agent -- ack/);
  assert.match(a.advice!, /stops answering until you do/);
});

test("a late answer is a warning that says how much of the claim this machine delivers", () => {
  const a = verdictAdvice({ verdict: "late", deliveredGflops: 400, claimGflops: 1000 });
  assert.equal(a.level, "warn");
  assert.match(a.advice!, /this machine delivers 40 % of its claim \(0\.400 TFLOPS of 1\.000 TFLOPS\): lower the claim .* or stop other load/);
  // Unknown delivery: still the advice, without a made-up number.
  assert.doesNotMatch(verdictAdvice({ verdict: "late" }).advice!, /%/);
});

test("severities: pass and void are info, missed a warning, fail an error", () => {
  assert.deepEqual(verdictAdvice({ verdict: "pass" }), { level: "info", advice: undefined });
  assert.equal(verdictAdvice({ verdict: "void" }).level, "info");
  assert.equal(verdictAdvice({ verdict: "missed" }).level, "warn");
  assert.equal(verdictAdvice({ verdict: "fail" }).level, "error");
});

test("the jailed message gives the reason, the share slashed, the time left and the appeal path", () => {
  const t = jailedText({ node: "0xabc", jailedUntil: 1_795_000_000, nowSec: 1_795_000_000 - 3_600, slash: { epoch: 7, bps: 5000, reason: SlashReason.Fraud, amountWei: 50n * 10n ** 18n }, appealBondWei: 10n ** 19n });
  assert.match(t, /jailed until 2026-11-18 11:06 UTC \(in 1 h\) for fraud in epoch 7 \(slashed 50 % of the stake, 50 tokens\)/);
  assert.match(t, /appeal it in the dApp while the report's dispute window is open \(bond 10 tokens\)/);
});
