/**
 * The oracle's configuration: a zod schema with bounds on every number, and two named profiles of
 * defaults: "devnet" (the schema's defaults, which run the local devnet, the demo and the tests)
 * and "production" (the fleet simulator's recommended challenge settings, sim/params.ts).
 * Sources, later ones winning: the profile's defaults, a JSON file (`--config file`), then
 * POAI_* environment variables; the profile itself is chosen by `profile` / POAI_PROFILE. Read
 * once at start; a wrong value stops the start with its name,
 * e.g. `config error: POAI_EPOCH_CHALLENGES must be an integer 1..64, got "x"`.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { MAX_JUDGE_WINDOW_EPOCHS } from "../engine/judge";
import { OracleError } from "./errors";

/** Hardhat's well-known dev account #0: the devnet deployer and single committee member. */
export const DEVNET_ORACLE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/** Largest committee the contracts accept (EpochManager, max 31). */
export const MAX_COMMITTEE = 31;
/**
 * Most entries of `challengeKinds`. The scheduler draws one entry per node and round uniformly, so
 * a repeated kind weighs more: ["gemm", "gemm", "gemm", "gemm", "gemm", "infer"] issues infer on
 * one round in six.
 */
export const MAX_CHALLENGE_KINDS = 8;

export const PROFILES = ["devnet", "production"] as const;
export type Profile = (typeof PROFILES)[number];

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 32-byte 0x-hex string");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte 0x-hex address");
const int = (min: number, max: number) => z.number().int().min(min).max(max);
const decimal = z.string().regex(/^[0-9]{1,78}$/, "must be a decimal integer string");

export const configSchema = z
  .object({
    /** Named set of defaults (PROFILE_DEFAULTS); an explicit setting always wins over it. */
    profile: z.enum(PROFILES).default("devnet"),
    /** JSON-RPC endpoint of the chain. */
    rpcUrl: z.string().url("must be a URL").default("http://127.0.0.1:8545"),
    /** Deployment record written by scripts/deploy.ts (addresses; ABIs come from artifacts/). */
    deploymentFile: z.string().min(1).default("deployments/localhost.json"),
    /** The oracle's own key: a committee member, the sender of its transactions. */
    oracleKey: hex32.default(DEVNET_ORACLE_KEY),
    /** HTTP API bind address and port (0 picks a free port). */
    host: z.string().min(1).default("127.0.0.1"),
    port: int(0, 65535).default(8700),
    /** Public URL other committee members use to reach this one (defaults from host and port). */
    publicUrl: z.string().url("must be a URL").optional(),
    /** SQLite database file (":memory:" for a throw-away run). */
    dbPath: z.string().min(1).default(".data/oracle.sqlite"),
    logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),

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
    /** Slack on the deadline over the target time (network, scheduling), ms. */
    deadlineSlackMs: int(0, 600_000).default(4_000),
    /**
     * Share of the epoch, from its start, in which challenges may fall due. Whatever it is, a due
     * time leaves the challenge's whole deadline before the epoch's end. The whole epoch by
     * default: a public quiet tail would be time a node could rent its GPU out unchallenged.
     */
    issueWindowBps: int(100, 10_000).default(10_000),

    /** Accepted distance between a request's timestamp and the oracle's clock, ms. */
    clockSkewMs: int(1_000, 600_000).default(30_000),
    /** Largest request body, bytes. */
    maxBodyBytes: int(1_024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
    /** Per-node token bucket: sustained requests per second and burst. */
    rateLimitPerSec: z.number().positive().max(10_000).default(20),
    rateLimitBurst: int(1, 100_000).default(40),
    /** How long a registry read about a node is reused, ms. */
    registryCacheMs: int(0, 600_000).default(2_000),
    /** Origin allowed by CORS on the public read API. */
    corsOrigin: z.string().min(1).default("*"),

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

    /** Reconciliation loop period, ms. */
    pollIntervalMs: int(50, 60_000).default(500),
    /** Confirmations before a transaction counts as done. */
    confirmations: int(1, 64).default(1),
    /** A sent transaction without a receipt after this long is re-sent with a higher fee, ms. */
    txStuckMs: int(500, 3_600_000).default(15_000),
    /** Fee increase of a replacement transaction, percent (nodes need at least 10). */
    gasBumpPercent: int(10, 500).default(25),
    /** Attempts of one RPC call before the pass gives up (the next pass tries again). */
    rpcRetries: int(1, 20).default(4),

    /** Other committee members (this oracle's own entry is optional). */
    committee: z
      .array(z.object({ address, url: z.string().url("must be a URL") }))
      .max(MAX_COMMITTEE)
      .default([]),
    /** Rotate the proposer (committee[epoch mod size]) instead of always the first member. */
    proposerRotation: z.boolean().default(false),
    /** How long the proposer waits for one member's signature, ms. */
    committeeTimeoutMs: int(100, 120_000).default(5_000),
  })
  .strict();

