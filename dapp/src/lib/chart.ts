/**
 * Geometry of the small line charts (score deviation, latency, correctness over epochs): data
 * to SVG coordinates, "nice" axis ticks. Pure; the SVG itself is drawn by components/LineChart.
 */
export interface Point {
  x: number;
  y: number;
}

export interface ChartBox {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface ChartGeometry {
  path: string;
  dots: Point[];
  yTicks: { value: number; y: number }[];
  xTicks: { value: number; x: number }[];
  yMin: number;
  yMax: number;
}

/** Axis labels per chart axis; bounds the tick loop. */
export const MAX_TICKS = 6;

/** Ticks at 1, 2 or 5 times a power of ten covering [min, max], at most MAX_TICKS of them. */
export function niceTicks(min: number, max: number, target = 4): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max === min) return [min];
  const raw = (max - min) / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step, i = 0; v <= max + step * 1e-9 && i < MAX_TICKS; v += step, i++) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/**
 * Maps points to the box. The y range covers the data and `yFloor`/`yCeil` when given (so a
 * ratio chart always shows 0..1); a flat series gets a range of +-1 around its value.
 */
export function chartGeometry(points: readonly Point[], box: ChartBox, yFloor?: number, yCeil?: number): ChartGeometry {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  let yMin = Math.min(...ys, ...(yFloor === undefined ? [] : [yFloor]));
  let yMax = Math.max(...ys, ...(yCeil === undefined ? [] : [yCeil]));
  if (!Number.isFinite(yMin) || !Number.isFinite(yMax)) {
    yMin = 0;
    yMax = 1;
  }
  if (yMax === yMin) {
    yMin -= 1;
    yMax += 1;
  }
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const plotW = box.width - box.left - box.right;
  const plotH = box.height - box.top - box.bottom;
  const sx = (x: number) => box.left + (xMax === xMin ? plotW / 2 : ((x - xMin) / (xMax - xMin)) * plotW);
  const sy = (y: number) => box.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const dots = points.map((p) => ({ x: round(sx(p.x)), y: round(sy(p.y)) }));
  const path = dots.map((d, i) => `${i === 0 ? "M" : "L"}${d.x},${d.y}`).join(" ");
  const yTicks = niceTicks(yMin, yMax).map((value) => ({ value, y: round(sy(value)) }));
  const xValues = points.length ? niceTicks(xMin, xMax, Math.min(5, points.length)).filter(Number.isInteger) : [];
  const xTicks = (xValues.length ? xValues : [...new Set(xs)].slice(0, MAX_TICKS)).map((value) => ({
    value,
    x: round(sx(value)),
  }));
  return { path, dots, yTicks, xTicks, yMin, yMax };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Most bars drawn (the latest); bounds the bar loop. */
export const MAX_BARS = 200;

/**
 * Bars from 0 to each value (values >= 0), one slot per value, the latest MAX_BARS. The y range
 * is 0 .. the largest value (0 .. 1 when all are 0).
 */
export function barGeometry(values: readonly number[], box: ChartBox): { bars: Bar[]; yTicks: { value: number; y: number }[]; yMax: number } {
  const vs = values.slice(-MAX_BARS).map((v) => (Number.isFinite(v) && v > 0 ? v : 0));
  const yMax = Math.max(0, ...vs) || 1;
  const plotW = box.width - box.left - box.right;
  const plotH = box.height - box.top - box.bottom;
  const slot = vs.length ? plotW / vs.length : plotW;
  const width = Math.max(1, slot * 0.7);
  const sy = (y: number) => box.top + plotH - (y / yMax) * plotH;
  const bars = vs.map((v, i) => {
    const y = round(sy(v));
    return { x: round(box.left + i * slot + (slot - width) / 2), y, width: round(width), height: round(box.top + plotH - y) };
  });
  return { bars, yTicks: niceTicks(0, yMax).map((value) => ({ value, y: round(sy(value)) })), yMax };
}
