/**
 * The protocol parameters a simulation runs under: how often and how hard the oracle
 * challenges. PROJECT_DEFAULTS are the oracle's configuration defaults (oracle/config.ts), which
 * are what a deployment runs unless its operator changes them.
 */
import { configSchema } from "../oracle/config";
import type { ChallengeKind } from "./engine-adapter";

export type Schedule = "independent" | "synchronous";

export interface ProtocolParams {
  /** Challenges per active node per epoch (oracle `epochChallenges`). */
  roundsPerEpoch: number;
  /** Rows (gemm) or items (infer) opened per challenge (oracle `openings`). */
  openings: number;
  /** Items opened per infer challenge, when it differs from `openings` (the oracle has one setting). */
  inferOpenings?: number;
  /** Kinds drawn per round from the oracle's secret randomness (oracle `challengeKinds`). */
  kinds: ChallengeKind[];
  /** Target time at the claimed rating, ms (oracle `challengeTargetMs`; the engine raises GPU targets to its minimum). */
  targetMs: number;
  /** Deadline = issue + DEADLINE_EXPECTED_FACTOR x expected + slack (oracle scheduler). */
  deadlineSlackMs: number;
  /** Share of the epoch, from its start, in which challenges are issued, bps (oracle `issueWindowBps`). */
  issueWindowBps: number;
  /**
   * independent: each node's challenge times are drawn on their own (the oracle's scheduler);
   * synchronous: every round is issued to the whole fleet at one secret instant.
   */
  schedule: Schedule;
  label: string;
}

/** The oracle scheduler's deadline: 3x the expected time plus the slack. */
export const DEADLINE_EXPECTED_FACTOR = 3;
/** Most rounds per epoch the simulator runs (the oracle allows 64). */
export const MAX_ROUNDS = 64;

const o = configSchema.parse({});

export const PROJECT_DEFAULTS: ProtocolParams = {
  roundsPerEpoch: o.epochChallenges,
  openings: o.openings,
  kinds: [...o.challengeKinds],
  targetMs: o.challengeTargetMs,
  deadlineSlackMs: o.deadlineSlackMs,
  issueWindowBps: o.issueWindowBps,
  schedule: "independent",
  label: "project defaults (oracle/config.ts)",
};
