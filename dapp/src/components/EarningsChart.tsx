import { barGeometry } from "../lib/chart";
import type { EpochEarning } from "../lib/earnings";
import { formatToken } from "../lib/format";
import { useWidth } from "./LineChart";

const MARGINS = { left: 44, right: 8, top: 8, bottom: 20 };
const HEIGHT = 130;
/** Token units of one bar's height (wei to a float for drawing only; amounts shown are exact). */
const toTokens = (wei: bigint) => Number(wei / 10n ** 12n) / 1e6;

/** Per-epoch earnings as bars: solid where the chain's finalized root covers the epoch, light where it is still pending. */
export function EarningsChart({ earnings, symbol }: { earnings: EpochEarning[]; symbol: string }) {
  const { ref, width } = useWidth<HTMLDivElement>();
  const box = { width, height: HEIGHT, ...MARGINS };
  const g = barGeometry(
    earnings.map((e) => (e.amount === null ? 0 : toTokens(e.amount))),
    box,
  );
  const plotBottom = HEIGHT - MARGINS.bottom;
  const labelEvery = Math.max(1, Math.ceil(earnings.length / 6));
  return (
    <figure className="chart" data-testid="earnings-chart">
      <figcaption>
        Earnings per epoch <span className="muted">({symbol}; solid = finalized on chain, light = pending)</span>
      </figcaption>
      <div ref={ref} className="chart-body">
        {earnings.length === 0 ? (
          <p className="muted small chart-empty">No judged epoch yet.</p>
        ) : (
          <svg width={box.width} height={box.height} viewBox={`0 0 ${box.width} ${box.height}`} role="img" aria-label="Earnings per epoch">
            {g.yTicks.map((t) => (
              <g key={`y${t.value}`}>
                <line className="grid" x1={box.left} x2={box.width - box.right} y1={t.y} y2={t.y} />
                <text className="tick" x={box.left - 4} y={t.y + 3} textAnchor="end">
                  {t.value.toLocaleString("en-US", { maximumFractionDigits: 2 })}
                </text>
              </g>
            ))}
            <line className="axis" x1={box.left} x2={box.width - box.right} y1={plotBottom} y2={plotBottom} />
            {g.bars.map((b, i) => {
              const e = earnings[earnings.length - g.bars.length + i];
              return (
                <g key={e.epoch}>
                  <rect
                    className={`bar ${e.finalized ? "bar-final" : "bar-pending"}`}
                    x={b.x}
                    y={b.y}
                    width={b.width}
                    height={b.height}
                    data-epoch={e.epoch}
                  >
                    <title>{`epoch ${e.epoch}: ${e.amount === null ? "unknown" : `${formatToken(e.amount)} ${symbol}`}${e.finalized ? " (finalized)" : " (pending)"}`}</title>
                  </rect>
                  {i % labelEvery === 0 && (
                    <text className="tick" x={b.x + b.width / 2} y={plotBottom + 14} textAnchor="middle">
                      {e.epoch}
                    </text>
                  )}
                </g>
              );
            })}
          </svg>
        )}
      </div>
    </figure>
  );
}
