import type { TxState } from "../hooks/useTx";
import { shortAddress } from "../lib/format";

const TITLES = {
  checking: "Checking",
  wallet: "Confirm in your wallet",
  pending: "Pending",
  confirmed: "Confirmed",
  failed: "Failed",
} as const;

/** The status line under an action: pending, confirmed or failed with the reason in words. */
export function TxStatus({ state, testId = "tx-status" }: { state: TxState; testId?: string }) {
  if (state.phase === "idle") return null;
  return (
    <div
      className={`tx tx-${state.phase}`}
      role={state.phase === "failed" ? "alert" : "status"}
      data-testid={testId}
      data-phase={state.phase}
      data-seq={state.seq}
    >
      <strong>{TITLES[state.phase]}</strong>
      <span className="tx-label">{state.label}</span>
      {state.hash && (
        <code className="tx-hash" title={state.hash}>
          {shortAddress(state.hash)}
        </code>
      )}
      {state.error && (
        <p className="tx-error" data-testid="tx-error">
          {state.error}
        </p>
      )}
    </div>
  );
}
