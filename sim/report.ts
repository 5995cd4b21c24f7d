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
  /** Profit per epoch honest operators of the same GPU class earned, scaled to the share held or rented. */
  honestProfitPerEpoch: number;
  /** profitPerEpoch - honestProfitPerEpoch: what the strategy gains over honesty (negative is the goal). */
  gainPerEpoch: number;
  /** Standard error of gainPerEpoch over the behaviour's identities. */
  gainSe: number;
  /**
   * Rewards alone (before costs and slashes) over what honest identities were paid per GFLOP/s
   * they sustain, for the throughput this behaviour's hardware sustains: a sybil set of one GPU
   * at 1.0 is paid as one honest identity on that GPU.
   */
  rewardVsHonest: number;
}

export interface RunSummary {
  rows: BehaviourSummary[];
  honestNodeEpochs: number;
  honestSlashed: number;
  honestFlagged: number;
  /** Node-epochs of must-never-be-slashed identities judged under-delivering or fraudulent. */
  honestCondemned: number;
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
  const profitPerEpoch = (o: RunResult["nodes"][number]) => (o.reward + o.side - o.cost - o.slashed) / epochs;
  // The yardstick of a cheater: what honest operators of the same GPU class earned in this run,
  // scaled by the share of such a GPU the cheater holds or rents.
  const byClass = new Map<string, { sum: number; n: number }>();
  for (const o of result.nodes) {
    if (o.behaviour !== "honest") continue;
    const c = byClass.get(o.hwName) ?? { sum: 0, n: 0 };
    c.sum += profitPerEpoch(o);
    c.n++;
    byClass.set(o.hwName, c);
  }
  const honestTotal = [...byClass.values()].reduce((a, c) => ({ sum: a.sum + c.sum, n: a.n + c.n }), { sum: 0, n: 0 });
  // Rewards follow delivered throughput, so the yardstick of rewards alone is what honest
  // identities were paid per GFLOP/s they sustain, over every class.
  const honestNodes = result.nodes.filter((o) => o.behaviour === "honest");
  const sustained = honestNodes.reduce((s, o) => s + o.sustainedGflops, 0);
  const rewardPerGflops = sustained > 0 ? honestNodes.reduce((s, o) => s + o.reward, 0) / sustained : 0;
  const honestReward = (o: RunResult["nodes"][number]) => rewardPerGflops * o.sustainedGflops;
  const counterfactual = (o: RunResult["nodes"][number]) => {
    const c = byClass.get(o.hwName);
    const perNode = c && c.n > 0 ? c.sum / c.n : honestTotal.n > 0 ? honestTotal.sum / honestTotal.n : 0;
    return perNode * ((o.heldGflops + o.rentedGflops) / o.hwPeakGflops);
  };
  const heldTflopEpochs = result.nodes.filter((o) => o.behaviour === "honest").reduce((s, o) => s + (o.heldGflops / 1000) * epochs, 0);
  const rate = heldTflopEpochs > 0 ? (honestTotal.sum * epochs) / heldTflopEpochs : 0;
  const rows: BehaviourSummary[] = [];
  let honestNodeEpochs = 0;
  let honestSlashed = 0;
  let honestFlagged = 0;
  let honestCondemned = 0;
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
    const honestEquivalent = list.reduce((s, o) => s + counterfactual(o), 0) / n;
    const gains = list.map((o) => profitPerEpoch(o) - counterfactual(o));
    const gainMean = gains.reduce((s, g) => s + g, 0) / n;
    const gainSe = n > 1 ? Math.sqrt(gains.reduce((s, g) => s + (g - gainMean) ** 2, 0) / (n - 1) / n) : 0;
    const slashed = list.filter((o) => o.slashedEpoch >= 0).length;
    const honestRewards = list.reduce((s, o) => s + honestReward(o), 0);
    if (!SPECS[b].cheating) {
      honestNodeEpochs += list.reduce((s, o) => s + o.verdicts.length, 0);
      honestSlashed += slashed;
      honestFlagged += caught.length;
      honestCondemned += list.reduce((s, o) => s + o.verdicts.filter((v) => v === "under-delivering" || v === "fraudulent").length, 0);
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
      gainPerEpoch: gainMean,
      gainSe,
      rewardVsHonest: honestRewards > 0 ? list.reduce((s, o) => s + o.reward, 0) / honestRewards : 0,
    });
  }
  return {
    rows,
    honestNodeEpochs,
    honestSlashed,
    honestFlagged,
    honestCondemned,
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
  const head = ["behaviour", "nodes", "caught", "<=3 ep", "1st ep", "slashed", "dev mean", "dev p01", "reward/ep", "vs honest", "slash/ep", "profit/ep", "honest/ep", "gain/ep", "± 2se"];
  const widths = [14, 6, 8, 8, 6, 8, 8, 8, 10, 9, 10, 10, 10, 10, 8];
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
      r.rewardVsHonest.toFixed(2),
      r.slashPerEpoch.toFixed(2),
      r.profitPerEpoch.toFixed(3),
      r.honestProfitPerEpoch.toFixed(3),
      r.gainPerEpoch.toFixed(3),
      (2 * r.gainSe).toFixed(3),
    ];
    lines.push(cells.map((c, i) => pad(c, widths[i], i > 0)).join(" "));
  }
  lines.push("* = must never be slashed (honest, flaky network, outsourcing outside a lease, one GPU split into true claims). Money in stake tokens per identity per epoch; honest/ep: honest operators of the same GPU class; vs honest: rewards alone over what honest identities were paid for the same sustained throughput; gain = profit - honest.");
  return lines.join("\n");
}

