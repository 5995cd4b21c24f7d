import { useEffect, useRef, useState } from "react";
import { chartGeometry, type Point } from "../lib/chart";

/** Plot margins in CSS pixels: the SVG is drawn at its on-screen width, so text stays legible. */
const MARGINS = { left: 38, right: 8, top: 8, bottom: 20 };
const HEIGHT = 120;
const DEFAULT_WIDTH = 240;

/** The element's content width, following resizes (phone rotation, window resize). */
export function useWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(DEFAULT_WIDTH);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = () => setWidth(Math.max(120, Math.floor(el.clientWidth)));
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

export interface LineChartProps {
  title: string;
  unit?: string;
  points: Point[];
  yFloor?: number;
  yCeil?: number;
  /** A horizontal reference line (e.g. 1.0 = exactly as claimed). */
  reference?: number;
  format?: (v: number) => string;
  testId?: string;
}

/** A hand-drawn SVG line chart over epochs: axes, ticks, the line, a dot per epoch. */
export function LineChart({ title, unit, points, yFloor, yCeil, reference, format = (v) => String(v), testId }: LineChartProps) {
  const { ref, width } = useWidth<HTMLDivElement>();
  const BOX = { width, height: HEIGHT, ...MARGINS };
  const g = chartGeometry(points, BOX, yFloor, yCeil);
  const plotBottom = BOX.height - BOX.bottom;
  const refY =
    reference !== undefined && reference >= g.yMin && reference <= g.yMax
      ? BOX.top + (BOX.height - BOX.top - BOX.bottom) * (1 - (reference - g.yMin) / (g.yMax - g.yMin))
      : null;
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        {title}
        {unit && <span className="muted"> ({unit})</span>}
      </figcaption>
      <div ref={ref} className="chart-body">
        {points.length === 0 ? (
          <p className="muted small chart-empty">No measurement yet.</p>
        ) : (
          <svg
            width={BOX.width}
            height={BOX.height}
            viewBox={`0 0 ${BOX.width} ${BOX.height}`}
            role="img"
            aria-label={`${title} over epochs`}
          >
            {g.yTicks.map((t) => (
              <g key={`y${t.value}`}>
                <line className="grid" x1={BOX.left} x2={BOX.width - BOX.right} y1={t.y} y2={t.y} />
                <text className="tick" x={BOX.left - 4} y={t.y + 3} textAnchor="end">
                  {format(t.value)}
                </text>
              </g>
            ))}
            {g.xTicks.map((t) => (
              <text key={`x${t.value}`} className="tick" x={t.x} y={plotBottom + 14} textAnchor="middle">
                {t.value}
              </text>
            ))}
            <line className="axis" x1={BOX.left} x2={BOX.width - BOX.right} y1={plotBottom} y2={plotBottom} />
            {refY !== null && <line className="reference" x1={BOX.left} x2={BOX.width - BOX.right} y1={refY} y2={refY} />}
            <path className="line" d={g.path} fill="none" />
            {g.dots.map((d, i) => (
              <circle key={i} className="dot" cx={d.x} cy={d.y} r={2.5}>
                <title>{`epoch ${points[i].x}: ${format(points[i].y)}${unit ? ` ${unit}` : ""}`}</title>
              </circle>
            ))}
          </svg>
        )}
      </div>
    </figure>
  );
}
