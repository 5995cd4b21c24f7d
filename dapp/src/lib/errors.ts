/**
 * Turns a failed call or transaction into a sentence an operator can act on. The revert data is
 * found in the error's cause chain, decoded with the contracts' ABIs (`decodeErrorResult`), and
 * looked up in `ERROR_MESSAGES`. Pure: no I/O.
 */
import { decodeErrorResult, isHex, type Abi, type Hex } from "viem";
import { formatTime, formatToken } from "./format";

/** How deep the cause chain is searched for revert data. */
export const MAX_CAUSE_DEPTH = 16;

export interface DecodedRevert {
  errorName: string;
  args: readonly unknown[];
}

export interface ErrorContext {
  tokenSymbol: string;
}

type Message = (args: readonly unknown[], ctx: ErrorContext) => string;

const amt = (v: unknown, ctx: ErrorContext) => `${formatToken(BigInt(v as bigint))} ${ctx.tokenSymbol}`;
const when = (v: unknown) => formatTime(BigInt(v as bigint));

/**
 * One sentence per custom error of the PoAI contracts and the OpenZeppelin parts they use.
 * An error missing here still shows in words (see `humanizeErrorName`).
 */
export const ERROR_MESSAGES: Record<string, Message> = {
  // NodeRegistry
  NodeRegistryInsufficientStake: ([have, need], c) =>
    `Stake below the minimum of ${amt(need, c)} for this claim (the node would have ${amt(have, c)}).`,
  NodeRegistryZeroNodeKey: () => "The node key is the zero address: paste the node key the agent printed.",
  NodeRegistryAlreadyRegistered: () => "This node key is already registered.",
  NodeRegistryUnknownNode: () => "This node is not registered.",
  NodeRegistryNotOperator: () => "Only the node's operator can do this: connect the wallet that registered it.",
  NodeRegistryNodeExiting: () => "This node is exiting: it takes no more stake, claim changes or unbond requests.",
  NodeRegistryNodeLeased: ([, until]) =>
    `This node is leased until ${when(until)}: no unbonding, deregistration or claim change before then.`,
  NodeRegistrySignatureExpired: ([deadline]) =>
    `The registration signature expired at ${when(deadline)}: run the agent's register command again.`,
  NodeRegistryInvalidSignature: () =>
    "The registration signature was not made by this node key for your wallet: run the agent's register command again with your wallet address.",
  NodeRegistryInvalidClaim: () => "The hardware claim is not valid: the claimed TFLOPS must be above zero.",
  NodeRegistryZeroAmount: () => "The amount must be more than zero.",
  NodeRegistryUnbondExceedsStake: ([want, have], c) =>
    `You can unbond at most the active stake of ${amt(have, c)} (asked ${amt(want, c)}).`,
  NodeRegistryNothingToWithdraw: () => "Nothing to withdraw: request an unbond first.",
  NodeRegistryUnbondingNotReleased: ([release]) => `The unbonding delay is not over: withdraw after ${when(release)}.`,
  NodeRegistryTransferShortfall: ([expected, received], c) =>
    `The token delivered ${amt(received, c)} instead of ${amt(expected, c)}.`,
  // Governance (the timelock), shown if a parameter change is attempted from this page.
  NodeRegistryGovernanceAlreadyLinked: () => "The registry is already linked to its governance contracts.",
  NodeRegistryGovernanceNotLinked: () => "The registry is not yet linked to its governance contracts: the deployment is incomplete.",
  NodeRegistryUnbondingDelayTooShort: ([delay, floor]) =>
    `An unbonding delay of ${delay} s is too short: it must exceed an epoch plus the dispute window (${floor} s), or a slashed node could leave first.`,
  NodeRegistryUnbondingDelayNotBelowTimelock: ([delay, ceiling]) =>
    `An unbonding delay of ${delay} s must stay below the timelock's delay (${ceiling} s), so operators can exit before a change applies.`,
  // Settlement
  SettlementReportNotPending: () => "That epoch's report is no longer pending: it was vetoed or finalized.",
  SettlementDisputeWindowClosed: ([, end]) => `The dispute window closed at ${when(end)}: this slash can no longer be appealed.`,
  SettlementSlashIndexOutOfBounds: () => "There is no such slash in that epoch's report.",
  SettlementSlashStateInvalid: () => "This slash cannot be appealed any more: it was already appealed, vetoed or executed.",
  SettlementNotNodeOperator: () => "Only the slashed node's operator can appeal.",
  SettlementTransferShortfall: ([expected, received], c) =>
    `The token delivered ${amt(received, c)} instead of ${amt(expected, c)}.`,
  // RewardsDistributor
  RewardsDistributorInvalidProof: () =>
    "The rewards proof does not match the current root: reload the page to fetch a fresh proof.",
  RewardsDistributorNothingToClaim: () => "Nothing to claim: every reward up to the last finalized epoch is already claimed.",
  RewardsDistributorExceedsFinalized: () =>
    "The rewards of finalized reports do not cover this claim yet: try again after the next finalization.",
  RewardsDistributorZeroAccount: () => "The account is the zero address.",
  // OpenZeppelin ERC-20 / permit / ECDSA / Pausable
  ERC20InsufficientBalance: ([, balance, needed], c) =>
    `Your wallet holds ${amt(balance, c)}, less than the ${amt(needed, c)} needed.`,
  ERC20InsufficientAllowance: ([, allowance, needed], c) =>
    `The contract may spend ${amt(allowance, c)} of your tokens, less than ${amt(needed, c)}: approve first or use permit.`,
  ERC2612ExpiredSignature: ([deadline]) => `The permit signature expired at ${when(deadline)}: sign again.`,
  ERC2612InvalidSigner: () => "The permit was not signed by this wallet: sign again.",
  ECDSAInvalidSignature: () => "The signature is malformed: paste the agent's signature again.",
  ECDSAInvalidSignatureLength: () => "The signature has the wrong length: paste the whole 0x… signature.",
  ECDSAInvalidSignatureS: () => "The signature is malformed: paste the agent's signature again.",
  EnforcedPause: () => "Registrations and top-ups are paused by governance; withdrawals and unbonding still work.",
  Error: ([reason]) => `The contract refused: ${String(reason)}.`,
  Panic: ([code]) => `The contract hit an internal error (panic ${String(code)}).`,
};

