import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useEnv } from "../context";
import { useChain, useChainQuery, useLatestBlock } from "../hooks/useChain";
import { slashReasonWords } from "../lib/explain";
import { bytes8ToRegion, formatDuration, formatToken, shortAddress } from "../lib/format";
import { gpuModelLabel } from "../lib/gpuModels";
import { NO_ORACLE, oracleReason, rpcReason } from "../lib/known";
import { summarizeFleet } from "../lib/network";
import { fetchNetworkNodes, fetchOracleInfo } from "../lib/oracleApi";
import { gflopsToTflops, mibToGib } from "../../../protocol/units";
import { Unknown } from "./Unknown";

/** Oracle poll period of the node list (ms). */
const NODES_REFRESH_MS = 5_000;
/** Rows of the node table; the rest are counted. */
const NODE_ROWS = 50;
/** Slashes listed in the network view. */
const SLASH_ROWS = 10;

function Fact({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

const tfl = (v: number) => `${v.toLocaleString("en-US", { maximumFractionDigits: 3 })} TFLOPS`;
const gb = (v: number) => `${v.toLocaleString("en-US", { maximumFractionDigits: 1 })} GiB`;

/** Fleet-level figures from the chain (registry, epochs, committee, reports, rewards pool) and the oracle's read API. */
export function NetworkView() {
  const { settings, tokenSymbol } = useEnv();
  const chain = useChain();
  const { time: now, error: blockError } = useLatestBlock();
  const figures = useChainQuery(["networkFigures"], () => chain.networkFigures());
  const reports = useChainQuery(["recentReports"], () => chain.recentReports());
  const slashes = useChainQuery(["recentSlashes"], () => chain.nodeSlashes());
  const oracleNodes = useQuery({
    queryKey: ["networkNodes", settings.oracleUrl],
    queryFn: () => fetchNetworkNodes(settings.oracleUrl!),
    enabled: !!settings.oracleUrl,
    refetchInterval: NODES_REFRESH_MS,
    retry: 0,
  });
  const info = useQuery({
    queryKey: ["oracleInfo", settings.oracleUrl],
    queryFn: () => fetchOracleInfo(settings.oracleUrl!),
    enabled: !!settings.oracleUrl,
    refetchInterval: NODES_REFRESH_MS,
    retry: 0,
  });
  const amount = (v: bigint) => `${formatToken(v, 2)} ${tokenSymbol}`;

  const f = figures.data;
  const chainError = figures.error ?? blockError;
  const chainUnknown = (testId: string) =>
    chainError ? <Unknown reason={rpcReason(chainError)} testId={testId} /> : <span className="muted">…</span>;
  const chainFact = (label: string, testId: string, value: (x: NonNullable<typeof f>) => ReactNode) => (
    <Fact label={label} testId={testId}>
      {f ? value(f) : chainUnknown(`${testId}-unknown`)}
    </Fact>
  );
  const oracleReasonNow = !settings.oracleUrl
    ? NO_ORACLE
    : oracleNodes.error && !oracleNodes.data
      ? oracleReason(oracleNodes.error)
      : null;
  const fleet = oracleNodes.data ? summarizeFleet(oracleNodes.data) : null;

  return (
    <main className="network" data-testid="network-view">
      {chainError && (
        <p className="banner error" role="alert" data-testid="rpc-unreachable">
          Chain figures <Unknown reason={rpcReason(chainError)} />
          {f ? ": showing the last answer" : ""}
        </p>
      )}
      {oracleReasonNow && (
        <p className={`banner ${settings.oracleUrl ? "error" : "warn"}`} role="alert" data-testid="oracle-unreachable">
          Oracle figures <Unknown reason={oracleReasonNow} />
        </p>
      )}
      {!oracleReasonNow && (oracleNodes.error || info.error) && (
        <p className="banner warn" role="status" data-testid="oracle-stale">
          The oracle did not answer just now ({oracleReason(oracleNodes.error ?? info.error)}): its figures are its last answer.
        </p>
      )}
      <section className="card" aria-labelledby="net-chain">
        <h2 id="net-chain">Network</h2>
        <dl className="facts wide">
          {chainFact("Current epoch", "net-epoch", (x) => (
            <>
              {x.currentEpoch.toString()}
              <span className="muted small block">
                ends in {now !== undefined ? formatDuration(x.epochEnd > now ? x.epochEnd - now : 0n) : "…"} · epochs of{" "}
                {formatDuration(x.epochLength)}
              </span>
            </>
          ))}
          <Fact label="Oracle's epoch" testId="net-oracle-epoch">
            {info.data && !info.error ? (
              info.data.currentEpoch === null ? (
                <Unknown reason="the oracle did not say" />
              ) : (
                <>
                  {info.data.currentEpoch}
                  {f && BigInt(info.data.currentEpoch) !== f.currentEpoch && (
                    <span className="muted small block">the chain's latest block says {f.currentEpoch.toString()}</span>
                  )}
                </>
              )
            ) : (
              <Unknown reason={!settings.oracleUrl ? NO_ORACLE : info.error ? oracleReason(info.error) : "loading"} />
            )}
          </Fact>
          {chainFact("Nodes registered", "net-nodes", (x) => x.nodeCount.toString())}
          {chainFact("Total active stake", "net-stake", (x) => (
            <>
              {amount(x.totalActiveStake)}
              <span className="muted small block">
                {x.nodeCount > 0n ? `${amount(x.totalActiveStake / x.nodeCount)} per node on average (rounded down)` : "no node"}
                {" · "}
                {amount(x.totalUnbonding)} unbonding
              </span>
            </>
          ))}
          {chainFact("Last finalized report", "net-finalized", (x) =>
            x.lastFinalizedEpoch === null ? (
              "none yet"
            ) : (
              <a href={`#report-${x.lastFinalizedEpoch}`}>epoch {x.lastFinalizedEpoch.toString()}</a>
            ),
          )}
          {chainFact("Reports pending", "net-pending", (x) => (
            <>
              {x.pendingReports.toString()}
              <span className="muted small block">dispute window {formatDuration(x.disputeWindow)}</span>
            </>
          ))}
          {chainFact("Rewards pool remaining", "net-pool", (x) => (
            <>
              {amount(x.availableBudget)}
              <span className="muted small block">
                of {amount(x.totalFunded)} funded · {amount(x.totalFinalized)} finalized · {amount(x.totalClaimed)} claimed
              </span>
            </>
          ))}
          {chainFact("Committee", "net-committee", (x) => (
            <>
              quorum {x.quorum} of {x.committee.length} · config v{x.configVersion.toString()}
              <ul className="plain">
                {x.committee.map((m) => (
                  <li key={m}>
                    <code className="mono" title={m} data-testid="net-member">
                      {m}
                    </code>
                  </li>
                ))}
              </ul>
            </>
          ))}
        </dl>
      </section>

      <section className="card" aria-labelledby="net-fleet">
        <h2 id="net-fleet">Fleet</h2>
        {!fleet ? (
          <p data-testid="net-fleet-unknown">
            <Unknown reason={oracleReasonNow ?? "loading"} />
          </p>
        ) : (
          <>
            <dl className="facts wide">
              <Fact label="Nodes (oracle's list)" testId="net-fleet-nodes">
                {fleet.nodes}
              </Fact>
              <Fact label="Claimed compute" testId="net-fleet-tflops">
                {tfl(fleet.tflops)} · {gb(fleet.vramGib)}
              </Fact>
              <Fact label="Stake listed" testId="net-fleet-stake">
                {amount(fleet.stake)}
                {fleet.stakeUnknown > 0 && <Unknown reason={`${fleet.stakeUnknown} nodes without a stake in the oracle's list`} />}
              </Fact>
              <Fact label="Latest verdicts" testId="net-fleet-verdicts">
                {fleet.byVerdict.map((v) => `${v.nodes} ${v.label}`).join(", ") || "none"}
              </Fact>
            </dl>
            <div className="row2">
              <div className="table-wrap">
                <table className="verdicts" data-testid="net-by-class">
                  <caption>By class</caption>
                  <thead>
                    <tr>
                      <th>Class</th>
                      <th>Nodes</th>
                      <th>Compute</th>
                      <th>Stake</th>
                    </tr>
                  </thead>
                  <tbody>
                    {fleet.byClass.map((g) => (
                      <tr key={g.label}>
                        <td>{g.label}</td>
                        <td>{g.nodes}</td>
                        <td>{tfl(g.tflops)}</td>
                        <td>{amount(g.stake)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div className="table-wrap">
                <table className="verdicts" data-testid="net-by-region">
                  <caption>By region</caption>
                  <thead>
                    <tr>
                      <th>Region</th>
                      <th>Nodes</th>
                      <th>Compute</th>
                      <th>Stake</th>
                    </tr>
                  </thead>
                  <tbody>
                    {fleet.byRegion.map((g) => (
                      <tr key={g.label}>
                        <td>{g.label}</td>
                        <td>{g.nodes}</td>
                        <td>{tfl(g.tflops)}</td>
                        <td>{amount(g.stake)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
            <div className="table-wrap">
              <table className="verdicts" data-testid="net-node-table">
                <caption>Nodes</caption>
                <thead>
                  <tr>
                    <th>Node</th>
                    <th>Class</th>
                    <th>Claim</th>
                    <th>Stake</th>
                    <th>State</th>
                    <th>Latest verdict</th>
                  </tr>
                </thead>
                <tbody>
                  {oracleNodes.data!.slice(0, NODE_ROWS).map((n) => (
                    <tr key={n.node} data-node={n.node}>
                      <td>
                        <code title={n.node}>{shortAddress(n.node)}</code>
                      </td>
                      <td>
                        {n.claim ? `${gpuModelLabel(n.claim.gpuModel)} × ${n.claim.gpuCount}` : <Unknown reason="not listed" />}
                        {n.claim && <span className="muted small block">{bytes8ToRegion(n.claim.region) || "no region"}</span>}
                      </td>
                      <td>{n.claim ? `${tfl(gflopsToTflops(n.claim.gflops))}, ${gb(mibToGib(n.claim.vramMiB))}` : "—"}</td>
                      <td>{n.stake !== null ? amount(n.stake) : <Unknown reason="not listed" />}</td>
                      <td>{n.status ?? <Unknown reason="not listed" />}</td>
                      <td>{n.latest ? `${n.latest.verdict ?? "unknown"} (epoch ${n.latest.epoch})` : "not judged yet"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {oracleNodes.data!.length > NODE_ROWS && (
                <p className="muted small">and {oracleNodes.data!.length - NODE_ROWS} more</p>
              )}
            </div>
          </>
        )}
      </section>

      <section className="card" aria-labelledby="net-reports">
        <h2 id="net-reports">Epoch reports</h2>
        {(reports.error ?? (reports.data ? null : blockError)) ? (
          <Unknown reason={rpcReason(reports.error ?? blockError)} testId="net-reports-unknown" />
        ) : !reports.data ? (
          <p className="muted">…</p>
        ) : reports.data.length === 0 ? (
          <p className="muted" data-testid="net-no-reports">
            No report submitted yet.
          </p>
        ) : (
          <div className="table-wrap">
            <table className="verdicts" data-testid="net-reports">
              <thead>
                <tr>
                  <th>Epoch</th>
                  <th>Status</th>
                  <th>Rewards</th>
                  <th>Slashes</th>
                  <th>Digest</th>
                </tr>
              </thead>
              <tbody>
                {reports.data.map((r) => (
                  <tr key={r.epoch.toString()} id={`report-${r.epoch}`} data-epoch={r.epoch.toString()}>
                    <td>{r.epoch.toString()}</td>
                    <td>
                      {r.status.toLowerCase()}
                      {r.status === "Pending" && now !== undefined && (
                        <span className="muted small block">
                          {now < r.disputeEndsAt ? `dispute window ends in ${formatDuration(r.disputeEndsAt - now)}` : "window over: finalizable"}
                        </span>
                      )}
                    </td>
                    <td>{amount(r.rewardsTotal)}</td>
                    <td>{r.slashCount}</td>
                    <td>
                      <code title={r.digest}>{shortAddress(r.digest)}</code>
                      {r.txHash && (
                        <span className="muted small block" title={r.txHash}>
                          tx {shortAddress(r.txHash)}
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <h3 className="sub">Recent slashes</h3>
        {(slashes.error ?? (slashes.data ? null : blockError)) ? (
          <Unknown reason={rpcReason(slashes.error ?? blockError)} />
        ) : !slashes.data ? (
          <p className="muted">…</p>
        ) : slashes.data.length === 0 ? (
          <p className="muted" data-testid="net-no-slashes">
            No slash proposed.
          </p>
        ) : (
          <ul className="plain" data-testid="net-slashes">
            {slashes.data.slice(0, SLASH_ROWS).map((s) => (
              <li key={`${s.epoch}-${s.index}`} data-testid="net-slash">
                <strong>Epoch {s.epoch.toString()}</strong>: <code title={s.node}>{shortAddress(s.node)}</code>{" "}
                {(s.bps / 100).toLocaleString("en-US")}% for {s.reason} ({s.state.toLowerCase()}
                {s.amount > 0n ? `, ${amount(s.amount)} taken` : ""})
                <span className="muted small block">
                  {slashReasonWords(s.reason)} · evidence <code title={s.evidence}>{shortAddress(s.evidence)}</code>
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
