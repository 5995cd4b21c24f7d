/**
 * The answers of one identity in one epoch, before GPU sharing and the oracle's openings: when
 * each challenge is issued and picked up, how long its work takes under the node's behaviour and
 * timing noise, when the commitment and the openings arrive, and what was made up. Pure and
 * deterministic for a seed; runner.ts runs it for every identity of every epoch.
 */
import { INTERMITTENT_AWAY_SHARE, SUBSTITUTE_SPEEDUP } from "./behaviours";
import type { ChallengeKind, ChallengePlan } from "./engine-adapter";
import type { SimNode } from "./fleet";
import type { ProtocolParams } from "./params";
import { Rng, Stream } from "./rng";
import { forgedRows } from "./sampling";
import { computeMs, networkMs, throttleAt, type NodeTiming, type ThrottleEpisode } from "./timing";

/** A lost exchange is retried after this timeout, at most MAX_RETRIES times. */
export const RETRY_TIMEOUT_MS = 2000;
export const MAX_RETRIES = 2;
/**
 * Spread of the oracle's push of one synchronous round across the fleet, ms: each node's push
 * falls uniformly in it, so its mean is the mean delivery lag bench:oracle measured at 2,000
 * nodes, 42 ms (docs/oracle.md, Capacity; p99 <= 250 ms).
 */
export const DISPATCH_SPREAD_MS = 84;
/** Time an agent needs to hash and commit an answer it made up or replayed, ms. */
export const FAKE_ANSWER_MS = 50;
/** A faking node delays its answer to this multiple of the time its claim predicts, to look honest. */
export const MIMIC_SLOWDOWN = 1.03;

/** What of a run's configuration the answers depend on (runner.ts passes its RunConfig). */
export interface AnswerContext {
  seed: number;
  epochMs: number;
  protocol: ProtocolParams;
}

export interface Attempt {
  plan: ChallengePlan;
  at: number; // ms from epoch start when issued
  pickupMs: number | null; // due instant to the push reaching the node (one exchange), null if lost for good
  workMs: number; // GPU time the answer needs (before sharing)
  waitMs: number; // time it waited for the GPU (a serialising sybil's earlier identities), ms
  mimicMs: number; // if > 0, the answer is faked and held back until this time
  commitMs: number | null;
  openMs: number | null;
  wrongRows: number; // rows made up or replayed
  substituted: boolean;
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

/** The challenge pushed over the node's session at its due instant (oracle/delivery.ts). */
function pickup(t: NodeTiming, rng: Rng): number | null {
  return exchange(t, rng);
}

/** Issue times (shares of the epoch) and kinds of one node's rounds. */
function rounds(seed: number, epoch: number, node: number, p: ProtocolParams): { t: number; kind: ChallengeKind }[] {
  const timeRng = p.schedule === "synchronous" ? new Rng(seed, Stream.schedule, epoch) : new Rng(seed, Stream.schedule, epoch, node + 1);
  const kindRng = new Rng(seed, Stream.schedule, epoch, node + 1, 7);
  const window = p.issueWindowBps / 10_000;
  const out: { t: number; kind: ChallengeKind }[] = [];
  for (let r = 0; r < p.roundsPerEpoch; r++) out.push({ t: timeRng.uniform() * window, kind: p.kinds[kindRng.below(p.kinds.length)] });
  return out.sort((a, b) => a.t - b.t);
}

/** The answers of one identity in one epoch, before GPU sharing and the oracle's openings. */
export function simulateAnswers(
  cfg: AnswerContext,
  nd: SimNode,
  plans: Record<ChallengeKind, ChallengePlan>,
  epoch: number,
  episode: ThrottleEpisode | null,
  replayCache: Uint8Array,
  freed: Float64Array,
): Attempt[] {
  const rng = new Rng(cfg.seed, Stream.challenge, nd.index, epoch);
  const spec = nd.spec;
  const p = cfg.protocol;
  const list = rounds(cfg.seed, epoch, nd.index, p);
  const offset = p.schedule === "synchronous" ? rng.range(0, DISPATCH_SPREAD_MS) : 0;
  // An intermittent operator expects challenges spread evenly over the issue window.
  const meanGap = (cfg.epochMs * p.issueWindowBps) / 10_000 / p.roundsPerEpoch;
  let awayUntil = -Infinity;
  let awayMs = 0;
  const out: Attempt[] = [];
  for (const { t, kind } of list) {
    const at = t * cfg.epochMs + offset;
    const plan = plans[kind];
    // An outsourcer's rented GPU is not the one whose throttling episode was drawn.
    const throttle = spec.outsources ? 1 : throttleAt(episode, t);
    const honestWork = computeMs(plan.flops, nd.actualGflops, 1, throttle, rng) + nd.hopMs;
    const mimic = computeMs(plan.flops, nd.claim.gflops, 1 / MIMIC_SLOWDOWN, 1, rng);
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
      workMs = honestWork / SUBSTITUTE_SPEEDUP;
      mimicMs = mimic; // the cheaper model finishes early; the answer waits to look honest
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
    if (spec.rentsAfter !== null && t >= spec.rentsAfter) {
      // Its GPU is rented out: it answers with made-up rows rather than miss the challenge.
      workMs = FAKE_ANSWER_MS;
      mimicMs = mimic;
      wrongRows = plan.units;
    }
    out.push({
      plan,
      at,
      pickupMs: pickup(nd.timing, rng),
      workMs,
      waitMs: 0,
      mimicMs,
      commitMs: exchange(nd.timing, rng),
      openMs: exchange(nd.timing, rng),
      wrongRows,
      substituted,
    });
  }
  // The issue window is public configuration: after it, no challenge comes, and it rents out.
  if (spec.intermittent) freed[nd.index] = Math.min(1, awayMs / cfg.epochMs + 1 - p.issueWindowBps / 10_000);
  if (spec.replays && epoch > 0) freed[nd.index] = 1;
  if (spec.rentsAfter !== null) freed[nd.index] = 1 - spec.rentsAfter;
  return out;
}

