import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useEnv } from "../context";
import { useCurrentEpoch } from "../hooks/useChain";
import { explainCorrectness, explainOnTime, explainThroughput, explainVerdict, inProgressLine, type Explained } from "../lib/explain";
import { formatToken } from "../lib/format";
import { NO_ORACLE, oracleReason } from "../lib/known";
import { fetchNodeStats, type EpochStat } from "../lib/oracleApi";
import { LineChart } from "./LineChart";
import { Unknown } from "./Unknown";

/** Oracle poll period for a node's stats (ms). */
export const STATS_REFRESH_MS = 4_000;
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

function Figure({ title, e, testId }: { title: string; e: Explained; testId: string }) {
  return (
    <div className={`explain tone-${e.tone}`} data-testid={testId} data-tone={e.tone}>
      <dt>{title}</dt>
      <dd>
        <strong className="explain-value" data-testid={`${testId}-value`}>
          {e.value}
        </strong>
        <span className="explain-words">{e.words}</span>
      </dd>
    </div>
  );
}

/** The latest judged epoch's figures, each with what it means. */
function LatestExplained({ s, symbol }: { s: EpochStat; symbol: string }) {
  return (
    <div className="explained" data-testid="explained" data-epoch={s.epoch}>
      <h4>
        Epoch {s.epoch}, judged{" "}
        {s.reward !== null ? (
          <span className="muted small" data-testid="explained-reward">
            · earned {formatToken(s.reward)} {symbol}
          </span>
        ) : (
          <Unknown reason="the oracle did not report this epoch's reward" />
        )}
      </h4>
      <dl>
        <Figure title="Verdict" e={explainVerdict(s)} testId="explain-verdict" />
        <Figure title="Throughput vs claim" e={explainThroughput(s)} testId="explain-throughput" />
        <Figure title="On-time share" e={explainOnTime(s)} testId="explain-ontime" />
        <Figure title="Correctness" e={explainCorrectness(s)} testId="explain-correctness" />
      </dl>
    </div>
  );
}

/** Scores of one node over epochs, from the oracle's read API. */
export function NodeStats({ node }: { node: Address }) {
  const { settings, tokenSymbol } = useEnv();
  const epoch = useCurrentEpoch();
  const stats = useQuery({
    queryKey: ["stats", settings.oracleUrl, node],
    queryFn: () => fetchNodeStats(settings.oracleUrl!, node),
    enabled: !!settings.oracleUrl,
    refetchInterval: STATS_REFRESH_MS,
  });
  if (!settings.oracleUrl) {
    return (
      <p className="muted small" data-testid="node-stats-unknown">
        Scores <Unknown reason={NO_ORACLE} />
      </p>
    );
  }
  if (stats.error && !stats.data)
    return (
      <p className="banner error" data-testid="node-stats-unknown">
        Scores <Unknown reason={oracleReason(stats.error)} />
      </p>
    );
  const data = stats.data?.epochs ?? [];
  const live = inProgressLine(stats.data?.inProgress ?? null, epoch.data?.current);
  const recent = data.slice(-VERDICT_ROWS).reverse();
  return (
    <div className="stats" data-testid="node-stats" data-epochs={data.length}>
      {stats.error && <p className="banner warn small">The oracle did not answer just now: showing its last answer.</p>}
      {live && (
        <p className="muted small" data-testid="in-progress">
          {live}
        </p>
      )}
      {data.length === 0 && !stats.isLoading && (
        <p className="muted small">No judged epoch yet: scores appear after the node's first full epoch.</p>
      )}
      {data.length > 0 && <LatestExplained s={data[data.length - 1]} symbol={tokenSymbol} />}
      {data.length > 0 && (
        <div className="charts">
          <LineChart
            title="Throughput vs claim"
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
                <th>Earned</th>
                <th>Slash</th>
              </tr>
            </thead>
            <tbody>
              {recent.map((s) => (
                <tr key={s.epoch}>
                  <td>{s.epoch}</td>
                  <td>{s.challenges ?? <Unknown reason="not reported" />}</td>
                  <td>
                    <span className={`verdict v-${(s.verdict ?? "none").toLowerCase()}`}>{s.verdict ?? "pending"}</span>
                  </td>
                  <td>{s.reward !== null ? `${formatToken(s.reward, 2)} ${tokenSymbol}` : <Unknown reason="not reported" />}</td>
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
