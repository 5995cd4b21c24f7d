/**
 * Sends the oracle's transactions (commitSeed, submitReport, finalize) idempotently, one
 * "purpose" at a time (e.g. `submitReport:12`). Each call of `ensure` is one reconciliation step:
 *
 * 1. Ask the chain whether the purpose is already achieved (`isDone`): if so, nothing is sent,
 *    whoever achieved it. This is what makes a report never go twice and never be skipped.
 * 2. Otherwise look at this purpose's transactions in the database: a receipt settles them
 *    (confirmed after `confirmations` blocks, or reverted); a transaction signed but maybe never
 *    broadcast (crash between the two) is broadcast again byte for byte; one pending longer than
 *    `txStuckMs` since its first broadcast (re-broadcasts do not restart the clock) is replaced
 *    at the same nonce with fees raised by `gasBumpPercent`; the replacement's clock starts at
 *    its own first broadcast.
 * 3. With nothing in flight: estimate the call on the pending block (a revert is reported by its error name and
 *    nothing is sent), sign locally, store the raw transaction and its hash, then broadcast.
 *
 * Because the raw transaction is stored before it is broadcast, a crash at any point leaves
 * either nothing sent or a known transaction to follow up.
 */
import {
  createWalletClient,
  decodeFunctionData,
  encodeFunctionData,
  http,
  keccak256,
  parseTransaction,
  type Address,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { insufficientFunds, type Chain, type ContractName } from "./chain";
import type { DB } from "./store/schema";
import { LIVE_TX_STATUSES, TX_STATUS, type TxStatus } from "./store/status";
import { hasLiveTransaction, insertSignedTransaction, liveTransactions, oldestLiveTransactionAt, setTransactionStatus, transactionCountsByStatus, transactionsOf, type TxRow } from "./store/transactions";
import { OracleError } from "./errors";
import { isAlreadyKnown, isInsufficientFunds, isNonceStale, isReceiptNotFound, isUnreachable, revertName } from "./rpc-errors";
import type { Logger } from "./logger";
import type { Metrics } from "./metrics";

/** Reverted attempts of one purpose before the relay stops trying it (until restart). */
export const MAX_REVERTS_PER_PURPOSE = 3;
/** Transactions in flight whose receipts `settle` looks up in one pass. */
export const MAX_SETTLE_PER_PASS = 64;
/** Replacement transactions of one nonce. */
export const MAX_BUMPS = 10;

export interface RelayOptions {
  confirmations: number;
  txStuckMs: number;
  gasBumpPercent: number;
}

export interface Call {
  contract: ContractName;
  functionName: string;
  args: readonly unknown[];
}

/**
 * Predicted reverts that only say "not yet": the contract refuses the call until chain time
 * reaches a point that comes by itself (the epoch's end, the dispute window's close) or until an
 * earlier report is finalized. The pending block a devnet estimates on can lag the oracle's
 * clock by a block time, so these show up at every epoch boundary of a healthy oracle. They are
 * OR215 (waiting, not a fault) rather than OR202.
 */
export const WAITING_REVERTS: ReadonlySet<string> = new Set([
  "SettlementEpochNotOver",
  "SettlementDisputeWindowOpen",
  "SettlementParentNotFinalized",
]);

/** What one `ensure` step leaves: the purpose achieved, still in flight, or given up on. */
export const RELAY_STATE = { Done: "done", Pending: "pending", Failed: "failed" } as const;
export type RelayState = (typeof RELAY_STATE)[keyof typeof RELAY_STATE];

const isLive = (r: TxRow) => LIVE_TX_STATUSES.includes(r.status);

export class Relay {
  constructor(
    private readonly chain: Chain,
    private readonly account: PrivateKeyAccount,
    private readonly db: DB,
    private readonly opts: RelayOptions,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Called once a transaction of ours is confirmed, with the function and arguments it called,
   * decoded from its stored bytes (index.ts logs the slashes a report carried).
   */
  onConfirmed?: (purpose: string, call: { functionName: string; args: readonly unknown[] }) => void;

  private confirmed(r: TxRow, purpose: string, block: number): void {
    this.setStatus(r.id, TX_STATUS.Confirmed, { block });
    this.log.info("tx.confirmed", { purpose, hash: r.hash, block });
    if (!this.onConfirmed) return;
    const contract = purpose.startsWith("commitSeed:") ? "EpochManager" : "Settlement";
    try {
      const { functionName, args } = decodeFunctionData({ abi: this.chain.deployment.abis[contract], data: parseTransaction(r.raw).data! });
      this.onConfirmed(purpose, { functionName, args: args ?? [] });
    } catch (e) {
      this.log.warn("tx.undecodable", { purpose, hash: r.hash, err: e });
    }
  }

  /**
   * Settles transactions still in flight whose purpose the loop no longer follows (the chain
   * showed it achieved, so `ensure` is not called for it again): a receipt marks them confirmed
   * or reverted, a nonce used by another transaction marks them dropped. Sends nothing. Without
   * it they would stay `sent` for ever, and the relay's counts and its oldest pending age would
   * describe transactions long mined.
   */
  async settle(): Promise<void> {
    const live = liveTransactions(this.db, MAX_SETTLE_PER_PASS);
    if (live.length === 0) return;
    const head = await this.blockNumber();
    let chainNonce: number | undefined;
    for (const r of live) {
      const receipt = await this.chain.withRetry("eth_getTransactionReceipt", () =>
        this.chain.client.getTransactionReceipt({ hash: r.hash }).catch((e) => {
          if (isReceiptNotFound(e)) return undefined;
          throw e;
        }),
      );
      if (!receipt) {
        chainNonce ??= await this.chain.withRetry("eth_getTransactionCount", () =>
          this.chain.client.getTransactionCount({ address: this.account.address, blockTag: "latest" }),
        );
        // A live row of a nonce already used, without a receipt of its own: another transaction took it.
        if (chainNonce > r.nonce && (r.sent_at !== null || r.status !== TX_STATUS.Signed)) {
          const mined = this.rows(r.purpose).some((o) => o.nonce === r.nonce && o.id !== r.id && (o.status === TX_STATUS.Confirmed || o.status === TX_STATUS.Mined));
          this.setStatus(r.id, mined ? TX_STATUS.Replaced : TX_STATUS.Dropped, mined ? {} : { error: "nonce used by another transaction" });
        }
        continue;
      }
      const block = Number(receipt.blockNumber);
      for (const other of this.rows(r.purpose)) if (other.id !== r.id && isLive(other) && other.nonce === r.nonce) this.setStatus(other.id, TX_STATUS.Replaced);
      if (receipt.status === "reverted") {
        this.setStatus(r.id, TX_STATUS.Reverted, { block });
        this.log.error("tx.reverted", { code: "OR202", purpose: r.purpose, hash: r.hash });
      } else if (head - block + 1 >= this.opts.confirmations) {
        this.confirmed(r, r.purpose, block);
      } else {
        this.setStatus(r.id, TX_STATUS.Mined, { block });
      }
    }
  }

  private rows(purpose: string): TxRow[] {
    return transactionsOf(this.db, purpose);
  }
  private setStatus(id: number, status: TxStatus, extra: { block?: number; error?: string; sent_at?: number } = {}) {
    setTransactionStatus(this.db, id, status, extra);
  }

  /** Whether a transaction of `purpose` is in flight (signed, sent or mined, not settled). */
  inFlight(purpose: string): boolean {
    return hasLiveTransaction(this.db, purpose);
  }

  /**
   * How long the oldest transaction in flight has waited since its first broadcast (or since it
   * was signed, if never broadcast), ms (0: none); with `broadcastOnly`, only transactions the
   * node accepted and has not mined yet (what waits for a block).
   */
  oldestPendingAgeMs(broadcastOnly = false): number {
    const t = oldestLiveTransactionAt(this.db, broadcastOnly);
    return t === null ? 0 : Math.max(0, this.now() - t);
  }

  /** Sets `poai_relay_transactions{status}` from the transactions table. */
  recordTransactionCounts(): void {
    for (const [status, n] of Object.entries(transactionCountsByStatus(this.db))) this.metrics.relayTransactions.set(n, { status });
  }

  /** One step towards `purpose`; returns "done" once `isDone` holds on chain (after confirmations). */
  async ensure(purpose: string, isDone: () => Promise<boolean>, call: Call): Promise<RelayState> {
    const rows = this.rows(purpose);
    const live = rows.filter(isLive);

    // A live transaction: follow it up first (its receipt decides, whatever the chain state).
    if (live.length > 0) {
      const head = await this.blockNumber();
      for (const r of live) {
        const receipt = await this.chain.withRetry("eth_getTransactionReceipt", () =>
          this.chain.client.getTransactionReceipt({ hash: r.hash }).catch((e) => {
            if (isReceiptNotFound(e)) return undefined;
            throw e;
          }),
        );
        if (!receipt) continue;
        for (const other of live) if (other.id !== r.id) this.setStatus(other.id, TX_STATUS.Replaced);
        if (receipt.status === "reverted") {
          this.setStatus(r.id, TX_STATUS.Reverted, { block: Number(receipt.blockNumber) });
          this.log.error("tx.reverted", { code: "OR202", purpose, hash: r.hash });
          break;
        }
        const confs = head - Number(receipt.blockNumber) + 1;
        if (confs >= this.opts.confirmations) {
          this.confirmed(r, purpose, Number(receipt.blockNumber));
          return (await isDone()) ? RELAY_STATE.Done : RELAY_STATE.Failed;
        }
        this.setStatus(r.id, TX_STATUS.Mined, { block: Number(receipt.blockNumber) });
        return RELAY_STATE.Pending;
      }
      const stillLive = this.rows(purpose).filter(isLive);
      if (stillLive.length > 0) {
        if (await isDone()) {
          // Achieved by someone else's transaction (another committee member): ours will fail or drop.
          return RELAY_STATE.Done;
        }
        return this.followUp(purpose, stillLive, call);
      }
    }

    if (await isDone()) return RELAY_STATE.Done;
    const reverts = this.rows(purpose).filter((r) => r.status === TX_STATUS.Reverted).length;
    if (reverts >= MAX_REVERTS_PER_PURPOSE) return RELAY_STATE.Failed;
    await this.sendNew(purpose, call);
    return RELAY_STATE.Pending;
  }

  private async blockNumber(): Promise<number> {
    return Number(await this.chain.withRetry("eth_blockNumber", () => this.chain.client.getBlockNumber({ cacheTime: 0 })));
  }

  /** Live transactions without a receipt: re-broadcast the newest, or replace it when stuck. */
  private async followUp(purpose: string, live: TxRow[], call: Call): Promise<RelayState> {
    const newest = live[live.length - 1];
    const chainNonce = await this.chain.withRetry("eth_getTransactionCount", () =>
      this.chain.client.getTransactionCount({ address: this.account.address, blockTag: "latest" }),
    );
    if (chainNonce > newest.nonce) {
      // The nonce was used by a transaction we have no receipt for: dropped or replaced elsewhere.
      for (const r of live) this.setStatus(r.id, TX_STATUS.Dropped, { error: "nonce used by another transaction" });
      this.log.warn("tx.dropped", { purpose, nonce: newest.nonce });
      return RELAY_STATE.Pending;
    }
    if (newest.status === TX_STATUS.Signed || newest.sent_at === null) {
      await this.broadcast(newest, purpose);
      return RELAY_STATE.Pending;
    }
    // Stuck counts from the first broadcast: re-broadcasts at every pass must not restart it.
    if (this.now() - (newest.first_sent_at ?? newest.sent_at) >= this.opts.txStuckMs) {
      if (live.length > MAX_BUMPS) return RELAY_STATE.Pending;
      const pct = BigInt(100 + this.opts.gasBumpPercent);
      // Rounds up: a replacement must pay at least the bump.
      const maxFee = (BigInt(newest.max_fee) * pct + 99n) / 100n;
      const prio = (BigInt(newest.priority_fee) * pct + 99n) / 100n;
      this.log.warn("tx.stuck", { code: "OR203", purpose, hash: newest.hash, nonce: newest.nonce, maxFee, priorityFee: prio });
      this.metrics.txRetries.inc({ purpose: purpose.split(":")[0] });
      // Same gas limit as the original: estimating again on a pending block that already holds
      // the original would see the call as done and revert.
      const gas = parseTransaction(newest.raw).gas;
      await this.signAndSend(purpose, call, newest.nonce, maxFee, prio, gas === undefined ? undefined : (gas * 10n) / 12n);
      return RELAY_STATE.Pending;
    }
    // Re-broadcast: harmless if the node has it, a rescue if it lost it.
    await this.broadcast(newest, purpose, true);
    return RELAY_STATE.Pending;
  }

  private async sendNew(purpose: string, call: Call): Promise<void> {
    const address = this.chain.address(call.contract);
    const abi = this.chain.deployment.abis[call.contract];
    // Estimated on the pending block (the time the transaction will be mined at), with the
    // contract's errors decoded: a revert is reported by name and nothing is sent.
    let gasEstimate: bigint;
    try {
      gasEstimate = await this.chain.client.estimateContractGas({ address, abi, functionName: call.functionName, args: call.args, account: this.account } as never);
    } catch (e) {
      if (isUnreachable(e)) {
        throw new OracleError("OR005", `RPC unreachable while preparing ${purpose}`, { cause: e });
      }
      if (isInsufficientFunds(e)) throw insufficientFunds(purpose, e);
      const others = Object.entries(this.chain.deployment.abis).filter(([n]) => n !== call.contract).map(([, a]) => a);
      const name = revertName(e, others);
      if (name !== undefined && WAITING_REVERTS.has(name)) {
        throw new OracleError("OR215", `${purpose} waits: the chain answers ${name}`, { cause: e, details: { errorName: name, purpose } });
      }
      throw new OracleError("OR202", `${purpose} would revert${name ? ` with ${name}` : ""}`, { cause: e, details: { errorName: name } });
    }
    const pending = await this.chain.withRetry("eth_getTransactionCount", () =>
      this.chain.client.getTransactionCount({ address: this.account.address, blockTag: "pending" }),
    );
    // The node's pending count (mempool included): a locally remembered nonce whose transaction the
    // node dropped would leave a gap that blocks every later transaction.
    const nonce = pending;
    const fees = await this.chain.withRetry("eth_feeHistory", () => this.chain.client.estimateFeesPerGas());
    await this.signAndSend(purpose, call, nonce, fees.maxFeePerGas ?? 0n, fees.maxPriorityFeePerGas ?? 0n, gasEstimate);
  }

  private async signAndSend(purpose: string, call: Call, nonce: number, maxFeePerGas: bigint, maxPriorityFeePerGas: bigint, knownEstimate?: bigint): Promise<void> {
    const to = this.chain.address(call.contract) as Address;
    const data = encodeFunctionData({ abi: this.chain.deployment.abis[call.contract], functionName: call.functionName, args: call.args } as never);
    const gasEstimate =
      knownEstimate ??
      (await this.chain.withRetry("eth_estimateGas", () => this.chain.client.estimateGas({ account: this.account.address, to, data })));
    // Rounds up: 20% headroom over the estimate.
    const gas = (gasEstimate * 12n + 9n) / 10n;
    const raw = await this.account.signTransaction({
      chainId: this.chain.chainId,
      type: "eip1559",
      to,
      data,
      nonce,
      gas,
      maxFeePerGas,
      maxPriorityFeePerGas: maxPriorityFeePerGas > maxFeePerGas ? maxFeePerGas : maxPriorityFeePerGas,
    });
    const hash = keccak256(raw);
    const id = insertSignedTransaction(
      this.db,
      { purpose, sender: this.account.address, nonce, hash, raw, maxFee: maxFeePerGas, priorityFee: maxPriorityFeePerGas },
      this.now(),
    );
    this.log.info("tx.signed", { purpose, hash, nonce });
    await this.broadcast({ id, hash, raw, nonce } as TxRow, purpose);
  }

  private async broadcast(r: Pick<TxRow, "id" | "hash" | "raw" | "nonce">, purpose: string, quiet = false): Promise<void> {
    try {
      await this.chain.withRetry("eth_sendRawTransaction", () => this.chain.client.sendRawTransaction({ serializedTransaction: r.raw }));
    } catch (e) {
      if (isAlreadyKnown(e)) {
        // The node has it: fine.
      } else if (isNonceStale(e)) {
        this.log.warn("tx.rejected", { purpose, hash: r.hash, nonce: r.nonce, reason: String((e as Error)?.message).slice(0, 200) });
        return;
      } else {
        throw e;
      }
    }
    this.setStatus(r.id, TX_STATUS.Sent, { sent_at: this.now() });
    if (!quiet) this.log.info("tx.sent", { purpose, hash: r.hash, nonce: r.nonce });
  }
}

/** Wallet client for callers that need one (tests, tools); the relay signs locally instead. */
export function walletFor(rpcUrl: string, account: PrivateKeyAccount) {
  return createWalletClient({ account, transport: http(rpcUrl) });
}
