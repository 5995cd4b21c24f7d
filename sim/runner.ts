/**
 * Runs a fleet through epochs of challenges: the oracle's schedule, each node's answers under
 * its behaviour and the timing noise model (answers.ts), the oracle's openings (a hypergeometric draw per
 * challenge; real-check.ts runs the real engine on small instances to validate that draw), the engine's judge,
 * the oracle's reward split, slashes and jail. Pure: no I/O, deterministic for a seed.
 */
import type { PoaiErrorOptions } from "../engine/errors";
import { SimError } from "./errors";
import type { Address } from "viem";
import { computeEpochRewards, type NodeOutcome as RewardInput } from "../engine/rewards";
import { BEHAVIOURS, type BehaviourName } from "./behaviours";
import { DEFAULT_ECONOMICS, epochCost, slashAmount, type EconomicParams } from "./economics";
import {
  hardwareClasses,
  judgeNode,
  MAX_JUDGE_WINDOW_EPOCHS,
  planChallenge,
  type ChallengeKind,
  type ChallengePlan,
  type JudgeParams,
  type JudgeSample,
  type Verdict,
} from "./engine-adapter";
import { buildFleet, type SimNode } from "./fleet";
import { deadlineRule, MAX_ROUNDS, PROJECT_DEFAULTS, type ProtocolParams } from "./params";
import { firstComeFirstServed, processorSharing } from "./processor-sharing";
import { Rng, Stream } from "./rng";
import { drawWrongOpened } from "./sampling";
import { drawThrottle } from "./timing";

import { simulateAnswers } from "./answers";
export const MAX_EPOCHS = 1000;
/** Score-deviation histogram: bins of DEV_BIN_WIDTH from 0 to DEV_BINS * DEV_BIN_WIDTH. */
export const DEV_BINS = 60;
export const DEV_BIN_WIDTH = 0.025;
export const DEFAULT_EPOCH_MS = 3_600_000;

/** A run configuration out of its bounds (SM004). */
export class RunError extends SimError {
  override name = "RunError";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super("SimRunBadInput", shortMessage, opts);
  }
}

export interface RunConfig {
  seed: number;
  nodes: number;
  epochs: number;
  mix: Record<BehaviourName, number>;
  epochMs: number;
  protocol: ProtocolParams;
  economics: EconomicParams;
  /** Probability that the infer verifier flags one opened item of a substituted model. */
  inferItemDetection: number;
  /** Overrides of the engine judge's parameters (none by default). */
  judge: Partial<JudgeParams>;
  onProgress?: (done: number, total: number) => void;
}

export interface NodeOutcome {
  index: number;
  behaviour: BehaviourName;
  hwName: string;
  /** Peak of one device of the class doing the work, GFLOP/s. */
  hwPeakGflops: number;
  claimedGflops: number;
  heldGflops: number;
  rentedGflops: number;
  /** Sustained throughput of the hardware this identity holds or rents, GFLOP/s (its share of a sybil's GPU). */
  sustainedGflops: number;
  stake: number;
  verdicts: Verdict[];
  /** First epoch judged under-delivering or fraudulent, -1 if never. */
  firstCaught: number;
  /** Epoch of the slash, -1 if never slashed. */
  slashedEpoch: number;
  slashReason: "fraud" | "overclaim" | null;
  reward: number;
  slashed: number;
  cost: number;
  side: number;
}

export interface RunResult {
  config: Omit<RunConfig, "onProgress">;
  nodes: NodeOutcome[];
  /** Per behaviour: histogram of measured/claimed throughput of answered gemm challenges. */
  deviation: Record<BehaviourName, number[]>;
  /** Per behaviour, per epoch: identities caught so far (cumulative). */
  caughtByEpoch: Record<BehaviourName, number[]>;
  counts: Record<BehaviourName, number>;
  challenges: number;
  challengesByKind: Record<ChallengeKind, number>;
  judgeCalls: number;
}

function nodeAddress(index: number): Address {
  return `0x${(index + 1).toString(16).padStart(40, "0")}` as Address;
}

