/** The chain's integers as people read them, and token amounts as people type them. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { duration, gib, parseTokens, percent, tflops, tokens, when } from "./units";
import { AgentError } from "./errors";

test("wei print as exact token amounts, and typed tokens parse to wei exactly", () => {
  assert.equal(tokens(100_160_000_000_000_000_000n), "100.16 tokens");
  assert.equal(tokens(1n), "0.000000000000000001 tokens");
  assert.equal(parseTokens("100.16", "--stake"), 100_160_000_000_000_000_000n);
  assert.equal(parseTokens("1", "--stake"), 10n ** 18n);
});

test("a stake that is not a token amount is refused with the unit named", () => {
  for (const bad of [undefined, "", "1e18", "-1", "1.0000000000000000001", "0x10"]) {
    assert.throws(() => parseTokens(bad, "--stake"), (e: unknown) => e instanceof AgentError && e.reason === "BadArgument" && /in tokens, not wei/.test(e.message), String(bad));
  }
});

test("GFLOP/s print as TFLOPS, MiB as GiB", () => {
  assert.equal(tflops(1_234), "1.234 TFLOPS");
  assert.equal(tflops(989_000), "989.000 TFLOPS");
  assert.equal(gib(81_559), "79.6 GiB");
  assert.equal(gib(1024), "1.0 GiB");
});

test("durations and times read as people say them", () => {
  assert.equal(duration(42), "42 s");
  assert.equal(duration(245), "4 min 5 s");
  assert.equal(duration(3 * 3600 + 12 * 60 + 7), "3 h 12 min");
  assert.equal(duration(2 * 86_400), "2 d");
  assert.equal(when(1_795_000_000, 1_795_000_000 - 7_200), "2026-11-18 11:06 UTC (in 2 h)");
  assert.equal(when(1_795_000_000, 1_795_000_000 + 90), "2026-11-18 11:06 UTC (1 min 30 s ago)");
});

test("a share of the claim is rounded down, never flattering", () => {
  assert.equal(percent(399, 1000), 39);
  assert.equal(percent(1, 0), 0);
});
