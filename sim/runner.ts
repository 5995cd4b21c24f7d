/**
 * Runs a fleet through epochs of challenges: the schedule, each node's answers under its
 * behaviour and the timing noise model, the oracle's openings (a hypergeometric draw per
 * challenge, or the real engine verifier on a small instance for a sample), the engine's judge,
 * and rewards and slashes. Pure: no I/O, deterministic for a seed.
 */
import { BEHAVIOURS, INTERMITTENT_AWAY_SHARE, SUBSTITUTE_SPEEDUP, type BehaviourName } from "./behaviours";
import { DEFAULT_ECONOMICS, epochCost, slashAmount, type EconomicParams } from "./economics";
import {
  hardwareClasses,
  judgeNode,
  planChallenge,
  roundKind,
  ROUNDS_PER_EPOCH,
  INFER_ITEM_DETECTION,
  type ChallengePlan,
  type SimChallengeResult,
  type Verdict,
} from "./engine-adapter";
import { buildFleet, type SimNode } from "./fleet";
import { processorSharing } from "./processor-sharing";
import { Rng, Stream } from "./rng";
import { drawWrongOpened, forgedRows } from "./sampling";
import { computeMs, drawThrottle, networkMs, throttleAt, type NodeTiming, type ThrottleEpisode } from "./timing";

export const MAX_EPOCHS = 1000;
/** A lost exchange is retried after this timeout, at most MAX_RETRIES times. */
export const RETRY_TIMEOUT_MS = 2000;
export const MAX_RETRIES = 2;
/** Spread of the oracle's hand-out of one synchronous round across the fleet, ms. */
export const DISPATCH_SPREAD_MS = 5000;
/** Time an agent needs to hash and commit an answer it made up or replayed, ms. */
export const FAKE_ANSWER_MS = 50;
/** Efficiency a faking node pretends to have when it delays its answer to look honest. */
export const MIMIC_EFFICIENCY = 0.85;
/** Efficiency of the rented GPU an outsourcer forwards to. */
export const RENTED_EFFICIENCY = 0.85;
/** Score-deviation histogram: bins of DEV_BIN_WIDTH from 0 to DEV_BINS * DEV_BIN_WIDTH. */
export const DEV_BINS = 60;
export const DEV_BIN_WIDTH = 0.025;

export type Schedule = "synchronous" | "independent";

export class RunError extends Error {
  constructor(message: string) {
    super(`SimRunBadInput: ${message}`);
    this.name = "RunError";
  }
}

/** A check of one challenge by the real engine on a small instance: wrong rows opened. */
export type RealCheck = (seed: number, index: number, epoch: number, round: number, forgedFraction: number) => number;

export interface RunConfig {
  seed: number;
  nodes: number;
  epochs: number;
  mix: Record<BehaviourName, number>;
  epochMs: number;
  schedule: Schedule;
  economics: EconomicParams;
  /** Share of gemm challenges also verified for real by `realCheck`. */
  realCheckRate: number;
  realCheck?: RealCheck;
  onEpoch?: (epoch: number, epochs: number) => void;
}

export const DEFAULT_EPOCH_MS = 3_600_000;

export interface NodeOutcome {
  index: number;
  behaviour: BehaviourName;
  hwName: string;
  claimedGflops: number;
  heldGflops: number;
  stake: number;
  verdicts: Verdict[];
  /** First epoch judged under-delivering or fraudulent, -1 if never. */
  firstCaught: number;
  /** Epoch of the slash, -1 if never slashed. */
  slashedEpoch: number;
  slashReason: number;
  reward: number;
  slashed: number;
  cost: number;
  side: number;
  activeEpochs: number;
}

export interface RunResult {
  config: Omit<RunConfig, "realCheck" | "onEpoch">;
  nodes: NodeOutcome[];
  /** Per behaviour: histogram of measured/claimed throughput of answered challenges. */
  deviation: Record<BehaviourName, number[]>;
  /** Per behaviour, per epoch: identities caught so far (cumulative). */
  caughtByEpoch: Record<BehaviourName, number[]>;
  counts: Record<BehaviourName, number>;
  challenges: number;
  judgeCalls: number;
  realChecks: { count: number; caught: number; drawnWouldCatch: number };
}

