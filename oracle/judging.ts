/**
 * From an epoch's challenge records to the per-node inputs of the report: counts, latency,
 * measured throughput against the claim, verified work, and the verdict with its slash.
 * Pure: no I/O, the registry view is passed in.
 *
 * Measured throughput of one challenge = its work / (commit time - latency start). The latency
 * start is the challenge's due instant, the same for every node of the round (delivery.ts picks
 * it: the push when the node's session was open at the due instant, so the oracle's own lag is
 * not the node's; the due instant itself when the node was absent or polled), never the node's
 * own pick-up, which identities sharing one machine could stagger. The node computes before it
 * can commit, so this is compute time plus the push and one round trip (which make the node look
 * slightly slower, never faster). A challenge is on time when that latency is within its on-time
 * span (protocol/deadline.ts); only those are paid: verified work, and the uptime share.
 */
import { keccak256, stringToBytes, type Address, type Hex } from "viem";
import { MAX_JUDGE_WINDOW_EPOCHS } from "../engine/judge";
import { SlashReason, type SlashEntry } from "../protocol";
import type { NodeRecord } from "./chain";
import { judgeNode, type JudgeSample } from "./judge-rule";
import type { NodeEpochInput } from "./report";
import { NODE_VERDICT } from "../engine/rewards";
import type { JudgedRow } from "./store/challenges";
import { CHALLENGE_VERDICT } from "./store/status";

export interface JudgeOptions {
  fraudSlashBps: number;
  overclaimSlashBps: number;
  nowMs: number;
  /** Consecutive condemned epochs, this one included, before an overclaim is slashed (default 1). */
  overclaimSlashAfterEpochs?: number;
  /** Per node (lower case): condemned epochs in a row just before this one (see condemnedStreak). */
  priorCondemned?: ReadonlyMap<string, number>;
  /**
   * A node's (lower case) challenge records of the earlier epochs of the judge's window (see
   * store/challenges.ts windowRows), whatever claim they were planned under.
   */
  earlier?: (node: string) => readonly JudgedRow[];
}

/** Most challenges judged per node per epoch (the config allows at most 64). */
export const MAX_PER_NODE = 64;
/** Most earlier epochs of one node read to count its condemnations in a row. */
export const MAX_VERDICT_LOOKBACK = 64;

/**
 * Under-delivering epochs in a row before the one being judged, from the node's earlier verdicts
 * (newest first, at most MAX_VERDICT_LOOKBACK read). An honest verdict ends the run; so does an
 * epoch whose overclaim was already slashed (that slash answered those epochs). Epochs without a
 * throughput verdict (unavailable, fraudulent, or none recorded) neither count nor end it, as in
 * the simulator that measured the policy (sim/runner.ts).
 */
export function condemnedStreak(history: readonly { verdict: string; slashReason: number }[]): number {
  let n = 0;
  for (const h of history.slice(0, MAX_VERDICT_LOOKBACK)) {
    if (h.verdict === NODE_VERDICT.Honest) break;
    if (h.verdict !== NODE_VERDICT.UnderDelivering) continue;
    if (h.slashReason === Number(SlashReason.Overclaim)) break;
    n++;
  }
  return n;
}

/** One challenge record as the judge reads it. */
function toSample(r: JudgedRow): JudgeSample {
  const meta = JSON.parse(r.claim) as { mflop: number; expectedMs: number; onTimeMs?: number };
  const elapsedMs = r.committed_at !== null && r.issued_at !== null ? Math.max(1, r.committed_at - r.issued_at) : undefined;
  // A record planned before the on-time span existed carries none: on time if answered at all.
  const onTime = elapsedMs !== undefined && (meta.onTimeMs === undefined || elapsedMs <= meta.onTimeMs);
  return {
    onTime,
    kind: r.kind,
    spec: r.spec,
    verdict: r.verdict ?? CHALLENGE_VERDICT.Missed,
    issued: r.issued_at !== null,
    answered: r.verdict === CHALLENGE_VERDICT.Pass || r.verdict === CHALLENGE_VERDICT.Fail || r.verdict === CHALLENGE_VERDICT.Fraud,
    elapsedMs,
    expectedMs: meta.expectedMs,
    mflop: meta.mflop,
    evidence: r.evidence as Hex | null,
  };
}

