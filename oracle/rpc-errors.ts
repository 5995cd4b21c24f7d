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
 * - insufficient funds: the sender cannot pay gas times fee plus value. viem's
 *   `InsufficientFundsError` where it classified the node's answer; Hardhat words it "Sender
 *   doesn't have enough funds", which viem does not recognize, so the node's message is read too.
 *   Final: retrying cannot help, the wallet must be funded (OR216).
 * - refused or timed out: an unreachable endpoint that refused the connection, or one that
 *   accepted it and did not answer in time (a hung node); `unreachableReason` names which.
 * - a broadcast the node already has, or one whose nonce is spent or underpriced: nodes answer
 *   both with the generic JSON-RPC code -32000, so the node's own message (the RPC error's
 *   `details`) is the only signal; viem classifies them the same way (`NonceTooLowError.nodeMessage`).
 */
import {
  ContractFunctionRevertedError,
  decodeErrorResult,
  ExecutionRevertedError,
  HttpRequestError,
  InsufficientFundsError,
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

/** Node wordings of a sender that cannot pay for the transaction (geth, Hardhat, Erigon, Nethermind). */
const INSUFFICIENT_FUNDS_RE = /insufficient funds|doesn't have enough funds|exceeds transaction sender account balance|insufficient balance/i;

/** The sender's balance cannot pay for the transaction's gas (and value). */
export function isInsufficientFunds(e: unknown): boolean {
  if (find(e, (c) => c instanceof InsufficientFundsError) !== null) return true;
  return INSUFFICIENT_FUNDS_RE.test(nodeMessage(e));
}

/** Why an endpoint did not answer, for the operator: refused, timeout, http <status>, or error. */
export type UnreachableReason = "refused" | "timeout" | `http ${number}` | "error";

export function unreachableReason(e: unknown): UnreachableReason {
  if (find(e, (c) => c instanceof TimeoutError) !== null) return "timeout";
  const h = find(e, (c) => c instanceof HttpRequestError) as HttpRequestError | null;
  if (h?.status !== undefined) return `http ${h.status}`;
  const sys = find(e, (c) => typeof (c as { code?: unknown })?.code === "string" && /^E[A-Z]+$/.test((c as { code: string }).code)) as { code: string } | null;
  if (sys && /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN/.test(sys.code)) return "refused";
  if (h) return "refused";
  return "error";
}
