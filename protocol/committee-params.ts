/**
 * What every committee member must agree on to reach the same report: how nodes are challenged
 * (rounds, kinds, sizing, openings, deadlines) and how they are judged and paid (budget, slashes,
 * the judge's window), as a zod schema with bounds on every number, and two named profiles of
 * defaults: "devnet" (the schema's defaults, which run the local devnet, the demo and the tests)
 * and "production" (the fleet simulator's recommended challenge settings, sim/params.ts).
 * oracle/config.ts extends the schema with the service's own settings; the simulator reads it
 * directly.
 */
import { z } from "zod";
import { MAX_JUDGE_WINDOW_EPOCHS } from "../engine/judge";

/**
 * Most entries of `challengeKinds`. The scheduler draws one entry per node and round uniformly, so
 * a repeated kind weighs more: ["gemm", "gemm", "gemm", "gemm", "gemm", "infer"] issues infer on
 * one round in six.
 */
export const MAX_CHALLENGE_KINDS = 8;

export const PROFILES = ["devnet", "production"] as const;
export type Profile = (typeof PROFILES)[number];

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const decimal = z.string().regex(/^[0-9]{1,78}$/, "must be a decimal integer string");

/** How each node is challenged. */
export const challengeParamsSchema = z.object({
  /** Challenges per active node per epoch. */
  epochChallenges: int(1, 64).default(3),
  /**
   * Kinds of challenge issued: one entry drawn per node and round from the oracle's secret
   * randomness, uniformly over the entries (a repeated kind weighs more).
   */
  challengeKinds: z.array(z.enum(["gemm", "infer"])).min(1).max(MAX_CHALLENGE_KINDS).default(["gemm"]),
  /** Target time for an honest node to finish one challenge at its claimed rating, ms. */
  challengeTargetMs: int(10, 600_000).default(500),
  /** Largest gemm matrix dimension (a power of two, 64..4096); small on CPU devnets. */
  gemmMaxN: z.union([z.literal(64), z.literal(128), z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]).default(256),
  /** Rows (gemm) or items (infer) the oracle opens per challenge. */
  openings: int(1, 64).default(4),
  /**
   * Items the oracle opens per infer challenge; unset, infer opens `openings` like gemm. Each
   * opened item of a substituted model is flagged with probability ~0.95 (sim/infer-detection.ts),
   * so 4 items catch a substitute with >= 0.99 per challenge, while gemm needs its 20 rows to
   * find a node faking 1 % of them.
   */
  inferOpenings: int(1, 64).optional(),
  /**
   * Network floor of a challenge's deadline spans, ms: on time = due + 1.163 x expected + this,
   * cut-off = due + 2 x expected + this (protocol/deadline.ts; the factors come from the judge's
   * noise model). It covers the push and the commit over the node's link; the oracle's own delivery
   * lag is not charged (the node is timed from the push when its session was open at the due
   * instant). The devnet default is wide for loaded test machines; production uses 1 s.
   */
  deadlineSlackMs: int(0, 600_000).default(4_000),
  /**
   * Share of the epoch, from its start, in which challenges may fall due. Whatever it is, a due
   * time leaves the challenge's whole deadline before the epoch's end. The whole epoch by
   * default: a public quiet tail would be time a node could rent its GPU out unchallenged.
   */
  issueWindowBps: int(100, 10_000).default(10_000),
});

/** How the judged nodes are paid and slashed. */
export const judgmentParamsSchema = z.object({
  /** Rewards paid per epoch, token base units, decimal string. */
  epochBudget: decimal.default("1000000000000000000000"),
  /** Share of the budget paid for uptime (the rest for verified work), basis points. */
  uptimeShareBps: int(0, 10_000).default(2_000),
  /** Slash for a wrong committed result, basis points of stake. */
  fraudSlashBps: int(1, 10_000).default(5_000),
  /** Slash for an overstated claim, basis points of stake. */
  overclaimSlashBps: int(1, 10_000).default(1_000),
  /**
   * Consecutive under-delivering epochs before an overclaim is slashed (1 = on the first).
   * The judge's own bound (engine/judge.ts: alpha 1e-6 per epoch under a model with
   * throttling and lossy links) already covers a single condemnation; a larger value trades
   * slower slashing for a margin beyond the model. Fraud is always slashed at once.
   */
  overclaimSlashAfterEpochs: int(1, 10).default(1),
  /**
   * Epochs the judge's on-claim test reads, this one included (engine/judge.ts): a node's
   * earlier records, each against the claim it was sized to, none from before its last slash.
   * Three epochs of 18 challenges catch a claim 15 % above the hardware; one epoch cannot.
   */
  judgeWindowEpochs: int(1, MAX_JUDGE_WINDOW_EPOCHS).default(3),
});

export const committeeParamsSchema = challengeParamsSchema.merge(judgmentParamsSchema).strict();

export type CommitteeParams = z.infer<typeof committeeParamsSchema>;
export type CommitteeParamsInput = z.input<typeof committeeParamsSchema>;

/** Items (infer) or rows (gemm) opened per challenge of `kind` under `c`. */
export function openingsFor(c: Pick<CommitteeParams, "openings" | "inferOpenings">, kind: string): number {
  return kind === "infer" ? c.inferOpenings ?? c.openings : c.openings;
}

/**
 * Defaults of each profile over the schema's (devnet) defaults. "production" holds the fleet
 * simulator's recommended settings for one-hour epochs (sim/params.ts RECOMMENDED; the epoch
 * length itself is a contract deployment parameter, not oracle configuration): 18 rounds per
 * epoch, infer on one round in six, 20 openings, the engine's 4 s GPU target, the engine's
 * largest gemm dimension (the simulator sizes gemm without a cap), challenges due across the
 * whole epoch, a 1 s network floor on the deadlines, an overclaim slashed on its first condemnation, and the
 * judge's on-claim test over a window of 3 epochs.
 * 20 rows per gemm challenge but 4 items per infer challenge (`inferOpenings`), as the simulator
 * recommends.
 */
export const COMMITTEE_PROFILE_DEFAULTS: Record<Profile, Readonly<Partial<CommitteeParamsInput>>> = {
  devnet: {},
  production: {
    epochChallenges: 18,
    challengeKinds: ["gemm", "gemm", "gemm", "gemm", "gemm", "infer"],
    challengeTargetMs: 4_000,
    gemmMaxN: 4096,
    openings: 20,
    inferOpenings: 4,
    deadlineSlackMs: 1_000,
    issueWindowBps: 10_000,
    overclaimSlashAfterEpochs: 1,
    judgeWindowEpochs: 3,
  },
};

/** The committee parameters of a profile, unchanged by any setting. */
export function profileParams(profile: Profile): CommitteeParams {
  return committeeParamsSchema.parse(COMMITTEE_PROFILE_DEFAULTS[profile]);
}
