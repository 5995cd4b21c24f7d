/**
 * Fleet-level figures from the oracle's node list (`/v1/nodes`): nodes by class and by region,
 * total claimed compute and VRAM, stake. Pure.
 */
import { gflopsToTflops, mibToGib } from "../../../protocol/units";
import { bytes8ToRegion } from "./format";
import { gpuModelLabel } from "./gpuModels";
import type { NetworkNode } from "./oracleApi";

export interface Group {
  label: string;
  nodes: number;
  tflops: number;
  /** Sum of active stake (wei) over the group's nodes whose stake is known. */
  stake: bigint;
}

export interface FleetSummary {
  nodes: number;
  byClass: Group[];
  byRegion: Group[];
  tflops: number;
  vramGib: number;
  /** Sum of known active stakes (wei); `stakeUnknown` nodes did not report one. */
  stake: bigint;
  stakeUnknown: number;
  byVerdict: { label: string; nodes: number }[];
}

function add(map: Map<string, Group>, label: string, tflops: number, stake: bigint) {
  const g = map.get(label) ?? { label, nodes: 0, tflops: 0, stake: 0n };
  g.nodes += 1;
  g.tflops += tflops;
  g.stake += stake;
  map.set(label, g);
}

const byNodes = (a: { nodes: number; label: string }, b: { nodes: number; label: string }) =>
  b.nodes - a.nodes || (a.label < b.label ? -1 : 1);

export function summarizeFleet(nodes: readonly NetworkNode[]): FleetSummary {
  const classes = new Map<string, Group>();
  const regions = new Map<string, Group>();
  const verdicts = new Map<string, number>();
  let tflops = 0;
  let vramGib = 0;
  let stake = 0n;
  let stakeUnknown = 0;
  for (const n of nodes) {
    const t = n.claim ? gflopsToTflops(n.claim.gflops) : 0;
    const s = n.stake ?? 0n;
    if (n.stake === null) stakeUnknown++;
    add(classes, n.claim ? gpuModelLabel(n.claim.gpuModel) : "unknown class", t, s);
    add(regions, n.claim ? bytes8ToRegion(n.claim.region) || "no region" : "unknown region", t, s);
    const v = n.latest?.verdict ?? "not judged yet";
    verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
    tflops += t;
    vramGib += n.claim ? mibToGib(n.claim.vramMiB) : 0;
    stake += s;
  }
  return {
    nodes: nodes.length,
    byClass: [...classes.values()].sort(byNodes),
    byRegion: [...regions.values()].sort(byNodes),
    tflops,
    vramGib,
    stake,
    stakeUnknown,
    byVerdict: [...verdicts].map(([label, n]) => ({ label, nodes: n })).sort(byNodes),
  };
}