interface Attempt {
  plan: ChallengePlan;
  at: number; // ms from epoch start when handed out
  handoutMs: number | null; // delay to deliver the challenge, null if lost for good
  workMs: number; // compute on the GPU the identity uses
  mimicMs: number; // if > 0, the answer is faked and delayed to this compute time
  commitMs: number | null; // commit exchange, null if lost
  openMs: number | null; // opening exchange, null if lost
  wrongRows: number; // rows made up or replayed
  substituted: boolean;
  forgedFraction: number;
}

function exchange(t: NodeTiming, rng: Rng): number | null {
  let spent = 0;
  for (let attempt = 0; attempt <= MAX_RETRIES; attempt++) {
    const ms = networkMs(t, rng);
    if (ms !== null) return spent + ms;
    spent += RETRY_TIMEOUT_MS;
  }
  return null;
}

function roundTimes(seed: number, epoch: number, node: number, schedule: Schedule): number[] {
  const rng = schedule === "synchronous" ? new Rng(seed, Stream.schedule, epoch) : new Rng(seed, Stream.schedule, epoch, node + 1);
  const ts: number[] = [];
  for (let r = 0; r < ROUNDS_PER_EPOCH; r++) ts.push(rng.uniform());
  return ts.sort((a, b) => a - b);
}