export interface TargetCheck {
  name: string;
  pass: boolean;
  detail: string;
}

/** Targets of the detection benchmark. */
export const TARGET_CAUGHT_WITHIN = 0.999;
export const TARGET_NODES_PER_CORE = 100_000;
/** The judge's bound on condemning an honest node in one epoch (engine/judge.ts alpha). */
export const JUDGE_ALPHA = 1e-6;

/** P(Poisson(mean) >= k). */
export function poissonTail(mean: number, k: number): number {
  if (k <= 0) return 1;
  let term = Math.exp(-mean);
  let cdf = term;
  for (let i = 1; i < k; i++) {
    term *= mean / i;
    cdf += term;
  }
  return Math.max(0, 1 - cdf);
}

export function checkTargets(s: RunSummary, nodesPerCore: number): TargetCheck[] {
  const cheaters = s.rows.filter((r) => r.cheating);
  const slow = cheaters.filter((r) => SPECS[r.behaviour].mustBeCaught && r.caughtWithin < TARGET_CAUGHT_WITHIN);
  // Profitable: the gain over honesty is positive beyond two standard errors; break-even: within them.
  const profitable = cheaters.filter((r) => r.gainPerEpoch - 2 * r.gainSe > 0);
  const breakEven = cheaters.filter((r) => !(r.gainPerEpoch < 0) && !(r.gainPerEpoch - 2 * r.gainSe > 0));
  // Honest condemnations: judged under-delivering or fraudulent (whether or not slashed).
  const condemned = s.honestCondemned;
  const p = poissonTail(JUDGE_ALPHA * s.honestNodeEpochs, condemned);
  return [
    {
      name: `every detectable cheating behaviour caught >= ${100 * TARGET_CAUGHT_WITHIN}% within ${CATCH_WITHIN_EPOCHS} epochs`,
      pass: slow.length === 0,
      detail: slow.length === 0 ? "all caught" : `short: ${slow.map((r) => `${r.behaviour} ${(100 * r.caughtWithin).toFixed(2)}%`).join(", ")}`,
    },
    {
      name: "no honest node slashed",
      pass: s.honestSlashed === 0,
      detail: `${s.honestSlashed} slashed of the honest, flaky and outsourcing identities`,
    },
    {
      name: `judge's bound: honest condemnations consistent with <= ${JUDGE_ALPHA} per node-epoch`,
      pass: p >= 0.01,
      detail: `${condemned} condemned in ${s.honestNodeEpochs} node-epochs (P(>= ${condemned} | alpha) = ${p.toExponential(2)})`,
    },
    {
      name: "every cheating strategy earns less than honesty",
      pass: profitable.length === 0 && breakEven.length === 0,
      detail:
        profitable.length === 0 && breakEven.length === 0
          ? "all negative"
          : [
              profitable.length ? `profitable: ${profitable.map((r) => `${r.behaviour} +${r.gainPerEpoch.toFixed(3)} ± ${r.gainSe.toFixed(3)}/epoch`).join(", ")}` : "",
              breakEven.length ? `break-even within 2 SE: ${breakEven.map((r) => `${r.behaviour} ${r.gainPerEpoch.toFixed(3)} ± ${r.gainSe.toFixed(3)}/epoch`).join(", ")}` : "",
            ].filter(Boolean).join("; "),
    },
    {
      name: `one oracle core serves >= ${TARGET_NODES_PER_CORE} nodes`,
      pass: nodesPerCore >= TARGET_NODES_PER_CORE,
      detail: `${nodesPerCore} nodes per core`,
    },
  ];
}
