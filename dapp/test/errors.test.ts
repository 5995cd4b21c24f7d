/**
 * Contract errors shown in words: decoded with the real ABIs from the Hardhat artifacts, looked
 * up in the page's message table, never shown as hex.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { encodeErrorResult, type Abi } from "viem";
import { collectErrors, CONTRACT_NAMES } from "../src/lib/deployment";
import { ERROR_MESSAGES, explainError, findRevertData, humanizeErrorName } from "../src/lib/errors";

const ARTIFACTS = path.join(__dirname, "..", "..", "artifacts", "contracts");
const abis: Abi[] = CONTRACT_NAMES.map(
  (n) => JSON.parse(readFileSync(path.join(ARTIFACTS, `${n}.sol`, `${n}.json`), "utf8")).abi,
);
const errorsAbi = collectErrors(abis);
type AbiError = Extract<Abi[number], { type: "error" }>;
const ctx = { tokenSymbol: "POAI" };
const E18 = 10n ** 18n;

/** What viem and wallets hand the page: revert data a few causes deep. */
const wrapped = (data: `0x${string}`) => ({
  name: "ContractFunctionExecutionError",
  cause: { name: "CallExecutionError", cause: { code: 3, data } },
});

describe("contract errors in words", () => {
  it("says a stake below the minimum with both amounts", () => {
    const data = encodeErrorResult({
      abi: errorsAbi,
      errorName: "NodeRegistryInsufficientStake",
      args: [1_000n * E18, 1_250n * E18],
    });
    assert.equal(
      explainError(wrapped(data), errorsAbi, ctx),
      "Stake below the minimum of 1,250 POAI for this claim (the node would have 1,000 POAI).",
    );
  });

  it("finds revert data nested as {data: {data}} (Hardhat's JSON-RPC error shape)", () => {
    const data = encodeErrorResult({ abi: errorsAbi, errorName: "NodeRegistryZeroAmount" });
    assert.equal(findRevertData({ cause: { error: { data: { message: "reverted", data } } } }), data);
    assert.equal(explainError({ cause: { data: { data } } }, errorsAbi, ctx), "The amount must be more than zero.");
  });

  it("gives every error of every contract a sentence without hex", () => {
    for (const item of errorsAbi as AbiError[]) {
      const args = item.inputs.map((i) =>
        i.type === "address"
          ? "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
          : i.type.startsWith("bytes")
            ? `0x${"ab".repeat(32)}`
            : i.type === "bool"
              ? true
              : 1n,
      );
      const data = encodeErrorResult({ abi: [item], errorName: item.name, args });
      const text = explainError(wrapped(data), errorsAbi, ctx);
      assert.doesNotMatch(text, /0x[0-9a-f]{6,}/i, `${item.name}: ${text}`);
      assert.ok(text.length > 10 && /[.:]$|\)\.$/.test(text), `${item.name}: ${text}`);
    }
  });

  it("has no message for an error the contracts do not have (catches renamed errors)", () => {
    const names = new Set((errorsAbi as AbiError[]).map((e) => e.name));
    const stale = Object.keys(ERROR_MESSAGES).filter(
      (n) => !names.has(n) && n !== "Error" && n !== "Panic" && !/^(ERC20|ERC2612|ECDSA)/.test(n),
    );
    assert.deepEqual(stale, []);
  });

  it("covers every error an operator action can hit with a specific sentence", () => {
    const operatorFacing = (errorsAbi as AbiError[])
      .map((e) => e.name)
      .filter((n) =>
        /^NodeRegistry(?!.*(OutOfBounds|ZeroAddress))|^RewardsDistributor(InvalidProof|NothingToClaim|ExceedsFinalized)|^Settlement(DisputeWindowClosed|SlashStateInvalid|NotNodeOperator|ReportNotPending|SlashIndexOutOfBounds)$/.test(
          n,
        ),
      );
    const missing = operatorFacing.filter((n) => !ERROR_MESSAGES[n]);
    assert.deepEqual(missing, []);
    assert.ok(operatorFacing.length >= 15, `expected the operator-facing errors, found ${operatorFacing.join(", ")}`);
  });

  it("turns a wallet rejection and unknown revert data into words", () => {
    assert.equal(
      explainError({ cause: { code: 4001, message: "User rejected" } }, errorsAbi, ctx),
      "You rejected the request in your wallet.",
    );
    assert.match(explainError(wrapped("0xdeadbeef00"), errorsAbi, ctx), /error this page does not know/);
    assert.equal(humanizeErrorName("NodeRegistryZeroAmount"), "node registry zero amount");
  });
});
