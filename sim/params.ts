/**
 * The protocol parameters a simulation runs under: how often and how hard the oracle
 * challenges. The simulator models production (one-hour epochs), so PROJECT_DEFAULTS are the
 * committee's "production" profile (protocol/committee-params.ts COMMITTEE_PROFILE_DEFAULTS,
 * which the oracle's configuration extends), what a production deployment runs unless its
 * operator changes a setting; DEVNET_DEFAULTS are the "devnet" profile the demo and the tests run.
 */
import { profileParams, type CommitteeParams } from "../protocol/committee-params";
import { deadlineSpans } from "../protocol/deadline";
import type { ChallengeKind, DeadlineRule } from "./engine-adapter";

export type Schedule = "independent" | "synchronous";

export interface ProtocolParams {
  /** Challenges per active node per epoch (oracle `epochChallenges`). */
  roundsPerEpoch: number;
  /** Rows (gemm) or items (infer) opened per challenge (oracle `openings`). */
  openings: number;
  /** Items opened per infer challenge, when it differs from `openings` (oracle `inferOpenings`). */
  inferOpenings?: number;
  /** Kinds drawn per round from the oracle's secret randomness (oracle `challengeKinds`). */
  kinds: ChallengeKind[];
  /** Target time at the claimed rating, ms (oracle `challengeTargetMs`; the engine raises GPU targets to its minimum). */
  targetMs: number;
  /**
   * Network floor of both deadline spans, ms (oracle `deadlineSlackMs`): on time = due +
   * onTimeFactor x expected + floor, cut-off = due + cutoffFactor x expected + floor
   * (protocol/deadline.ts).
   */
  deadlineSlackMs: number;
  /**
   * What the oracle's rules are, each switchable so that a run can show what a defence is worth:
   * - timing: "due" times every answer from the round's due instant (the oracle); "pickup" from
   *   the node's own pick-up (the oracle's former rule);
   * - deadlines: "noise" derives them from the judge's noise model (the oracle); "legacy" is the
   *   former due + 3 x expected + slack, every answer before it paid;
   * - uptime: "capacity" weighs the uptime pool by delivered capacity (engine/rewards.ts);
   *   "flat" pays each identity its on-time share alone (the former rule).
   */
  rules: { timing: "due" | "pickup"; deadlines: "noise" | "legacy"; uptime: "capacity" | "flat" };
  /** Share of the epoch, from its start, in which challenges are issued, bps (oracle `issueWindowBps`). */
  issueWindowBps: number;
  /**
   * independent: each node's challenge times are drawn on their own (the oracle's former scheduler);
   * synchronous: every round is issued to the whole fleet at one secret instant (the oracle's scheduler).
   */
  schedule: Schedule;
  /**
   * Slashing policy over the judge's verdicts: an overclaim slash needs this many consecutive
   * under-delivering epochs (1 = slash on the judge's first condemnation; fraud is always slashed at once).
   */
  overclaimSlashAfter: number;
  /** Epochs the judge's on-claim test reads, this one included (oracle `judgeWindowEpochs`). */
  judgeWindowEpochs: number;
  label: string;
}

/** The oracle's rules (every defence on). */
export const ORACLE_RULES: ProtocolParams["rules"] = { timing: "due", deadlines: "noise", uptime: "capacity" };
/** The former deadline factor over the expected time (rules.deadlines "legacy"). */
export const LEGACY_DEADLINE_FACTOR = 3;

/** The deadline spans of a challenge under `p`'s rules (protocol/deadline.ts for "noise"). */
export function deadlineRule(p: Pick<ProtocolParams, "deadlineSlackMs" | "rules">): DeadlineRule {
  if (p.rules.deadlines === "legacy") {
    return (expectedMs) => {
      const cutoffMs = expectedMs * LEGACY_DEADLINE_FACTOR + p.deadlineSlackMs;
      return { onTimeMs: cutoffMs, cutoffMs };
    };
  }
  return (expectedMs) => deadlineSpans(expectedMs, p.deadlineSlackMs);
}
/** Most rounds per epoch the simulator runs (the oracle allows 64). */
export const MAX_ROUNDS = 64;

/**
 * The simulator's parameters for an oracle configuration: infer challenges open `inferOpenings`
 * items when it is set, else as many as gemm challenges open rows.
 */
export function paramsFromOracle(c: CommitteeParams, label: string): ProtocolParams {
  return {
    roundsPerEpoch: c.epochChallenges,
    openings: c.openings,
    ...(c.inferOpenings !== undefined ? { inferOpenings: c.inferOpenings } : {}),
    kinds: [...c.challengeKinds],
    targetMs: c.challengeTargetMs,
    deadlineSlackMs: c.deadlineSlackMs,
    rules: ORACLE_RULES,
    issueWindowBps: c.issueWindowBps,
    // The oracle's scheduler issues each round to the whole fleet at one secret instant.
    schedule: "synchronous",
    overclaimSlashAfter: c.overclaimSlashAfterEpochs,
    judgeWindowEpochs: c.judgeWindowEpochs,
    label,
  };
}

const o = profileParams("production");

export const PROJECT_DEFAULTS: ProtocolParams = paramsFromOracle(o, 'project defaults (oracle/config.ts, profile "production")');
export const DEVNET_DEFAULTS: ProtocolParams = paramsFromOracle(profileParams("devnet"), 'devnet defaults (oracle/config.ts, profile "devnet")');

/**
 * The parameters this simulator recommends for production (one-hour epochs), chosen from the
 * engine's own figures: 18 rounds, so the judge's on-claim test holds 54 challenges over its
 * window of 3 epochs, enough to condemn a claim 15 % above the hardware at alpha 1e-6 (one
 * epoch of 18 can condemn only gross overclaims); 20 opened rows per gemm challenge, so a node
 * faking 1 % of its rows meets >= 3 x 15 x 20 = 900 openings in three epochs (miss 0.99^900 =
 * 1.2e-4); infer on one round in six with 4 opened items (each opened item of a substituted
 * model is flagged, see infer-detection.ts); the engine's default GPU target of 4 s; every
 * round issued to the whole fleet at the same secret instant, so identities sharing one GPU
 * must answer at the same time (sybils); challenges issued across the whole epoch, not only its
 * first 60 %, which an operator could otherwise rent out at no risk. The judge runs with its
 * own defaults, whose noise model covers thermal throttling and lossy links, so an overclaim is
 * slashed on its first condemnation. The oracle's "production" profile carries all of it.
 */
export const RECOMMENDED: ProtocolParams = {
  roundsPerEpoch: 18,
  openings: 20,
  inferOpenings: 4,
  kinds: ["gemm", "gemm", "gemm", "gemm", "gemm", "infer"],
  targetMs: 4000,
  deadlineSlackMs: o.deadlineSlackMs,
  rules: ORACLE_RULES,
  issueWindowBps: 10_000,
  schedule: "synchronous",
  overclaimSlashAfter: 1,
  judgeWindowEpochs: 3,
  label: "recommended (18 synchronous rounds over the whole epoch, 20 gemm / 4 infer openings, infer 1 in 6, 4 s target, on-claim test over 3 epochs, overclaim slashed when condemned)",
};

