import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useEnv } from "../context";
import { useChain, useChainQuery } from "../hooks/useChain";
import { useTx } from "../hooks/useTx";
import { formatToken } from "../lib/format";
import { fetchRewards } from "../lib/oracleApi";
import { TxStatus } from "./TxStatus";

/** Oracle poll period for the rewards proof (ms). */
const REWARDS_REFRESH_MS = 5_000;

/** Claimable rewards (cumulative in the latest finalized root minus already claimed) and the claim. */
export function RewardsPanel({ account }: { account: Address }) {
  const { settings, tokenSymbol } = useEnv();
  const chain = useChain();
  const tx = useTx();
  const claimed = useChainQuery(["claimed", account], () => chain.read("RewardsDistributor", "claimed", [account]));
  const root = useChainQuery(["merkleRoot"], () => chain.read("RewardsDistributor", "merkleRoot"));
  const proof = useQuery({
    queryKey: ["rewards", settings.oracleUrl, account],
    queryFn: () => fetchRewards(settings.oracleUrl!, account),
    enabled: !!settings.oracleUrl,
    refetchInterval: REWARDS_REFRESH_MS,
  });

  const p = proof.data;
  const rootMatches = !!p && !!root.data && p.root.toLowerCase() === root.data.toLowerCase();
  // Never negative: a cumulative amount below what was claimed means nothing is left.
  const claimable = p && claimed.data !== undefined && p.cumulativeAmount > claimed.data ? p.cumulativeAmount - claimed.data : 0n;

  const claim = () => {
    if (!p) return;
    void tx.run(`Claimed ${formatToken(claimable)} ${tokenSymbol}`, (steps) =>
      chain
        .send(steps, `Claim ${formatToken(claimable)} ${tokenSymbol}`, account, "RewardsDistributor", "claim", [
          account,
          p.cumulativeAmount,
          p.proof,
        ])
        .then(() => undefined),
    );
  };

  return (
    <section className="card" aria-labelledby="rewards-title" data-testid="rewards-panel">
      <h2 id="rewards-title">Rewards</h2>
      <dl className="facts">
        <div>
          <dt>Claimable</dt>
          <dd className="big" data-testid="claimable">
            {formatToken(claimable)} {tokenSymbol}
          </dd>
        </div>
        <div>
          <dt>Claimed so far</dt>
          <dd data-testid="claimed">{claimed.data !== undefined ? `${formatToken(claimed.data)} ${tokenSymbol}` : "…"}</dd>
        </div>
        {p && (
          <div>
            <dt>Earned up to epoch</dt>
            <dd>
              {p.epoch} ({formatToken(p.cumulativeAmount)} {tokenSymbol} in total)
            </dd>
          </div>
        )}
      </dl>
      {!settings.oracleUrl && (
        <p className="muted small">
          The claim proof comes from the oracle: open the page with <code>?oracle=URL</code>.
        </p>
      )}
      {proof.error && (
        <p className={`banner small ${proof.data ? "warn" : "error"}`}>
          {proof.data
            ? "The oracle did not answer just now: showing its last proof."
            : `Rewards unavailable: ${(proof.error as Error).message}`}
        </p>
      )}
      {settings.oracleUrl && proof.data === null && <p className="muted small">No rewards finalized for this wallet yet.</p>}
      {p && root.data && !rootMatches && (
        <p className="muted small">
          The oracle's proof is for another root than the chain's current one; it refreshes after the next finalization.
        </p>
      )}
      <button className="primary" onClick={claim} disabled={tx.busy || !rootMatches || claimable === 0n} data-testid="claim">
        Claim
      </button>
      <TxStatus state={tx.state} />
    </section>
  );
}
