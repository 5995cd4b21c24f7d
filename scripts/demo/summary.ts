/**
 * The demo's verdict on itself, pure: the per-node summary table, the final JSON line and the
 * exit rule: every honest node paid and never slashed; every cheater slashed, and its net (tokens
 * claimed minus stake slashed) below what its honest counterfactual, the honest node on the same
 * hardware, was paid over the same epochs.
 */
import { formatUnits } from "viem";

export interface NodeOutcome {
  name: string;
  node: string;
  operator: string;
  behaviour: string;
  honest: boolean;
  claimGflops: number;
  /** Verdict counts of the node's challenges, as the agent saw them. */
  verdicts: Record<string, number>;
  stakeBefore: bigint;
  stakeAfter: bigint;
  slashed: bigint;
  rewardsClaimed: bigint;
  /** A cheater's honest counterfactual (the name of an honest node on the same hardware). */
  counterfactual?: string;
}

/**
 * What a cheater's honest counterfactual was paid: the named honest node's pay, or for `measured`
 * (an honest claim of the throughput the cheater delivered) a lower bound of it, the cheater's own
 * pay before slashes (an under-delivering node is paid on its measured throughput).
 */
export function counterfactualOf(r: DemoResult, n: NodeOutcome): { name: string; paid: bigint } | undefined {
  if (n.counterfactual === "measured") return { name: "(a claim of its measured throughput)", paid: n.rewardsClaimed };
  const cf = r.nodes.find((m) => m.name === n.counterfactual && m.honest);
  return cf && { name: cf.name, paid: cf.rewardsClaimed };
}

/** What a node came out with: tokens claimed minus stake slashed (negative when it lost). */
export const netOf = (n: Pick<NodeOutcome, "rewardsClaimed" | "slashed">) => n.rewardsClaimed - n.slashed;

export interface DemoResult {
  epochs: number[];
  nodes: NodeOutcome[];
}

export function judgeDemo(r: DemoResult): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  for (const n of r.nodes) {
    if (n.honest) {
      if (n.rewardsClaimed <= 0n) problems.push(`honest node ${n.name} was not paid`);
      if (n.slashed > 0n || n.stakeAfter < n.stakeBefore) problems.push(`honest node ${n.name} was slashed`);
    } else {
      if (n.slashed <= 0n || n.stakeAfter >= n.stakeBefore) problems.push(`cheater ${n.name} (${n.behaviour}) was not slashed`);
      const cf = counterfactualOf(r, n);
      if (!cf) problems.push(`cheater ${n.name} names no honest counterfactual`);
      else if (netOf(n) >= cf.paid) {
        problems.push(`cheater ${n.name} (${n.behaviour}) came out with ${fmt(netOf(n))} POAI, not less than the ${fmt(cf.paid)} POAI its honest counterfactual ${cf.name} was paid`);
      }
    }
  }
  if (r.epochs.length === 0) problems.push("no epoch was run");
  return { ok: problems.length === 0, problems };
}

const fmt = (v: bigint) => Number(formatUnits(v, 18)).toFixed(2);

export function summaryTable(r: DemoResult): string {
  const header = ["node", "behaviour", "claim GF/s", "verdicts", "stake before", "stake after", "slashed", "rewards", "net", "honest on same hardware"];
  const rows = r.nodes.map((n) => [
    `${n.name} ${n.node.slice(0, 8)}`,
    n.behaviour,
    String(n.claimGflops),
    Object.entries(n.verdicts).map(([k, v]) => `${k}:${v}`).join(" ") || "-",
    fmt(n.stakeBefore),
    fmt(n.stakeAfter),
    fmt(n.slashed),
    fmt(n.rewardsClaimed),
    fmt(netOf(n)),
    n.honest ? "-" : (() => {
      const cf = counterfactualOf(r, n);
      return cf ? `${fmt(cf.paid)} ${cf.name.startsWith("(") ? cf.name : `(${cf.name})`}` : "?";
    })(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export function resultJson(r: DemoResult, ok: boolean): string {
  return JSON.stringify({
    demo: "poai-devnet",
    ok,
    epochsRun: r.epochs.length,
    epochs: r.epochs,
    nodes: r.nodes.map((n) => ({
      name: n.name,
      node: n.node,
      operator: n.operator,
      behaviour: n.behaviour,
      claimGflops: n.claimGflops,
      verdicts: n.verdicts,
      stakeBefore: n.stakeBefore.toString(),
      stakeAfter: n.stakeAfter.toString(),
      slashed: n.slashed.toString(),
      rewardsClaimed: n.rewardsClaimed.toString(),
      net: netOf(n).toString(),
      ...(n.counterfactual ? { counterfactual: n.counterfactual, counterfactualPaid: (counterfactualOf(r, n)?.paid ?? 0n).toString() } : {}),
    })),
  });
}
