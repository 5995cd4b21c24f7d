import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useEnv } from "../context";
import { fetchNodeStats, type EpochStat } from "../lib/oracleApi";
import { LineChart } from "./LineChart";

/** Oracle poll period for a node's stats (ms). */
const STATS_REFRESH_MS = 4_000;
/** Rows of the verdict table. */
const VERDICT_ROWS = 8;

function series(stats: EpochStat[], pick: (s: EpochStat) => number | null) {
  return stats.flatMap((s) => {
    const y = pick(s);
    return y === null ? [] : [{ x: s.epoch, y }];
  });
}

const pct = (v: number) => `${Math.round(v * 100)}%`;
const ratio = (v: number) => v.toFixed(2);
const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)}s` : `${Math.round(v)}`);

/** Scores of one node over epochs, from the oracle's read API. */
export function NodeStats({ node }: { node: Address }) {
  const { settings } = useEnv();
  const stats = useQuery({
    queryKey: ["stats", settings.oracleUrl, node],
    queryFn: () => fetchNodeStats(settings.oracleUrl!, node),
    enabled: !!settings.oracleUrl,
    refetchInterval: STATS_REFRESH_MS,
  });
  if (!settings.oracleUrl) {
    return (
      <p className="muted small">
        Scores come from the oracle: open the page with <code>?oracle=URL</code>.
      </p>
    );
  }
  if (stats.error && !stats.data) return <p className="banner error">Scores unavailable: {(stats.error as Error).message}</p>;
  const data = stats.data?.epochs ?? [];
  const live = stats.data?.inProgress;
  const recent = data.slice(-VERDICT_ROWS).reverse();
  return (
    <div className="stats" data-testid="node-stats" data-epochs={data.length}>
      {stats.error && <p className="banner warn small">The oracle did not answer just now: showing its last answer.</p>}
      {live && (
        <p className="muted small" data-testid="in-progress">
          Epoch {live.epoch} in progress: {live.issued} challenge{live.issued === 1 ? "" : "s"} so far, {live.passed} passed
          {live.failed > 0 ? `, ${live.failed} failed` : ""}.
        </p>
      )}
      {data.length === 0 && !stats.isLoading && (
        <p className="muted small">No judged epoch yet: scores appear after the node's first full epoch.</p>
      )}
      {data.length > 0 && (
        <div className="charts">
          <LineChart
            title="Score deviation"
            unit="measured / claimed"
            points={series(data, (s) => s.scoreDeviation)}
            yFloor={0}
            reference={1}
            format={ratio}
            testId="chart-deviation"
          />
          <LineChart
            title="Latency"
            unit="ms"
            points={series(data, (s) => s.latencyMs)}
            yFloor={0}
            format={ms}
            testId="chart-latency"
          />
          <LineChart
            title="Correctness"
            points={series(data, (s) => s.correctness)}
            yFloor={0}
            yCeil={1}
            format={pct}
            testId="chart-correctness"
          />
        </div>
      )}
      {recent.length > 0 && (
        <div className="table-wrap">
          <table className="verdicts" data-testid="verdicts">
            <thead>
              <tr>
                <th>Epoch</th>
                <th>Challenges</th>
                <th>Verdict</th>
                <th>Slash</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((s) => (
                <tr key={s.epoch}>
                  <td>{s.epoch}</td>
                  <td>{s.challenges}</td>
                  <td>
                    <span className={`verdict v-${(s.verdict ?? "none").toLowerCase()}`}>{s.verdict ?? "pending"}</span>
                  </td>
                  <td>
                    {s.slash ? (
                      <>
                        {(s.slash.bps / 100).toLocaleString("en-US")}% {s.slash.reason}
                        {s.slash.evidence && (
                          <code className="mono small block" title={s.slash.evidence}>
                            {s.slash.evidence.slice(0, 18)}…
                          </code>
                        )}
                      </>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {stats.isLoading && <p className="muted small">Loading scores…</p>}
    </div>
  );
}