export type OracleConfig = z.infer<typeof configSchema>;

/** Items (infer) or rows (gemm) opened per challenge of `kind` under `c`. */
export function openingsFor(c: Pick<OracleConfig, "openings" | "inferOpenings">, kind: string): number {
  return kind === "infer" ? c.inferOpenings ?? c.openings : c.openings;
}
export type OracleConfigInput = z.input<typeof configSchema>;

/**
 * Defaults of each profile over the schema's (devnet) defaults. "production" holds the fleet
 * simulator's recommended settings for one-hour epochs (sim/params.ts RECOMMENDED; the epoch
 * length itself is a contract deployment parameter, not oracle configuration): 18 rounds per
 * epoch, infer on one round in six, 20 openings, the engine's 4 s GPU target, the engine's
 * largest gemm dimension (the simulator sizes gemm without a cap), challenges due across the
 * whole epoch, 4 s deadline slack, an overclaim slashed on its first condemnation, and the
 * judge's on-claim test over a window of 3 epochs.
 * 20 rows per gemm challenge but 4 items per infer challenge (`inferOpenings`), as the simulator
 * recommends.
 */
export const PROFILE_DEFAULTS: Record<Profile, Readonly<Partial<OracleConfigInput>>> = {
  devnet: {},
  production: {
    epochChallenges: 18,
    challengeKinds: ["gemm", "gemm", "gemm", "gemm", "gemm", "infer"],
    challengeTargetMs: 4_000,
    gemmMaxN: 4096,
    openings: 20,
    inferOpenings: 4,
    deadlineSlackMs: 4_000,
    issueWindowBps: 10_000,
    overclaimSlashAfterEpochs: 1,
    judgeWindowEpochs: 3,
  },
};

/** Environment variable of each key (POAI_ + the key in upper snake case). */
const ENV: Record<keyof OracleConfig, string> = Object.fromEntries(
  Object.keys(configSchema.shape).map((k) => [k, "POAI_" + k.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase()]),
) as Record<keyof OracleConfig, string>;
// Short, conventional names for a few.
ENV.oracleKey = "POAI_ORACLE_KEY";
ENV.dbPath = "POAI_DB";
ENV.deploymentFile = "POAI_DEPLOYMENT";

export function envName(key: keyof OracleConfig): string {
  return ENV[key];
}