export function runFleet(cfg: RunConfig): RunResult {
  if (!Number.isInteger(cfg.epochs) || cfg.epochs < 1 || cfg.epochs > MAX_EPOCHS) {
    throw new RunError(`epochs must be in [1, ${MAX_EPOCHS}], got ${cfg.epochs}`);
  }
  if (!(cfg.epochMs > 0)) throw new RunError(`epochMs must be positive, got ${cfg.epochMs}`);
  if (!(cfg.realCheckRate >= 0 && cfg.realCheckRate <= 1)) throw new RunError(`realCheckRate must be in [0, 1]`);
  const econ = cfg.economics;
  const fleet = buildFleet(cfg.seed, cfg.nodes, cfg.mix, hardwareClasses(), econ);
  const n = fleet.length;
  const outcomes: NodeOutcome[] = fleet.map((nd) => ({
    index: nd.index,
    behaviour: nd.behaviour,
    hwName: nd.hw.name,
    claimedGflops: nd.claimedGflops,
    heldGflops: nd.heldGflops,
    stake: nd.stake,
    verdicts: [],
    firstCaught: -1,
    slashedEpoch: -1,
    slashReason: 0,
    reward: 0,
    slashed: 0,
    cost: 0,
    side: 0,
    activeEpochs: 0,
  }));
  const jailed = new Uint8Array(n);
  const stake = Float64Array.from(fleet, (nd) => nd.stake);
  const replayCache = new Uint8Array(n); // bit 1: has a gemm answer, bit 2: has an infer answer
  const deviation = {} as Record<BehaviourName, number[]>;
  const caughtByEpoch = {} as Record<BehaviourName, number[]>;
  const counts = {} as Record<BehaviourName, number>;
  for (const b of BEHAVIOURS) {
    deviation[b] = new Array(DEV_BINS).fill(0);
    caughtByEpoch[b] = [];
    counts[b] = 0;
  }
  for (const nd of fleet) counts[nd.behaviour]++;
  const budget = (econ.budgetPerFleetTflop * fleet.reduce((s, nd) => s + nd.claimedGflops, 0)) / 1000;
  let challenges = 0;
  let judgeCalls = 0;
  const realChecks = { count: 0, caught: 0, drawnWouldCatch: 0 };
  const caughtSoFar = {} as Record<BehaviourName, number>;
  for (const b of BEHAVIOURS) caughtSoFar[b] = 0;

  for (let epoch = 0; epoch < cfg.epochs; epoch++) {
    const syncTimes = roundTimes(cfg.seed, epoch, 0, "synchronous");
    const weights = new Float64Array(n);
    const slashBps = new Uint16Array(n);
    const freed = new Float64Array(n);
    for (let g = 0; g < n; ) {
      const head = fleet[g];
      const size = head.groupSize;
      const members: SimNode[] = [];
      for (let s = 0; s < size; s++) if (!jailed[g + s]) members.push(fleet[g + s]);
      g += size;
      if (members.length === 0) continue;
      // One GPU per group: one throttling episode for all its identities.
      const groupRng = new Rng(cfg.seed, Stream.throttle, head.index, epoch);
      const episode: ThrottleEpisode | null = drawThrottle(groupRng);
      const attempts: Attempt[][] = members.map((nd) => simulateAnswers(cfg, nd, epoch, syncTimes, episode, replayCache, freed));
      // Concurrent jobs of one GPU share it (only sybil groups have more than one member).
      if (members.length > 1) {
        const arrivals: number[] = [];
        const works: number[] = [];
        for (const list of attempts) {
          for (const a of list) {
            arrivals.push(a.at + (a.handoutMs ?? 0));
            works.push(a.handoutMs === null ? 0 : a.mimicMs > 0 ? 0 : a.workMs);
          }
        }
        const done = processorSharing(arrivals, works);
        let j = 0;
        for (const list of attempts) for (const a of list) a.workMs = done[j] - arrivals[j++];
      }
      members.forEach((nd, m) => {
        const rng = new Rng(cfg.seed, Stream.openings, nd.index, epoch);
        const results: SimChallengeResult[] = [];
        for (const [r, a] of attempts[m].entries()) {
          challenges++;
          const answered = a.handoutMs !== null && a.commitMs !== null && a.openMs !== null;
          const elapsedMs = answered ? a.handoutMs! + Math.max(a.workMs, a.mimicMs) + a.commitMs! : Infinity;
          let wrongOpened = 0;
          if (answered) {
            if (a.substituted) {
              for (let i = 0; i < a.plan.openings; i++) if (rng.chance(INFER_ITEM_DETECTION.prob)) wrongOpened++;
            } else {
              wrongOpened = drawWrongOpened(a.plan.units, a.wrongRows, a.plan.openings, rng);
            }
            if (cfg.realCheck && a.plan.kind === "gemm" && rng.chance(cfg.realCheckRate)) {
              const real = cfg.realCheck(cfg.seed, nd.index, epoch, r, a.wrongRows === a.plan.units ? 1 : a.forgedFraction);
              realChecks.count++;
              if (real > 0) realChecks.caught++;
              if (wrongOpened > 0) realChecks.drawnWouldCatch++;
              wrongOpened = real;
            }
            const dev = (a.plan.flops / (elapsedMs / 1000) / 1e9) / nd.claimedGflops;
            deviation[nd.behaviour][Math.min(DEV_BINS - 1, Math.floor(dev / DEV_BIN_WIDTH))]++;
          }
          results.push({ plan: a.plan, answered, elapsedMs, wrongOpened });
        }
        judgeCalls++;
        const j = judgeNode(nd.claimedGflops, results);
        const out = outcomes[nd.index];
        out.verdicts.push(j.verdict);
        if ((j.verdict === "fraudulent" || j.verdict === "under-delivering" || j.slashBps > 0) && out.firstCaught < 0) {
          out.firstCaught = epoch;
          caughtSoFar[nd.behaviour]++;
        }
        weights[nd.index] = j.paidGflops * j.uptime;
        if (j.slashBps > 0) {
          slashBps[nd.index] = j.slashBps;
          out.slashReason = j.reason;
        }
      });
    }
    let totalWeight = 0;
    for (let i = 0; i < n; i++) if (!jailed[i]) totalWeight += weights[i];
    for (let i = 0; i < n; i++) {
      if (jailed[i]) continue;
      const nd = fleet[i];
      const out = outcomes[i];
      out.activeEpochs++;
      // Rounded down in the distributor, against the claimant; a float share here.
      out.reward += totalWeight > 0 ? (budget * weights[i]) / totalWeight : 0;
      out.cost += epochCost(econ, nd.heldGflops, stake[i]) + (econ.rentPerTflopEpoch * nd.rentedGflops) / 1000;
      out.side += (econ.rentPerTflopEpoch * nd.heldGflops * freed[i]) / 1000;
      if (slashBps[i] > 0) {
        const amount = slashAmount(stake[i], slashBps[i]);
        out.slashed += amount;
        stake[i] -= amount;
        out.slashedEpoch = epoch;
        jailed[i] = 1; // NodeRegistry.slash jails; the jail outlasts any simulated run
      }
    }
    for (const b of BEHAVIOURS) caughtByEpoch[b].push(caughtSoFar[b]);
    cfg.onEpoch?.(epoch + 1, cfg.epochs);
  }
  const { realCheck: _r, onEpoch: _o, ...config } = cfg;
  return { config, nodes: outcomes, deviation, caughtByEpoch, counts, challenges, judgeCalls, realChecks };
}

