import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import {
  ContractFunctionExecutionError,
  createPublicClient,
  http,
  InsufficientFundsError,
  ContractFunctionRevertedError,
  encodeErrorResult,
  HttpRequestError,
  parseAbi,
  RpcRequestError,
  TimeoutError,
  TransactionReceiptNotFoundError,
} from "viem";
import { OracleError } from "./errors";
import { isAlreadyKnown, isInsufficientFunds, isNonceStale, isReceiptNotFound, isRevert, isUnreachable, revertName, unreachableReason } from "./rpc-errors";

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

test("a sender that cannot pay is recognised from viem's class or the node's own words (Hardhat, geth), never from a message alone", () => {
  const hardhat = rpcError(-32000, "Sender doesn't have enough funds to send tx. The max upfront cost is: 420000000000000 and the sender's account only has: 1000");
  const geth = rpcError(-32000, "insufficient funds for gas * price + value: balance 0, tx cost 1000, overshot 1000");
  for (const e of [hardhat, geth, new OracleError("OR005", "RPC failed on eth_sendRawTransaction", { cause: hardhat }), new InsufficientFundsError()]) {
    assert.equal(isInsufficientFunds(e), true, String(e));
  }
  assert.equal(isInsufficientFunds(rpcError(-32000, "nonce too low")), false);
  assert.equal(isInsufficientFunds(unreachable), false);
  assert.equal(isInsufficientFunds(new Error("insufficient funds")), false, "only the node's answer counts");
});

test("an unreachable endpoint is named: refused by a closed port, timeout from one that takes the connection and never answers", async () => {
  // A port nobody listens on: bind one, then close it.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const refused = await createPublicClient({ transport: http(`http://127.0.0.1:${closedPort}`, { retryCount: 0, timeout: 2_000 }) }).getBlockNumber().catch((e) => e);
  assert.equal(unreachableReason(refused), "refused");
  assert.equal(isUnreachable(refused), true);

  const sockets = new Set<Socket>();
  const hung = createServer((s) => {
    sockets.add(s);
    s.resume();
  });
  await new Promise<void>((r) => hung.listen(0, "127.0.0.1", () => r()));
  try {
    const port = (hung.address() as { port: number }).port;
    const t0 = Date.now();
    const timedOut = await createPublicClient({ transport: http(`http://127.0.0.1:${port}`, { retryCount: 0, timeout: 300 }) }).getBlockNumber().catch((e) => e);
    assert.equal(unreachableReason(timedOut), "timeout");
    assert.ok(Date.now() - t0 < 5_000);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => hung.close(() => r()));
  }
  assert.equal(unreachableReason(new HttpRequestError({ url: URL, status: 429, details: "Too Many Requests" })), "http 429");
  assert.equal(unreachableReason(new Error("something else")), "error");
});
