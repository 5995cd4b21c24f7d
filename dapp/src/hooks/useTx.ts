/**
 * Runs one operator action (a few signatures and transactions in a row) and tracks what the
 * page shows for it: which step is waiting in the wallet, which transaction is pending, then
 * confirmed or failed with the contract's error in words.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import type { Hash } from "viem";
import { useConfig } from "wagmi";
import { waitForTransactionReceipt } from "wagmi/actions";
import { useEnv } from "../context";
import { explainError } from "../lib/errors";

export type TxPhase = "idle" | "checking" | "wallet" | "pending" | "confirmed" | "failed";

export interface TxState {
  phase: TxPhase;
  /** Number of actions started by this hook, so a watcher can tell one action's outcome from the last. */
  seq: number;
  /** What the page is doing right now, or what was done. */
  label: string;
  hash?: Hash;
  error?: string;
}

export interface TxSteps {
  /** Reading or simulating before the wallet is asked; shows "checking". */
  check(label: string): void;
  /** Ask the wallet for something (signature or transaction); shows "confirm in your wallet". */
  wallet<T>(label: string, request: () => Promise<T>): Promise<T>;
  /** Wait for a sent transaction; throws when it reverted. */
  confirm(label: string, hash: Hash): Promise<void>;
}

export class TxRevertedError extends Error {
  constructor(readonly hash: Hash) {
    super("the transaction reverted");
    this.name = "TxRevertedError";
  }
}

export function useTx() {
  const config = useConfig();
  const queryClient = useQueryClient();
  const { deployment, tokenSymbol } = useEnv();
  const [state, setState] = useState<TxState>({ phase: "idle", seq: 0, label: "" });

  const run = useCallback(
    async (doneLabel: string, action: (steps: TxSteps) => Promise<void>): Promise<boolean> => {
      const steps: TxSteps = {
        check(label) {
          setState((s) => ({ phase: "checking", seq: s.seq, label }));
        },
        async wallet(label, request) {
          setState((s) => ({ phase: "wallet", seq: s.seq, label }));
          return request();
        },
        async confirm(label, hash) {
          setState((s) => ({ phase: "pending", seq: s.seq, label, hash }));
          const receipt = await waitForTransactionReceipt(config, { hash, pollingInterval: 500 });
          if (receipt.status !== "success") throw new TxRevertedError(hash);
        },
      };
      setState((s) => ({ phase: "checking", seq: s.seq + 1, label: "Reading the chain" }));
      try {
        await action(steps);
        setState((s) => ({ phase: "confirmed", seq: s.seq, label: doneLabel, hash: s.hash }));
        return true;
      } catch (e) {
        const error =
          e instanceof TxRevertedError
            ? "The transaction was mined but reverted; reload the page and check the node's state."
            : explainError(e, deployment.errorsAbi, { tokenSymbol });
        setState((s) => ({ phase: "failed", seq: s.seq, label: s.label, hash: s.hash, error }));
        return false;
      } finally {
        await queryClient.invalidateQueries();
      }
    },
    [config, queryClient, deployment, tokenSymbol],
  );

  const reset = useCallback(() => setState((s) => ({ phase: "idle", seq: s.seq, label: "" })), []);
  return { state, run, reset, busy: state.phase === "checking" || state.phase === "wallet" || state.phase === "pending" };
}
