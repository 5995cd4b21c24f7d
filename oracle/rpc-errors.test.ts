import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ContractFunctionExecutionError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  HttpRequestError,
  parseAbi,
  RpcRequestError,
  TimeoutError,
  TransactionReceiptNotFoundError,
} from "viem";
import { OracleError } from "./errors";
import { isAlreadyKnown, isNonceStale, isReceiptNotFound, isRevert, isUnreachable, revertName } from "./rpc-errors";

const URL = "http://127.0.0.1:1";
const called = parseAbi(["function commitSeed(uint64 epoch)", "error SeedAlreadyCommitted(uint64 epoch)"]);
const other = parseAbi(["error TokenInsufficientBalance(uint256 have)"]);
const ownData = encodeErrorResult({ abi: called, errorName: "SeedAlreadyCommitted", args: [5n] });
const otherData = encodeErrorResult({ abi: other, errorName: "TokenInsufficientBalance", args: [1n] });

const rpcError = (code: number, message: string, data?: string) => new RpcRequestError({ body: {}, url: URL, error: { code, message, data } });
const contractRevert = (data: `0x${string}`) =>
  new ContractFunctionExecutionError(new ContractFunctionRevertedError({ abi: called, data, functionName: "commitSeed", cause: rpcError(-32603, "reverted", data) }), {
    abi: called,
    args: [5n],
    functionName: "commitSeed",
  });
const unreachable = new HttpRequestError({ url: URL, details: "fetch failed", cause: new TypeError("fetch failed") });

test("an RPC that does not answer is unreachable, never a revert, also wrapped in an oracle error", () => {
  const wrapped = new ContractFunctionExecutionError(unreachable, { abi: called, args: [5n], functionName: "commitSeed" });
  for (const e of [unreachable, new TimeoutError({ body: {}, url: URL }), wrapped, new OracleError("OR005", "RPC failed", { cause: wrapped })]) {
    assert.equal(isUnreachable(e), true);
    assert.equal(isRevert(e), false);
  }
  assert.equal(isUnreachable(contractRevert(ownData)), false);
  assert.equal(isUnreachable(new Error("fetch failed")), false, "a message alone is not the signal");
});

test("a revert is a decoded contract revert or an RPC error carrying revert data", () => {
  assert.equal(isRevert(contractRevert(ownData)), true);
  assert.equal(isRevert(rpcError(-32603, "VM Exception while processing transaction: reverted", otherData)), true);
  const hardhat = new RpcRequestError({ body: {}, url: URL, error: { code: -32603, message: "reverted", data: { message: "reverted", data: otherData } } });
  assert.equal(isRevert(hardhat), true);
  assert.equal(revertName(hardhat, [other]), "TokenInsufficientBalance");
  assert.equal(isRevert(rpcError(-32000, "Nonce too low")), false);
  assert.equal(isRevert(new Error("reverted")), false);
});

test("a revert is named by the called contract's ABI, or else by the deployment's other ABIs", () => {
  assert.equal(revertName(contractRevert(ownData)), "SeedAlreadyCommitted");
  assert.equal(revertName(contractRevert(otherData)), undefined);
  assert.equal(revertName(contractRevert(otherData), [other]), "TokenInsufficientBalance");
  assert.equal(revertName(rpcError(-32603, "reverted", otherData), [called, other]), "TokenInsufficientBalance");
  assert.equal(revertName(contractRevert("0x")), undefined);
  assert.equal(revertName(unreachable, [other]), undefined);
});

test("a missing receipt and the node's broadcast answers are recognised through wrappers", () => {
  const hash = `0x${"11".repeat(32)}` as const;
  assert.equal(isReceiptNotFound(new TransactionReceiptNotFoundError({ hash })), true);
  assert.equal(isReceiptNotFound(unreachable), false);
  const known = new OracleError("OR005", "RPC failed on eth_sendRawTransaction", { cause: rpcError(-32000, "already known") });
  assert.equal(isAlreadyKnown(known), true);
  assert.equal(isNonceStale(known), false);
  const low = rpcError(-32000, "Nonce too low. Expected nonce to be 8 but got 0.");
  assert.equal(isNonceStale(low), true);
  assert.equal(isAlreadyKnown(low), false);
  assert.equal(isNonceStale(rpcError(-32000, "replacement transaction underpriced")), true);
  assert.equal(isNonceStale(new Error("nonce too low")), false, "only the node's answer counts");
});
