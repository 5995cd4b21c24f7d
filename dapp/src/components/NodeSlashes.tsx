import type { Address } from "viem";
import { useEnv } from "../context";
import { useChain, useChainQuery, useLatestBlock } from "../hooks/useChain";
import { useTx } from "../hooks/useTx";
import type { SlashRecord } from "../lib/chain";
import { formatDuration, formatTime, formatToken } from "../lib/format";
import { TxStatus } from "./TxStatus";

const STATE_WORDS: Record<SlashRecord["state"], string> = {
  None: "unknown",
  Proposed: "proposed",
  Vetoed: "vetoed by governance",
  Appealed: "appealed",
  AppealUpheld: "appeal upheld",
  AppealRejected: "appeal rejected",
  Executed: "executed",
};

/** Slashes proposed against a node (from Settlement's events), and the appeal of a pending one. */
export function NodeSlashes({ node, account }: { node: Address; account: Address }) {
  const { tokenSymbol, deployment } = useEnv();
  const chain = useChain();
  const { time: now } = useLatestBlock();
  const tx = useTx();
  const slashes = useChainQuery(["slashes", node], () => chain.nodeSlashes(node));
  const bond = useChainQuery(["appealBond"], () => chain.read("Settlement", "appealBond"));
  if (!slashes.data || slashes.data.length === 0) return null;

  const appeal = (s: SlashRecord) => {
    const amount = bond.data ?? 0n;
    void tx.run(`Appealed the slash of epoch ${s.epoch}`, async (steps) => {
      await chain.ensureAllowance(steps, account, deployment.contracts.Settlement.address, amount);
      await chain.send(steps, `Appeal with a bond of ${formatToken(amount)} ${tokenSymbol}`, account, "Settlement", "appeal", [
        s.epoch,
        s.index,
      ]);
    });
  };

  return (
    <div className="slashes" data-testid="slashes">
      <h4>Slashes</h4>
      <ul>
        {slashes.data.map((s) => {
          const open = s.state === "Proposed" && s.reportStatus === "Pending" && now !== undefined && now < s.disputeEndsAt;
          return (
            <li key={`${s.epoch}-${s.index}`} data-testid="slash">
              <div>
                <strong>Epoch {s.epoch.toString()}</strong>: {(s.bps / 100).toLocaleString("en-US")}% for {s.reason},{" "}
                {STATE_WORDS[s.state]}
                {s.amount > 0n && ` (${formatToken(s.amount)} ${tokenSymbol} taken)`}
              </div>
              <div className="muted small">
                evidence{" "}
                <code className="mono" title={s.evidence}>
                  {s.evidence}
                </code>
              </div>
              {open && (
                <div className="actions">
                  <span className="muted small">
                    dispute window ends {formatTime(s.disputeEndsAt)} (in {formatDuration(s.disputeEndsAt - (now ?? 0n))})
                  </span>
                  <button onClick={() => appeal(s)} disabled={tx.busy || bond.data === undefined} data-testid="appeal">
                    Appeal (bond {bond.data !== undefined ? formatToken(bond.data) : "…"} {tokenSymbol})
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
      <TxStatus state={tx.state} testId="slash-tx-status" />
    </div>
  );
}
