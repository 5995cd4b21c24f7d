import { useQueries, useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import type { Address } from "viem";
import { useEnv } from "../context";
import { useChain, useChainQuery } from "../hooks/useChain";
import { useTx } from "../hooks/useTx";
import { claimableOf, earningsByEpoch, pendingOf } from "../lib/earnings";
import { formatToken } from "../lib/format";
import { NO_ORACLE, oracleReason, rpcReason } from "../lib/known";
import { fetchNodeStats, fetchRewards, type RewardsProof } from "../lib/oracleApi";
import { EarningsChart } from "./EarningsChart";
import { STATS_REFRESH_MS } from "./NodeStats";
import { TxStatus } from "./TxStatus";
import { Unknown } from "./Unknown";

/** Oracle poll period for the rewards proof (ms). */
const REWARDS_REFRESH_MS = 5_000;
/** Rows of the per-epoch earnings table. */
const EARNING_ROWS = 8;

/** Not known yet because a read is still on its way: shown as an ellipsis, not as unknown. */
const LOADING = "loading";

type Figure = { known: true; value: bigint; note?: string } | { known: false; reason: string };

/**
 * Claimable rewards (cumulative in the chain's finalized root minus already claimed), the claim,
 * and the operator's earnings per epoch from the oracle's stats of each of its nodes.
 */
export function RewardsPanel({ account }: { account: Address }) {
  const { settings, tokenSymbol } = useEnv();
  const chain = useChain();
  const tx = useTx();
  const claimed = useChainQuery(["claimed", account], () => chain.read("RewardsDistributor", "claimed", [account]));
  const rootInfo = useChainQuery(["rewardsRoot"], async () => {
    const [hasRoot, root, rootEpoch] = await Promise.all([
      chain.read("RewardsDistributor", "hasRoot"),
      chain.read("RewardsDistributor", "merkleRoot"),
      chain.read("RewardsDistributor", "rootEpoch"),
    ]);
    return { hasRoot, root, rootEpoch: hasRoot ? Number(rootEpoch) : null };
  });
  const nodes = useChainQuery(["operatorNodes", account], () => chain.operatorNodes(account));
  const proof = useQuery({
    queryKey: ["rewards", settings.oracleUrl, account],
    queryFn: () => fetchRewards(settings.oracleUrl!, account),
    enabled: !!settings.oracleUrl,
    refetchInterval: REWARDS_REFRESH_MS,
  });
  const stats = useQueries({
    queries: (nodes.data ?? []).map((n) => ({
      queryKey: ["stats", settings.oracleUrl, n.node],
      queryFn: () => fetchNodeStats(settings.oracleUrl!, n.node),
      enabled: !!settings.oracleUrl,
      refetchInterval: STATS_REFRESH_MS,
    })),
  });

  const p: RewardsProof | null = proof.data && !("missing" in proof.data) ? proof.data : null;
  const root = rootInfo.data;
  const rootMatches = !!p && !!root && root.hasRoot && p.root.toLowerCase() === root.root.toLowerCase();

  // What the page knows of the claimable amount, and why not when it does not.
  let claimable: Figure;
  if (claimed.error && claimed.data === undefined) claimable = { known: false, reason: rpcReason(claimed.error) };
  else if (rootInfo.error && !root) claimable = { known: false, reason: rpcReason(rootInfo.error) };
  else if (root && !root.hasRoot) claimable = { known: true, value: 0n, note: "no rewards root is finalized on chain yet" };
  else if (!settings.oracleUrl) claimable = { known: false, reason: NO_ORACLE };
  else if (proof.error && !proof.data) claimable = { known: false, reason: oracleReason(proof.error) };
  else if (proof.data && "missing" in proof.data) claimable = { known: false, reason: `the oracle has no proof: ${proof.data.missing}` };
  else if (p && root && !rootMatches)
    claimable = { known: false, reason: "the oracle's proof is for another root than the chain's; it refreshes after the next finalization" };
  else if (p && claimed.data !== undefined) claimable = { known: true, value: claimableOf(p.cumulativeAmount, claimed.data) };
  else claimable = { known: false, reason: LOADING };

  const statsError = stats.find((q) => q.error && !q.data)?.error;
  const allStats = stats.every((q) => q.data);
  const earnings = allStats ? earningsByEpoch(stats.map((q) => q.data!.epochs), root?.rootEpoch ?? null) : [];
  const pending = pendingOf(earnings);

  const claim = () => {
    if (!p || !claimable.known || !settings.oracleUrl) return;
    const oracleUrl = settings.oracleUrl;
    void tx.run("Claimed your finalized rewards", async (steps) => {
      // A new root may have been finalized since the proof on screen was fetched (one per epoch):
      // claim with the oracle's proof for the root the chain holds now.
      steps.check("Fetching the proof for the chain's current root");
      const [fresh, current, already] = await Promise.all([
        fetchRewards(oracleUrl, account).catch(() => p),
        chain.read("RewardsDistributor", "merkleRoot"),
        chain.read("RewardsDistributor", "claimed", [account]),
      ]);
      const use = !("missing" in fresh) && fresh.root.toLowerCase() === current.toLowerCase() ? fresh : p;
      const amount = claimableOf(use.cumulativeAmount, already);
      await chain.send(steps, `Claim ${formatToken(amount)} ${tokenSymbol}`, account, "RewardsDistributor", "claim", [
        account,
        use.cumulativeAmount,
        use.proof,
      ]);
    });
  };

  const amount = (v: bigint) => `${formatToken(v)} ${tokenSymbol}`;
  let earningsBody: ReactNode;
  if (!settings.oracleUrl) earningsBody = <Unknown reason={NO_ORACLE} testId="earnings-unknown" />;
  else if (statsError) earningsBody = <Unknown reason={oracleReason(statsError)} testId="earnings-unknown" />;
  else if (!allStats || nodes.data === undefined) earningsBody = <p className="muted small">Loading earnings…</p>;
  else
    earningsBody = (
      <>
        <EarningsChart earnings={earnings} symbol={tokenSymbol} />
        {earnings.length > 0 && (
          <div className="table-wrap">
            <table className="verdicts" data-testid="earnings">
              <thead>
                <tr>
                  <th>Epoch</th>
                  <th>Earned</th>
                  <th>On chain</th>
                </tr>
              </thead>
              <tbody>
                {earnings
                  .slice(-EARNING_ROWS)
                  .reverse()
                  .map((e) => (
                    <tr key={e.epoch} data-epoch={e.epoch}>
                      <td>{e.epoch}</td>
                      <td>{e.amount === null ? <Unknown reason="the oracle did not report a reward" /> : amount(e.amount)}</td>
                      <td>{e.finalized ? "finalized: in the claimable root" : "pending: dispute window or not yet reported"}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </>
    );

  return (
    <section className="card" aria-labelledby="rewards-title" data-testid="rewards-panel">
      <h2 id="rewards-title">Rewards</h2>
      <dl className="facts">
        <div>
          <dt>Claimable</dt>
          <dd className="big" data-testid="claimable" data-known={!claimable.known && claimable.reason === LOADING ? "loading" : claimable.known}>
            {claimable.known ? (
              amount(claimable.value)
            ) : claimable.reason === LOADING ? (
              "…"
            ) : (
              <Unknown reason={claimable.reason} testId="claimable-unknown" />
            )}
            {claimable.known && claimable.note && <span className="muted small block">{claimable.note}</span>}
          </dd>
        </div>
        <div>
          <dt>Claimed so far</dt>
          <dd data-testid="claimed">
            {claimed.data !== undefined ? amount(claimed.data) : claimed.error ? <Unknown reason={rpcReason(claimed.error)} /> : "…"}
          </dd>
        </div>
        <div>
          <dt>Earned, finalized</dt>
          <dd data-testid="earned-total">
            {p && rootMatches ? (
              <>
                {amount(p.cumulativeAmount)}
                <span className="muted small block">cumulative in the chain's root of epoch {p.epoch}</span>
              </>
            ) : root && !root.hasRoot ? (
              amount(0n)
            ) : !claimable.known && claimable.reason === LOADING ? (
              "…"
            ) : (
              <Unknown reason={claimable.known ? "the oracle sent no proof" : claimable.reason} />
            )}
          </dd>
        </div>
        {allStats && settings.oracleUrl && (
          <div>
            <dt>Earned, not yet final</dt>
            <dd data-testid="earned-pending">
              {amount(pending)}
              <span className="muted small block">judged by the oracle after the finalized root</span>
            </dd>
          </div>
        )}
      </dl>
      {proof.error && proof.data && (
        <p className="banner warn small">The oracle did not answer just now: showing its last proof.</p>
      )}
      <button
        className="primary"
        onClick={claim}
        disabled={tx.busy || !rootMatches || !claimable.known || claimable.value === 0n}
        data-testid="claim"
      >
        Claim
      </button>
      <TxStatus state={tx.state} />
      <h3 className="sub">Earnings</h3>
      {earningsBody}
    </section>
  );
}
