/**
 * Hand-written SVG of a run: left, the score deviation (measured / claimed throughput) of every
 * answered challenge, one line per behaviour; right, the share of each cheating behaviour
 * caught by the end of each epoch. No dependencies: the document is built as a string.
 */
import { BEHAVIOURS, SPECS, type BehaviourName } from "./behaviours";
import { DEV_BINS, DEV_BIN_WIDTH, type RunResult } from "./runner";

const COLORS = ["#1b9e77", "#66a61e", "#7570b3", "#e6ab02", "#d95f02", "#8c564b", "#e7298a", "#17becf", "#7b3294", "#1f78b4", "#e31a1c", "#666666", "#000000", "#bcbd22"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

interface Panel {
  x: number;
  y: number;
  w: number;
  h: number;
}

function axes(p: Panel, title: string, xLabel: string, yLabel: string, xTicks: [number, string][], yTicks: [number, string][]): string {
  const parts: string[] = [];
  parts.push(`<rect x="${p.x}" y="${p.y}" width="${p.w}" height="${p.h}" fill="#fff" stroke="#999"/>`);
  parts.push(`<text x="${p.x + p.w / 2}" y="${p.y - 12}" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<text x="${p.x + p.w / 2}" y="${p.y + p.h + 38}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`);
  parts.push(
    `<text x="${p.x - 48}" y="${p.y + p.h / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 ${p.x - 48} ${p.y + p.h / 2})">${esc(yLabel)}</text>`,
  );
  for (const [fx, label] of xTicks) {
    const x = p.x + fx * p.w;
    parts.push(`<line x1="${x}" y1="${p.y + p.h}" x2="${x}" y2="${p.y + p.h + 5}" stroke="#333"/>`);
    parts.push(`<line x1="${x}" y1="${p.y}" x2="${x}" y2="${p.y + p.h}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${p.y + p.h + 18}" text-anchor="middle" font-size="11">${esc(label)}</text>`);
  }
  for (const [fy, label] of yTicks) {
    const y = p.y + p.h - fy * p.h;
    parts.push(`<line x1="${p.x - 5}" y1="${y}" x2="${p.x}" y2="${y}" stroke="#333"/>`);
    parts.push(`<line x1="${p.x}" y1="${y}" x2="${p.x + p.w}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${p.x - 8}" y="${y + 4}" text-anchor="end" font-size="11">${esc(label)}</text>`);
  }
  return parts.join("\n");
}

function polyline(points: [number, number][], color: string, dash = false): string {
  const d = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  return `<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"${dash ? ' stroke-dasharray="6 3"' : ""}/>`;
}

export function renderSvg(result: RunResult, subtitle: string): string {
  const W = 1200;
  const H = 650;
  const left: Panel = { x: 80, y: 100, w: 460, h: 380 };
  const right: Panel = { x: 680, y: 100, w: 460, h: 380 };
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fafafa"/>`);
  parts.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="18" font-weight="bold">PoAI fleet simulation</text>`);
  parts.push(`<text x="${W / 2}" y="46" text-anchor="middle" font-size="12" fill="#444">${esc(subtitle)}</text>`);

  // Left: deviation histograms, each normalised to its own total, on a square-root scale so
  // that small behaviours stay visible next to the honest majority.
  const maxDev = DEV_BINS * DEV_BIN_WIDTH;
  const series = BEHAVIOURS.map((b) => {
    const h = result.deviation[b];
    const total = h.reduce((s, v) => s + v, 0);
    return { b, shares: h.map((v) => (total > 0 ? v / total : 0)) };
  });
  const peak = Math.max(1e-9, ...series.flatMap((s) => s.shares));
  const sq = (v: number) => Math.sqrt(v / peak);
  const xTicks: [number, string][] = [];
  for (let v = 0; v <= maxDev + 1e-9; v += 0.25) xTicks.push([v / maxDev, v.toFixed(2)]);
  const yTicks: [number, string][] = [0, 0.25, 0.5, 1].map((f) => [Math.sqrt(f), `${(100 * f * peak).toFixed(0)}%`]);
  parts.push(axes(left, "Score deviation of answered challenges", "measured / claimed throughput", "share of the behaviour's challenges (sqrt scale)", xTicks, yTicks));
  series.forEach((s, i) => {
    if (result.counts[s.b] === 0) return;
    const pts: [number, number][] = s.shares.map((v, k) => [left.x + ((k + 0.5) * DEV_BIN_WIDTH * left.w) / maxDev, left.y + left.h - sq(v) * left.h]);
    parts.push(polyline(pts, COLORS[i % COLORS.length], !SPECS[s.b].cheating));
  });

  // Right: cumulative share caught per epoch.
  const epochs = result.config.epochs;
  const exTicks: [number, string][] = [];
  for (let e = 0; e <= epochs; e++) exTicks.push([e / epochs, String(e)]);
  const eyTicks: [number, string][] = [0, 0.25, 0.5, 0.75, 1].map((f) => [f, `${100 * f}%`]);
  parts.push(axes(right, "Identities caught by the end of each epoch", "epoch", "share caught (cumulative)", exTicks, eyTicks));
  if (epochs >= 3) {
    const x = right.x + (3 * right.w) / epochs;
    parts.push(`<line x1="${x}" y1="${right.y}" x2="${x}" y2="${right.y + right.h}" stroke="#999" stroke-width="1.5" stroke-dasharray="3 3"/>`);
  }
  BEHAVIOURS.forEach((b: BehaviourName, i) => {
    const n = result.counts[b];
    if (n === 0) return;
    const pts: [number, number][] = [[right.x, right.y + right.h]];
    result.caughtByEpoch[b].forEach((c, e) => pts.push([right.x + ((e + 1) * right.w) / epochs, right.y + right.h - (c / n) * right.h]));
    parts.push(polyline(pts, COLORS[i % COLORS.length], !SPECS[b].cheating));
  });

  // Legend.
  BEHAVIOURS.forEach((b, i) => {
    const col = i % 7;
    const row = Math.floor(i / 7);
    const x = 80 + col * 160;
    const y = 560 + row * 24;
    const color = COLORS[i % COLORS.length];
    parts.push(`<line x1="${x}" y1="${y}" x2="${x + 26}" y2="${y}" stroke="${color}" stroke-width="3"${SPECS[b].cheating ? "" : ' stroke-dasharray="6 3"'}/>`);
    parts.push(`<text x="${x + 32}" y="${y + 4}" font-size="12">${esc(b)} (${result.counts[b]})</text>`);
  });
  parts.push(`<text x="80" y="630" font-size="11" fill="#444">dashed: must never be slashed (on the right: judged under-delivering, paid on measured); solid: cheating behaviours; grey line: the three-epoch target.</text>`);
  parts.push("</svg>");
  return parts.join("\n");
}
