/**
 * Turns a run into the figures the simulator answers for: per behaviour, how many identities
 * were caught and when, how many honest ones were wronged, what each strategy earned, and
 * whether cheating ever paid compared with running the same hardware honestly.
 */
import { BEHAVIOURS, SPECS, type BehaviourName } from "./behaviours";
import { DEV_BIN_WIDTH, type RunResult } from "./runner";

/** Epochs within which a cheater must be caught (the benchmark's target). */
export const CATCH_WITHIN_EPOCHS = 3;

export interface BehaviourSummary {
  behaviour: BehaviourName;
  cheating: boolean;
  nodes: number;
  /** Share judged under-delivering or fraudulent at least once. */
  caught: number;
  /** Share caught within CATCH_WITHIN_EPOCHS epochs of joining. */
  caughtWithin: number;
  /** Mean epoch (1-based) of the first catch, over the caught ones; null if none. */
  meanFirstCaught: number | null;
  lastFirstCaught: number | null;
  slashed: number;
  /** Node-epochs judged, by verdict. */
  verdicts: Record<string, number>;
  /** Mean and 1st/99th percentile of measured/claimed throughput over answered challenges. */
  deviationMean: number;
  deviationP01: number;
  deviationP99: number;
  /** Per identity per simulated epoch, tokens. */
  rewardPerEpoch: number;
  slashPerEpoch: number;
  costPerEpoch: number;
  sidePerEpoch: number;
  profitPerEpoch: number;
  /** Profit per epoch the same held hardware earns when registered honestly. */
  honestProfitPerEpoch: number;
  /** profitPerEpoch - honestProfitPerEpoch: what the strategy gains over honesty (negative is the goal). */
  gainPerEpoch: number;
}

export interface RunSummary {
  rows: BehaviourSummary[];
  honestNodeEpochs: number;
  honestSlashed: number;
  honestFlagged: number;
  cheatersCaughtWithin: number;
  /** Honest operators' profit per held TFLOP/s per epoch, the yardstick of every gain. */
  honestProfitPerTflopEpoch: number;
}

function percentile(hist: readonly number[], q: number): number {
  const total = hist.reduce((s, v) => s + v, 0);
  if (total === 0) return 0;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i];
    if (acc >= q * total) return (i + 0.5) * DEV_BIN_WIDTH;
  }
  return (hist.length - 0.5) * DEV_BIN_WIDTH;
}

export function summarize(result: RunResult): RunSummary {
  const epochs = result.config.epochs;
  const honestPool = result.nodes.filter((o) => o.behaviour === "honest");
  const heldTflopEpochs = honestPool.reduce((s, o) => s + (o.heldGflops / 1000) * epochs, 0);
  const honestProfit = honestPool.reduce((s, o) => s + o.reward + o.side - o.cost - o.slashed, 0);
  const rate = heldTflopEpochs > 0 ? honestProfit / heldTflopEpochs : 0;
  const rows: BehaviourSummary[] = [];
  let honestNodeEpochs = 0;
  let honestSlashed = 0;
  let honestFlagged = 0;
  let cheaters = 0;
  let cheatersWithin = 0;
  for (const b of BEHAVIOURS) {
    const list = result.nodes.filter((o) => o.behaviour === b);
    const n = list.length;
    if (n === 0) continue;
    const caught = list.filter((o) => o.firstCaught >= 0);
    const within = caught.filter((o) => o.firstCaught < CATCH_WITHIN_EPOCHS);
    const verdicts: Record<string, number> = {};
    for (const o of list) for (const v of o.verdicts) verdicts[v] = (verdicts[v] ?? 0) + 1;
    const hist = result.deviation[b];
    const answered = hist.reduce((s, v) => s + v, 0);
    const mean = answered > 0 ? hist.reduce((s, v, i) => s + v * (i + 0.5) * DEV_BIN_WIDTH, 0) / answered : 0;
    const per = (f: (o: (typeof list)[number]) => number) => list.reduce((s, o) => s + f(o), 0) / (n * epochs);
    const profit = per((o) => o.reward + o.side - o.cost - o.slashed);
    const honestEquivalent = (list.reduce((s, o) => s + (o.heldGflops + o.rentedGflops) / 1000, 0) / n) * rate;
    const slashed = list.filter((o) => o.slashedEpoch >= 0).length;
    if (!SPECS[b].cheating) {
      honestNodeEpochs += list.reduce((s, o) => s + o.verdicts.length, 0);
      honestSlashed += slashed;
      honestFlagged += caught.length;
    } else {
      cheaters += n;
      cheatersWithin += within.length;
    }
    rows.push({
      behaviour: b,
      cheating: SPECS[b].cheating,
      nodes: n,
      caught: caught.length / n,
      caughtWithin: within.length / n,
      meanFirstCaught: caught.length > 0 ? caught.reduce((s, o) => s + o.firstCaught + 1, 0) / caught.length : null,
      lastFirstCaught: caught.length > 0 ? Math.max(...caught.map((o) => o.firstCaught + 1)) : null,
      slashed: slashed / n,
      verdicts,
      deviationMean: mean,
      deviationP01: percentile(hist, 0.01),
      deviationP99: percentile(hist, 0.99),
      rewardPerEpoch: per((o) => o.reward),
      slashPerEpoch: per((o) => o.slashed),
      costPerEpoch: per((o) => o.cost),
      sidePerEpoch: per((o) => o.side),
      profitPerEpoch: profit,
      honestProfitPerEpoch: honestEquivalent,
      gainPerEpoch: profit - honestEquivalent,
    });
  }
  return {
    rows,
    honestNodeEpochs,
    honestSlashed,
    honestFlagged,
    cheatersCaughtWithin: cheaters > 0 ? cheatersWithin / cheaters : 1,
    honestProfitPerTflopEpoch: rate,
  };
}

function pad(s: string, w: number, right = false): string {
  return right ? s.padStart(w) : s.padEnd(w);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(x === 1 || x === 0 ? 0 : 2)}%`;
}

/** A fixed-width text table, one line per behaviour. */
export function formatTable(s: RunSummary): string {
  const head = ["behaviour", "nodes", "caught", "<=3 ep", "1st ep", "slashed", "dev mean", "dev p01", "reward/ep", "slash/ep", "profit/ep", "honest/ep", "gain/ep"];
  const widths = [13, 6, 8, 8, 6, 8, 8, 8, 10, 10, 10, 10, 10];
  const lines = [head.map((h, i) => pad(h, widths[i], i > 0)).join(" ")];
  lines.push(widths.map((w) => "-".repeat(w)).join(" "));
  for (const r of s.rows) {
    const cells = [
      r.behaviour + (r.cheating ? "" : "*"),
      String(r.nodes),
      pct(r.caught),
      pct(r.caughtWithin),
      r.meanFirstCaught === null ? "-" : r.meanFirstCaught.toFixed(2),
      pct(r.slashed),
      r.deviationMean.toFixed(3),
      r.deviationP01.toFixed(3),
      r.rewardPerEpoch.toFixed(3),
      r.slashPerEpoch.toFixed(2),
      r.profitPerEpoch.toFixed(3),
      r.honestProfitPerEpoch.toFixed(3),
      r.gainPerEpoch.toFixed(3),
    ];
    lines.push(cells.map((c, i) => pad(c, widths[i], i > 0)).join(" "));
  }
  lines.push("* = must never be slashed (honest, flaky network, outsourcing outside a lease). Money in stake tokens per identity per epoch.");
  return lines.join("\n");
}