/** `NodeRegistryZeroAmount` -> "node registry zero amount". */
export function humanizeErrorName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase();
}

/** Every place a wallet, viem or an RPC node puts revert bytes. */
export function findRevertData(error: unknown): Hex | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current && typeof current === "object"; depth++) {
    const e = current as Record<string, unknown>;
    for (const candidate of [
      e.raw,
      e.data,
      (e.data as Record<string, unknown> | undefined)?.data,
      (e.error as Record<string, unknown> | undefined)?.data,
    ]) {
      if (typeof candidate === "string" && isHex(candidate) && candidate.length >= 10) return candidate;
    }
    current = e.cause ?? e.error;
  }
  return undefined;
}

export function decodeRevert(data: Hex, abi: Abi): DecodedRevert | undefined {
  try {
    const decoded = decodeErrorResult({ abi, data });
    return { errorName: decoded.errorName, args: decoded.args ?? [] };
  } catch {
    return undefined;
  }
}

function walkFor(error: unknown, test: (e: Record<string, unknown>) => boolean): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current && typeof current === "object"; depth++) {
    const e = current as Record<string, unknown>;
    if (test(e)) return true;
    current = e.cause ?? e.error;
  }
  return false;
}

export function describeRevert(decoded: DecodedRevert, ctx: ErrorContext): string {
  const message = ERROR_MESSAGES[decoded.errorName];
  if (message) {
    try {
      return message(decoded.args, ctx);
    } catch {
      // fall through to the generic sentence when the arguments have an unexpected shape
    }
  }
  const name = humanizeErrorName(decoded.errorName);
  return `The contract refused: ${name.charAt(0).toUpperCase()}${name.slice(1)}.`;
}

/**
 * The sentence shown for any failure of a transaction or signature request: a decoded contract
 * error, a rejection in the wallet, a wrong network, or a network failure. Never raw hex.
 */
export function explainError(error: unknown, abi: Abi, ctx: ErrorContext): string {
  const data = findRevertData(error);
  if (data) {
    const decoded = decodeRevert(data, abi);
    if (decoded) return describeRevert(decoded, ctx);
    return "The contract refused the transaction with an error this page does not know; check that the page and the contracts are from the same deployment.";
  }
  if (walkFor(error, (e) => e.code === 4001 || e.name === "UserRejectedRequestError")) {
    return "You rejected the request in your wallet.";
  }
  if (walkFor(error, (e) => e.name === "ChainMismatchError" || e.name === "ConnectorChainMismatchError")) {
    return "Your wallet is on another network: switch it to the network of this deployment.";
  }
  if (walkFor(error, (e) => e.name === "HttpRequestError" || e.name === "TimeoutError")) {
    return "The network did not answer: check your connection and try again.";
  }
  const short = (error as { shortMessage?: unknown })?.shortMessage;
  if (typeof short === "string" && !/0x[0-9a-f]{16,}/i.test(short)) return short;
  return "The transaction failed for a reason the wallet did not report.";
}