export function runFleet(cfg: RunConfig): RunResult {
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 1 || cfg.epochs > MAX_EPOCHS) {
    throw new RunError(`epochs must be in [1, ${MAX_EPOCHS}], got ${cfg.epochs}`);
  }
  const p = cfg.protocol;
  if (!Number.isInteger(p.roundsPerEpoch) || p.roundsPerEpoch < 1 || p.roundsPerEpoch > MAX_ROUNDS) {
    throw new RunError(`roundsPerEpoch must be in [1, ${MAX_ROUNDS}], got ${p.roundsPerEpoch}`);
  }
  if (p.kinds.length === 0) throw new RunError("no challenge kinds");
  if (!Number.isInteger(p.overclaimSlashAfter) || p.overclaimSlashAfter < 1 || p.overclaimSlashAfter > MAX_EPOCHS) {
    throw new RunError(`overclaimSlashAfter must be in [1, ${MAX_EPOCHS}], got ${p.overclaimSlashAfter}`);
  }
  if (!(cfg.epochMs > 0)) throw new RunError(`epochMs must be positive, got ${cfg.epochMs}`);
  if (!Number.isInteger(p.judgeWindowEpochs) || p.judgeWindowEpochs < 1 || p.judgeWindowEpochs > MAX_JUDGE_WINDOW_EPOCHS) {
    throw new RunError(`judgeWindowEpochs must be in [1, ${MAX_JUDGE_WINDOW_EPOCHS}], got ${p.judgeWindowEpochs}`);
  }
  const econ = cfg.economics;
  const fleet = buildFleet(cfg.seed, cfg.nodes, cfg.mix, hardwareClasses(), econ);
  const n = fleet.length;
  const outcomes: NodeOutcome[] = fleet.map((nd) => ({
    index: nd.index,
    behaviour: nd.behaviour,
    hwName: nd.hw.name,
    hwPeakGflops: nd.hw.peakGflops,
    claimedGflops: nd.claim.gflops,
    heldGflops: nd.heldGflops,
    rentedGflops: nd.rentedGflops,
    sustainedGflops: (nd.actualGflops * (nd.heldGflops + nd.rentedGflops)) / nd.hw.peakGflops,
    stake: nd.stake,
    verdicts: [],
    firstCaught: -1,
    slashedEpoch: -1,
    slashReason: null,
    reward: 0,
    slashed: 0,
    cost: 0,
    side: 0,
  }));
  const rule = deadlineRule(p);
  const plans = fleet.map((nd) => {
    const mk = (k: ChallengeKind) => planChallenge(k, nd.claim, p.targetMs, k === "infer" ? p.inferOpenings ?? p.openings : p.openings, rule);
    return { gemm: mk("gemm"), infer: mk("infer") } as Record<ChallengeKind, ChallengePlan>;
  });
  const jailed = new Uint8Array(n);
  const streak = new Uint16Array(n); // consecutive under-delivering epochs
  const stake = Float64Array.from(fleet, (nd) => nd.stake);
  const replayCache = new Uint8Array(n); // bit 1: has a gemm answer, bit 2: an infer answer
  // The judge's window: each node's samples of its last judgeWindowEpochs - 1 epochs, oldest first.
  const windowEpochs = p.judgeWindowEpochs;
  const history: JudgeSample[][][] = fleet.map(() => []);
  const deviation = {} as Record<BehaviourName, number[]>;
  const caughtByEpoch = {} as Record<BehaviourName, number[]>;
  const counts = {} as Record<BehaviourName, number>;
  const caughtSoFar = {} as Record<BehaviourName, number>;
  for (const b of BEHAVIOURS) {
    deviation[b] = new Array(DEV_BINS).fill(0);
    caughtByEpoch[b] = [];
    counts[b] = 0;
    caughtSoFar[b] = 0;
  }
  for (const nd of fleet) counts[nd.behaviour]++;
  const budgetTokens = (econ.budgetPerFleetTflop * fleet.reduce((s, nd) => s + nd.claim.gflops, 0)) / 1000;
  // Token base units with 18 decimals, as the oracle computes them; micro-token precision suffices.
  const budgetWei = BigInt(Math.floor(budgetTokens * 1e6)) * 10n ** 12n;
  const addresses = fleet.map((nd) => nodeAddress(nd.index));
  let challenges = 0;
  const challengesByKind: Record<ChallengeKind, number> = { gemm: 0, infer: 0 };
  let judgeCalls = 0;
  const totalSteps = cfg.epochs * n;
  let steps = 0;

  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    const rewardInputs: RewardInput[] = [];
    const slashes = new Map<number, { reason: "fraud" | "overclaim"; bps: number }>();
    const freed = new Float64Array(n);
    for (let g = 0; g < n; ) {
      const head = fleet[g];
      const size = head.groupSize;
      const members: SimNode[] = [];
      for (let s = 0; s < size; s++) if (!jailed[g + s]) members.push(fleet[g + s]);
      g += size;
      steps += size;
      if (cfg.onProgress && (steps % 2000 < size || steps === totalSteps)) cfg.onProgress(steps, totalSteps);
      if (members.length === 0) continue;
      // One GPU per group: one throttling episode for all its identities.
      const episode = drawThrottle(new Rng(cfg.seed, Stream.throttle, head.index, epoch));
      const attempts = members.map((nd) => simulateAnswers(cfg, nd, plans[nd.index], epoch, episode, replayCache, freed));
      // The jobs of one GPU share it (only a sybil group has more than one member): at once
      // (processor sharing), or in turn (first come first served, each waiting for the one before).
      if (members.length > 1) {
        const arrivals: number[] = [];
        const works: number[] = [];
        for (const list of attempts) {
          for (const a of list) {
            arrivals.push(a.at + (a.pickupMs ?? 0));
            works.push(a.pickupMs === null ? 0 : a.workMs);
          }
        }
        let j = 0;
        if (head.spec.sharing === "serial") {
          const start = firstComeFirstServed(arrivals, works);
          for (const list of attempts) for (const a of list) a.waitMs = start[j] - arrivals[j++];
        } else {
          const done = processorSharing(arrivals, works);
          for (const list of attempts) for (const a of list) a.workMs = done[j] - arrivals[j++];
        }
      }
      members.forEach((nd, m) => {
        const rng = new Rng(cfg.seed, Stream.openings, nd.index, epoch);
        const samples: JudgeSample[] = [];
        let verifiedMflop = 0;
        let onTimeCount = 0;
        for (const a of attempts[m]) {
          challenges++;
          challengesByKind[a.plan.kind]++;
          // From the due instant to the commitment: the push, any wait for the GPU, the work, the commit.
          const fromDue = a.pickupMs !== null && a.commitMs !== null ? a.pickupMs + a.waitMs + Math.max(a.workMs, a.mimicMs) + a.commitMs : Infinity;
          // What the oracle times: from the due instant, or (the former rule) from the node's own
          // pick-up, which a serialising sybil put off until its turn on the GPU.
          const latencyMs = p.rules.timing === "due" ? fromDue : fromDue - (a.pickupMs ?? 0) - a.waitMs;
          // The cut-off counts from the due instant under both rules.
          const answered = a.openMs !== null && a.pickupMs !== null && fromDue <= a.plan.deadlineMs;
          const onTime = answered && latencyMs <= a.plan.onTimeMs;
          let wrongOpened = 0;
          if (answered) {
            if (a.substituted) {
              for (let i = 0; i < a.plan.openings; i++) if (rng.chance(cfg.inferItemDetection)) wrongOpened++;
            } else {
              wrongOpened = drawWrongOpened(a.plan.units, a.wrongRows, a.plan.openings, rng);
            }
            if (a.plan.kind === "gemm") {
              // Score deviation: measured / claimed throughput.
              const dev = a.plan.flops / (latencyMs / 1000) / 1e9 / nd.claim.gflops;
              deviation[nd.behaviour][Math.min(DEV_BINS - 1, Math.floor(dev / DEV_BIN_WIDTH))]++;
            }
            if (wrongOpened === 0 && onTime) {
              verifiedMflop += a.plan.flops / 1e6;
              onTimeCount++;
            }
          }
          samples.push({ plan: a.plan, reached: a.pickupMs !== null, answered, onTime, latencyMs, rttEstimateMs: nd.timing.rttMs, wrongOpened });
        }
        judgeCalls++;
        const past = history[nd.index];
        const j = judgeNode(nd.claim, samples, cfg.judge, past.flat());
        if (windowEpochs > 1 && j.verdict !== "unavailable") {
          // The oracle leaves the epochs it judged unavailable out of the window (oracle/store/challenges.ts windowRows).
          past.push(samples);
          if (past.length > windowEpochs - 1) past.shift();
        }
        const out = outcomes[nd.index];
        out.verdicts.push(j.verdict);
        if ((j.verdict === "fraudulent" || j.verdict === "under-delivering" || j.slash) && out.firstCaught < 0) {
          out.firstCaught = epoch;
          caughtSoFar[nd.behaviour]++;
        }
        if (j.verdict === "under-delivering") streak[nd.index]++;
        else if (j.verdict === "honest") streak[nd.index] = 0;
        const due = j.slash === "fraud" || (j.slash === "overclaim" && streak[nd.index] >= p.overclaimSlashAfter);
        // The contract refuses a slash of 0 bps: a condemnation without a share is not submitted.
        if (j.slash && due && j.slashBps > 0) slashes.set(nd.index, { reason: j.slash, bps: j.slashBps });
        rewardInputs.push({
          node: addresses[nd.index],
          operator: addresses[nd.group],
          verdict: j.verdict,
          // The judge's paid ratio, clamped at the scenario's cap (the oracle's rewards.ts clamps at PAY_CAP_RATIO).
          verifiedWork: BigInt(Math.floor(verifiedMflop)),
          capacityPpm: BigInt(Math.floor(Math.min(econ.payCapRatio, Math.max(0, j.ratio)) * 1e6)),
          // The on-time share of passed challenges, rounded down.
          uptimePpm: BigInt(Math.floor((onTimeCount / samples.length) * 1e6)),
          claimGflops: BigInt(Math.floor(nd.claim.gflops)),
        });
      });
      // A sybil group is caught when any of its identities is: the operator's split claim is
      // exposed, and once that identity is jailed the others hold the whole GPU and deliver their
      // claims (they are no longer a sybil). Counted per identity, the rest of the group was caught then too.
      if (members.length > 1 && members.some((nd) => outcomes[nd.index].firstCaught === epoch)) {
        for (let s = 0; s < size; s++) {
          const out = outcomes[head.index + s];
          if (out.firstCaught < 0) {
            out.firstCaught = epoch;
            caughtSoFar[out.behaviour]++;
          }
        }
      }
    }
    // The oracle's own reward split (engine/rewards.ts), in token base units.
    const rewards = p.rules.uptime === "capacity" ? computeEpochRewards(budgetWei, econ.uptimeShareBps, rewardInputs) : flatUptimeRewards(budgetWei, econ.uptimeShareBps, rewardInputs);
    for (let i = 0; i < n; i++) {
      if (jailed[i]) continue;
      const nd = fleet[i];
      const out = outcomes[i];
      const wei = rewards.perNode.get(addresses[i].toLowerCase()) ?? 0n;
      out.reward += Number(wei / 10n ** 12n) / 1e6;
      out.cost += epochCost(econ, nd.heldGflops, stake[i]) + (econ.rentPerTflopEpoch * nd.rentedGflops) / 1000;
      out.side += (econ.rentPerTflopEpoch * nd.heldGflops * freed[i]) / 1000;
      const slash = slashes.get(i);
      if (slash) {
        // The judge's suggested share (engine/judge.ts), taken from the stake left.
        const amount = slashAmount(stake[i], slash.bps);
        out.slashed += amount;
        stake[i] -= amount;
        out.slashedEpoch = epoch;
        out.slashReason = slash.reason;
        jailed[i] = 1; // NodeRegistry.slash jails; the simulator keeps a slashed node out for the rest of the run
      }
    }
    for (const b of BEHAVIOURS) caughtByEpoch[b].push(caughtSoFar[b]);
  }
  const { onProgress: _o, ...config } = cfg;
  return { config, nodes: outcomes, deviation, caughtByEpoch, counts, challenges, challengesByKind, judgeCalls };
}