export function judgeEpoch(rows: readonly JudgedRow[], registry: ReadonlyMap<string, Pick<NodeRecord, "operator">>, o: JudgeOptions): NodeEpochInput[] {
  const byNode = new Map<string, JudgedRow[]>();
  // A void challenge (the oracle's own delay or downtime) leaves every count, numerator and
  // denominator alike; a node whose every challenge was void is not judged this epoch.
  for (const r of rows) {
    if (r.verdict === CHALLENGE_VERDICT.Void) continue;
    const list = byNode.get(r.node) ?? [];
    if (list.length < MAX_PER_NODE) list.push(r);
    byNode.set(r.node, list);
  }
  const out: NodeEpochInput[] = [];
  for (const [node, list] of [...byNode].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const meta0 = JSON.parse(list[0].claim) as { claim: { gflops: number }; operator: Address };
    const operator = (registry.get(node)?.operator ?? meta0.operator) as Address;
    const samples = list.map(toSample);
    // The window: every earlier record, each measured against the claim it was sized to. A claim
    // change does not start a new window, or an overclaimer could dodge the test by changing its
    // claim every epoch (NodeRegistry.updateClaim).
    const earlier = (o.earlier?.(node) ?? []).filter((r) => r.verdict !== CHALLENGE_VERDICT.Void).slice(0, MAX_PER_NODE * (MAX_JUDGE_WINDOW_EPOCHS - 1)).map(toSample);
    const j = judgeNode(samples, meta0.claim.gflops, earlier);
    const latencies = samples.filter((s) => s.answered && s.elapsedMs !== undefined).map((s) => s.elapsedMs!);
    const meanLatencyMs = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0;
    let verifiedWork = 0n;
    let onTime = 0;
    for (const s of samples) {
      if (s.verdict !== CHALLENGE_VERDICT.Pass || !s.onTime) continue;
      verifiedWork += BigInt(Math.floor(s.mflop)); // rounds down
      onTime++;
    }
    let slash: SlashEntry | undefined;
    if (j.verdict === NODE_VERDICT.Fraudulent) {
      slash = { node: node as Address, bps: o.fraudSlashBps, reason: SlashReason.Fraud, evidence: j.evidence ?? keccak256(stringToBytes(`fraud:${node}`)) };
    } else if (j.slashReason === SlashReason.Overclaim && j.slashBps > 0 && 1 + (o.priorCondemned?.get(node) ?? 0) >= (o.overclaimSlashAfterEpochs ?? 1)) {
      // Condemned in enough epochs in a row: one condemnation alone may be throttling or a lossy
      // link (the under-delivering verdict already lowers this epoch's pay either way).
      // The engine grades the slash by the overstatement; the operator's setting caps it.
      slash = { node: node as Address, bps: Math.min(j.slashBps, o.overclaimSlashBps), reason: SlashReason.Overclaim, evidence: j.evidence ?? keccak256(stringToBytes(`overclaim:${node}`)) };
    }
    out.push({
      node: node as Address,
      operator,
      verdict: j.verdict,
      challenges: list.length,
      passed: samples.filter((s) => s.verdict === CHALLENGE_VERDICT.Pass).length,
      answered: samples.filter((s) => s.answered).length,
      onTime,
      claimGflops: Math.max(0, Math.floor(meta0.claim.gflops)),
      meanLatencyMs,
      scoreDeviationPpm: Math.round(j.ratio * 1_000_000),
      verifiedWork: verifiedWork.toString(),
      ...(slash ? { slash } : {}),
    });
  }
  return out;
}

/**
 * judgeEpoch's inputs as plain data, the form in which they cross to a worker thread (pool.ts):
 * the epoch's records, each node's operator (lower-case node -> operator), and per node its
 * condemned epochs in a row and its records of the window's earlier epochs, read beforehand.
 */
export interface PlainJudgeInput {
  rows: JudgedRow[];
  operators: Record<string, Address>;
  options: Omit<JudgeOptions, "priorCondemned" | "earlier"> & {
    priorCondemned: Record<string, number>;
    earlier: Record<string, JudgedRow[]>;
  };
}

const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);

/** judgeEpoch over plain inputs: the same verdicts as over the maps and the window reader. */
export function judgeEpochPlain({ rows, operators, options }: PlainJudgeInput): NodeEpochInput[] {
  const { priorCondemned, earlier, ...rest } = options;
  return judgeEpoch(rows, new Map(Object.entries(operators).map(([node, operator]) => [node, { operator }])), {
    ...rest,
    priorCondemned: new Map(Object.entries(priorCondemned)),
    earlier: (node) => own(earlier, node) ?? [],
  });
}
