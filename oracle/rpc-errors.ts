/**
 * What the oracle needs to know about an error viem threw, read from viem's error classes along
 * the cause chain (viem's `BaseError.walk`), not from message text:
 *
 * - unreachable: the RPC endpoint did not answer (`HttpRequestError`: connection refused, fetch
 *   failed, a non-2xx status; `TimeoutError`). Worth retrying; in the end OR005.
 * - revert: the node answered that the call reverts. Final: not retried, OR202 for a transaction.
 *   viem decodes a contract call's revert (`ContractFunctionRevertedError`) and a node's code-3
 *   answer (`ExecutionRevertedError`); a raw call that a node answers with revert data (Hardhat
 *   uses code -32603) arrives as an `RpcRequestError` carrying those bytes.
 * - receipt not found: `TransactionReceiptNotFoundError`, the transaction is not mined (yet).
 * - a broadcast the node already has, or one whose nonce is spent or underpriced: nodes answer
 *   both with the generic JSON-RPC code -32000, so the node's own message (the RPC error's
 *   `details`) is the only signal; viem classifies them the same way (`NonceTooLowError.nodeMessage`).
 */
import {
  ContractFunctionRevertedError,
  decodeErrorResult,
  ExecutionRevertedError,
  HttpRequestError,
  RpcRequestError,
  TimeoutError,
  TransactionReceiptNotFoundError,
  type Abi,
  type Hex,
} from "viem";
import { walkCauses } from "../engine/errors";

/** The first error along `e`'s cause chain that `match` accepts, through PoaiErrors and viem's alike. */
const find = (e: unknown, match: (c: unknown) => boolean): unknown => walkCauses(e, match) ?? null;

/**
 * The revert bytes a node attached to an RPC error: `data: "0x..."` (geth and most nodes) or
 * `data: {message, data: "0x..."}` (Hardhat).
 */
function rpcRevertData(c: unknown): Hex | undefined {
  if (!(c instanceof RpcRequestError)) return undefined;
  const data: unknown = typeof c.data === "object" && c.data !== null ? (c.data as { data?: unknown }).data : c.data;
  return typeof data === "string" && data.startsWith("0x") ? (data as Hex) : undefined;
}

export function isUnreachable(e: unknown): boolean {
  return find(e, (c) => c instanceof HttpRequestError || c instanceof TimeoutError) !== null;
}

export function isRevert(e: unknown): boolean {
  if (isUnreachable(e)) return false;
  return find(e, (c) => c instanceof ContractFunctionRevertedError || c instanceof ExecutionRevertedError || rpcRevertData(c) !== undefined) !== null;
}

export function isReceiptNotFound(e: unknown): boolean {
  return find(e, (c) => c instanceof TransactionReceiptNotFoundError) !== null;
}

/**
 * The custom error name of a revert. viem decodes it against the called contract's ABI; a revert
 * raised in another contract (an error the called one does not declare) is decoded against
 * `otherAbis`, the deployment's other contracts.
 */
export function revertName(e: unknown, otherAbis: readonly Abi[] = []): string | undefined {
  const reverted = find(e, (c) => c instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
  if (reverted?.data?.errorName) return reverted.data.errorName;
  const raw = reverted?.raw ?? rpcRevertData(find(e, (c) => rpcRevertData(c) !== undefined));
  if (!raw || raw === "0x") return undefined;
  for (const abi of otherAbis) {
    try {
      return decodeErrorResult({ abi, data: raw }).errorName;
    } catch {
      // Not this contract's error: try the next ABI.
    }
  }
  return undefined;
}

/** The message a node answered a JSON-RPC request with, found along the cause chain. */
function nodeMessage(e: unknown): string {
  return (find(e, (c) => c instanceof RpcRequestError) as RpcRequestError | null)?.details ?? "";
}

/** The node already holds this exact transaction: the broadcast succeeded before. */
export function isAlreadyKnown(e: unknown): boolean {
  return /already known|known transaction|already imported/i.test(nodeMessage(e));
}

/** The nonce is spent (another transaction of it was mined) or a same-nonce one pays more. */
export function isNonceStale(e: unknown): boolean {
  return /nonce too low|nonce.*too low|replacement transaction underpriced/i.test(nodeMessage(e));
}