/** The answers of one identity in one epoch, before GPU sharing and the oracle's openings. */
function simulateAnswers(
  cfg: RunConfig,
  nd: SimNode,
  epoch: number,
  syncTimes: readonly number[],
  episode: ThrottleEpisode | null,
  replayCache: Uint8Array,
  freed: Float64Array,
): Attempt[] {
  const rng = new Rng(cfg.seed, Stream.challenge, nd.index, epoch);
  const spec = nd.spec;
  const times = cfg.schedule === "synchronous" ? syncTimes : roundTimes(cfg.seed, epoch, nd.index, "independent");
  const offset = cfg.schedule === "synchronous" ? rng.range(0, DISPATCH_SPREAD_MS) : 0;
  const meanGap = cfg.epochMs / ROUNDS_PER_EPOCH;
  let awayUntil = -Infinity;
  let awayMs = 0;
  const out: Attempt[] = [];
  for (let r = 0; r < times.length; r++) {
    const at = times[r] * cfg.epochMs + offset;
    const kind = roundKind(r);
    const plan = planChallenge(kind, nd.claimedGflops);
    const throttle = throttleAt(episode, times[r]);
    const honestWork = spec.outsources
      ? computeMs(plan.flops, nd.rentedGflops, RENTED_EFFICIENCY, 1, rng) + nd.hopMs
      : computeMs(plan.flops, nd.hw.peakGflops, nd.timing.efficiency, throttle, rng);
    const mimic = computeMs(plan.flops, nd.claimedGflops, MIMIC_EFFICIENCY, 1, rng);
    let workMs = honestWork;
    let mimicMs = 0;
    let wrongRows = forgedRows(plan.units, spec.forgedFraction);
    let substituted = false;
    if (spec.forgedFraction >= 1) {
      workMs = FAKE_ANSWER_MS;
      mimicMs = mimic;
    }
    const bit = kind === "gemm" ? 1 : 2;
    if (spec.replays) {
      if (replayCache[nd.index] & bit) {
        workMs = FAKE_ANSWER_MS;
        mimicMs = mimic;
        wrongRows = plan.units;
      } else {
        replayCache[nd.index] |= bit;
      }
    }
    if (spec.substitutesModel && kind === "infer") {
      substituted = true;
      mimicMs = mimic; // the cheaper model finishes early; the answer waits to look honest
      workMs = honestWork / SUBSTITUTE_SPEEDUP;
    }
    if (spec.intermittent) {
      if (at < awayUntil) {
        workMs = FAKE_ANSWER_MS;
        mimicMs = mimic;
        wrongRows = plan.units;
      }
      const back = at + INTERMITTENT_AWAY_SHARE * meanGap;
      awayMs += Math.max(0, Math.min(back, cfg.epochMs) - Math.max(at, awayUntil));
      awayUntil = back;
    }
    out.push({
      plan,
      at,
      handoutMs: exchange(nd.timing, rng),
      workMs,
      mimicMs,
      commitMs: exchange(nd.timing, rng),
      openMs: exchange(nd.timing, rng),
      wrongRows,
      substituted,
      forgedFraction: spec.forgedFraction,
    });
  }
  if (spec.intermittent) freed[nd.index] = Math.min(1, awayMs / cfg.epochMs);
  if (spec.replays && epoch > 0) freed[nd.index] = 1;
  return out;
}

export function defaultConfig(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    seed: 1,
    nodes: 300,
    epochs: 4,
    mix: Object.fromEntries(BEHAVIOURS.map((b) => [b, 1])) as Record<BehaviourName, number>,
    epochMs: DEFAULT_EPOCH_MS,
    schedule: "synchronous",
    economics: DEFAULT_ECONOMICS,
    realCheckRate: 0,
    ...overrides,
  };
}
