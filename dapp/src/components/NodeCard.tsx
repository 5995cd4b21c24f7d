import { useState } from "react";
import type { Address } from "viem";
import { useEnv } from "../context";
import { useChain, useLatestBlock } from "../hooks/useChain";
import { useTx } from "../hooks/useTx";
import type { NodeRecord } from "../lib/chain";
import { bytes8ToRegion, formatDuration, formatTime, formatToken, parseTokenInput } from "../lib/format";
import { gpuModelLabel } from "../lib/gpuModels";
import { gflopsToTflops, mibToGib } from "../../../protocol/units";
import { NodeSlashes } from "./NodeSlashes";
import { NodeStats } from "./NodeStats";
import { TxStatus } from "./TxStatus";

function StatusBadge({ node }: { node: NodeRecord }) {
  if (node.status === "Jailed") {
    return (
      <span className="badge jailed" data-testid="node-status">
        Jailed until {formatTime(node.jailedUntil)}
      </span>
    );
  }
  if (node.status === "Exiting")
    return (
      <span className="badge exiting" data-testid="node-status">
        Exiting
      </span>
    );
  if (node.status === "Active")
    return (
      <span className="badge active" data-testid="node-status">
        Active
      </span>
    );
  return (
    <span className="badge" data-testid="node-status">
      {node.status}
    </span>
  );
}

export function NodeCard({ node }: { node: NodeRecord }) {
  const { tokenSymbol, deployment } = useEnv();
  const chain = useChain();
  const { time: now } = useLatestBlock();
  const tx = useTx();
  const [amount, setAmount] = useState("");
  const [amountError, setAmountError] = useState<string | null>(null);
  const [showStats, setShowStats] = useState(true);
  const account = node.operator as Address;
  const registry = deployment.contracts.NodeRegistry.address;
  const released = node.unbonding > 0n && now !== undefined && now >= node.unbondReleaseTime;

  function readAmount(): bigint | null {
    try {
      const value = parseTokenInput(amount);
      if (value === 0n) throw new Error("The amount must be more than zero.");
      setAmountError(null);
      return value;
    } catch (e) {
      setAmountError((e as Error).message);
      return null;
    }
  }

  const topUp = () => {
    const value = readAmount();
    if (value === null) return;
    void tx
      .run(`Added ${formatToken(value)} ${tokenSymbol} to the stake`, async (steps) => {
        await chain.ensureAllowance(steps, account, registry, value);
        await chain.send(steps, `Top up ${formatToken(value)} ${tokenSymbol}`, account, "NodeRegistry", "topUp", [
          node.node,
          value,
        ]);
      })
      .then((ok) => ok && setAmount(""));
  };
  const unbond = () => {
    const value = readAmount();
    if (value === null) return;
    void tx
      .run(`Requested unbonding of ${formatToken(value)} ${tokenSymbol}`, (steps) =>
        chain
          .send(steps, `Unbond ${formatToken(value)} ${tokenSymbol}`, account, "NodeRegistry", "requestUnbond", [
            node.node,
            value,
          ])
          .then(() => undefined),
      )
      .then((ok) => ok && setAmount(""));
  };
  const exit = () => {
    if (
      !window.confirm(
        `Exit ${node.node}? All ${formatToken(node.stake)} ${tokenSymbol} of active stake moves into unbonding and the node stops earning.`,
      )
    )
      return;
    void tx.run(`Exit requested: ${formatToken(node.stake)} ${tokenSymbol} unbonding`, (steps) =>
      chain.send(steps, "Exit (deregister)", account, "NodeRegistry", "deregister", [node.node]).then(() => undefined),
    );
  };
  const withdraw = () =>
    void tx.run(`Withdrew ${formatToken(node.unbonding)} ${tokenSymbol}`, (steps) =>
      chain.send(steps, "Withdraw unbonded stake", account, "NodeRegistry", "withdraw", [node.node]).then(() => undefined),
    );

  return (
    <article className="node" data-testid="node-card" data-node={node.node}>
      <header className="node-head">
        <div>
          <h3 className="mono" title={node.node}>
            {node.node}
          </h3>
          <p className="muted small">
            {gpuModelLabel(node.claim.gpuModel)} × {node.claim.gpuCount} · {gflopsToTflops(node.claim.gflops).toLocaleString("en-US")} TFLOPS ·{" "}
            {mibToGib(node.claim.vramMiB).toLocaleString("en-US")} GiB · {bytes8ToRegion(node.claim.region) || "no region"}
          </p>
        </div>
        <StatusBadge node={node} />
      </header>

      <dl className="facts">
        <div>
          <dt>Active stake</dt>
          <dd data-testid="node-stake">
            {formatToken(node.stake)} {tokenSymbol}
          </dd>
        </div>
        <div>
          <dt>Unbonding</dt>
          <dd data-testid="node-unbonding">
            {node.unbonding > 0n ? (
              <>
                {formatToken(node.unbonding)} {tokenSymbol}
                <span className="muted small block" data-testid="node-release">
                  {released
                    ? "released: ready to withdraw"
                    : `releases ${formatTime(node.unbondReleaseTime)}${now !== undefined ? ` (in ${formatDuration(node.unbondReleaseTime - now)})` : ""}`}
                </span>
              </>
            ) : (
              "none"
            )}
          </dd>
        </div>
        {node.jailedUntil > 0n && node.status !== "Jailed" && (
          <div>
            <dt>Last jail</dt>
            <dd>ended {formatTime(node.jailedUntil)}</dd>
          </div>
        )}
      </dl>

      <div className="actions">
        <label className="inline">
          <span className="sr-only">Amount in {tokenSymbol}</span>
          <input
            inputMode="decimal"
            placeholder={`Amount (${tokenSymbol})`}
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            data-testid="node-amount"
            aria-invalid={amountError ? true : undefined}
          />
        </label>
        <button onClick={topUp} disabled={tx.busy || node.status === "Exiting"} data-testid="topup">
          Top up
        </button>
        <button onClick={unbond} disabled={tx.busy || node.status === "Exiting" || node.stake === 0n} data-testid="unbond">
          Request unbond
        </button>
        <button className="primary" onClick={withdraw} disabled={tx.busy || !released} data-testid="withdraw">
          Withdraw
        </button>
        <button className="danger" onClick={exit} disabled={tx.busy || node.status === "Exiting"} data-testid="exit">
          Exit
        </button>
      </div>
      {amountError && (
        <p className="field-error" role="alert">
          {amountError}
        </p>
      )}
      <TxStatus state={tx.state} />

      <NodeSlashes node={node.node} account={account} />
      <button className="link" onClick={() => setShowStats((s) => !s)} aria-expanded={showStats}>
        {showStats ? "Hide scores" : "Show scores"}
      </button>
      {showStats && <NodeStats node={node.node} />}
    </article>
  );
}