/** Turns an environment string into the type the schema expects for that key. */
function fromEnv(key: keyof OracleConfig, raw: string): unknown {
  const shape = configSchema.shape[key];
  let t: z.ZodTypeAny = shape;
  while (t instanceof z.ZodDefault || t instanceof z.ZodOptional) t = t._def.innerType;
  if (t instanceof z.ZodBoolean) return raw === "true" ? true : raw === "false" ? false : raw;
  if (t instanceof z.ZodNumber) return /^-?[0-9]+(\.[0-9]+)?$/.test(raw.trim()) ? Number(raw) : raw;
  if (t instanceof z.ZodArray) {
    if (key === "challengeKinds") return raw.split(",").map((s) => s.trim()).filter(Boolean);
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

function describe(issue: z.ZodIssue): string {
  switch (issue.code) {
    case "too_small":
    case "too_big":
    case "invalid_type":
      break;
    default:
      return issue.message;
  }
  return issue.message;
}

function boundsOf(key: keyof OracleConfig): string | undefined {
  let t: z.ZodTypeAny = configSchema.shape[key];
  while (t instanceof z.ZodDefault || t instanceof z.ZodOptional) t = t._def.innerType;
  if (!(t instanceof z.ZodNumber)) return undefined;
  const isInt = t._def.checks.some((c) => c.kind === "int");
  const min = t._def.checks.find((c) => c.kind === "min") as { value: number } | undefined;
  const max = t._def.checks.find((c) => c.kind === "max") as { value: number } | undefined;
  return `must be ${isInt ? "an integer" : "a number"} ${min ? min.value : "-inf"}..${max ? max.value : "inf"}`;
}

/**
 * Validates `file` values overlaid with `env`. Throws OracleError OR001 naming the first wrong
 * key the way the operator set it (the env variable name when it came from the environment).
 */
export function parseConfig(file: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): OracleConfig {
  const explicit: Record<string, unknown> = { ...file };
  const fromEnvKeys = new Set<string>();
  for (const key of Object.keys(configSchema.shape) as (keyof OracleConfig)[]) {
    const raw = env[ENV[key]];
    if (raw !== undefined && raw !== "") {
      explicit[key] = fromEnv(key, raw);
      fromEnvKeys.add(key);
    }
  }
  // The profile is read first: it decides the defaults under every other setting.
  const profile = explicit.profile ?? "devnet";
  if (!PROFILES.includes(profile as Profile)) {
    const name = fromEnvKeys.has("profile") ? ENV.profile : "profile (config file)";
    throw new OracleError("OR001", `config error: ${name} must be one of ${PROFILES.join(", ")}, got ${JSON.stringify(profile)}`, {
      details: { key: "profile" },
    });
  }
  // Explicit settings (file, then environment) win over the profile's defaults.
  const merged: Record<string, unknown> = { ...PROFILE_DEFAULTS[profile as Profile], ...explicit };
  const r = configSchema.safeParse(merged);
  if (r.success) {
    // Each proposer judges from its own records: with rotation no oracle holds a node's earlier
    // epochs, and the on-claim test would silently never condemn.
    if (r.data.proposerRotation && r.data.judgeWindowEpochs > 1 && r.data.committee.length > 1) {
      throw new OracleError(
        "OR001",
        "config error: proposerRotation needs judgeWindowEpochs 1 (each proposer holds only the challenge records of the epochs it proposed, so the judge's window would be empty)",
        { details: { key: "proposerRotation" } },
      );
    }
    return r.data;
  }
  const issue = r.error.issues[0];
  const key = String(issue.path[0] ?? "");
  const name = fromEnvKeys.has(key) ? ENV[key as keyof OracleConfig] : key ? `${key} (config file)` : "config file";
  const got = fromEnvKeys.has(key) ? env[ENV[key as keyof OracleConfig]] : issue.path.length ? pick(merged, issue.path) : undefined;
  const rule = (issue.code === "invalid_type" || issue.code === "too_small" || issue.code === "too_big") && key
    ? boundsOf(key as keyof OracleConfig) ?? describe(issue)
    : issue.code === "unrecognized_keys"
      ? `unknown key(s) ${issue.keys.join(", ")}`
      : describe(issue);
  const msg = `config error: ${name} ${rule}${got !== undefined ? `, got ${JSON.stringify(got)}` : ""}`;
  throw new OracleError("OR001", msg, { details: { key: key || undefined } });
}

function pick(o: Record<string, unknown>, path: (string | number)[]): unknown {
  let cur: unknown = o;
  for (const p of path) cur = cur && typeof cur === "object" ? (cur as Record<string | number, unknown>)[p] : undefined;
  return cur;
}

/** Reads the JSON file (if any) and the environment, and validates both. */
export function loadConfig(path?: string, env: NodeJS.ProcessEnv = process.env): OracleConfig {
  let file: Record<string, unknown> = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new OracleError("OR002", `config error: cannot read ${path}`, { cause: e });
    }
    try {
      file = JSON.parse(text);
    } catch (e) {
      throw new OracleError("OR002", `config error: ${path} is not valid JSON`, { cause: e });
    }
    if (!file || typeof file !== "object" || Array.isArray(file)) {
      throw new OracleError("OR002", `config error: ${path} must hold a JSON object`);
    }
  }
  return parseConfig(file, env);
}