/**
 * The former reward split (rules.uptime "flat"): the work pool as the oracle splits it, the
 * uptime pool by each identity's on-time share alone. Built from the engine's own split: the
 * uptime pool's weights with every claim and capacity equal are the shares themselves.
 */
function flatUptimeRewards(budget: bigint, uptimeShareBps: number, outcomes: readonly RewardInput[]): ReturnType<typeof computeEpochRewards> {
  // Rounds down as the engine does: the uptime pool takes the work pool's remainder.
  const workPool = (budget * BigInt(10_000 - uptimeShareBps)) / 10_000n;
  const work = computeEpochRewards(workPool, 0, outcomes);
  const up = computeEpochRewards(budget - workPool, 10_000, outcomes.map((o) => ({ ...o, claimGflops: 1n, capacityPpm: 1_000_000n })));
  const perNode = new Map(work.perNode);
  for (const [k, v] of up.perNode) perNode.set(k, (perNode.get(k) ?? 0n) + v);
  const perAccount = new Map(work.perAccount);
  for (const [k, v] of up.perAccount) perAccount.set(k, (perAccount.get(k) ?? 0n) + v);
  return { perNode, perAccount, total: work.total + up.total };
}

export function defaultConfig(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    seed: 1,
    nodes: 300,
    epochs: 4,
    mix: Object.fromEntries(BEHAVIOURS.map((b) => [b, 1])) as Record<BehaviourName, number>,
    epochMs: DEFAULT_EPOCH_MS,
    protocol: PROJECT_DEFAULTS,
    economics: DEFAULT_ECONOMICS,
    inferItemDetection: 1,
    judge: {},
    ...overrides,
  };
}
