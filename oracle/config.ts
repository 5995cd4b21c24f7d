/**
 * The oracle's configuration: the committee parameters every member must share
 * (protocol/committee-params.ts: challenges, judgment, rewards, and their "devnet" and
 * "production" profiles) extended with this service's own settings (RPC, deployment, key, HTTP,
 * database, relay, committee peers), a zod schema with bounds on every number.
 * Sources, later ones winning: the profile's defaults, a JSON file (`--config file`), then
 * POAI_* environment variables; the profile itself is chosen by `profile` / POAI_PROFILE. Read
 * once at start; a wrong value stops the start with its name,
 * e.g. `config error: POAI_EPOCH_CHALLENGES must be an integer 1..64, got "x"`.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import {
  challengeParamsSchema,
  COMMITTEE_PROFILE_DEFAULTS,
  judgmentParamsSchema,
  PROFILES,
  type Profile,
} from "../protocol/committee-params";
import { OracleError } from "./errors";
export { MAX_CHALLENGE_KINDS, openingsFor, PROFILES, type Profile } from "../protocol/committee-params";

/**
 * Hardhat's well-known dev account #0: the devnet deployer and single committee member. Its key is
 * public, so the production profile refuses to start with it (parseConfig).
 */
export const DEVNET_ORACLE_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/** Largest committee the contracts accept (EpochManager, max 31). */
export const MAX_COMMITTEE = 31;

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 32-byte 0x-hex string");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte 0x-hex address");
const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const configSchema = z
  .object({
    /** Named set of defaults (PROFILE_DEFAULTS); an explicit setting always wins over it. */
    profile: z.enum(PROFILES).default("devnet"),
    /** JSON-RPC endpoint of the chain. */
    rpcUrl: z.string().url("must be a URL").default("http://127.0.0.1:8545"),
    /** Deployment record written by scripts/deploy.ts (addresses; ABIs come from artifacts/). */
    deploymentFile: z.string().min(1).default("deployments/localhost.json"),
    /** The oracle's own key: a committee member, the sender of its transactions (production: required). */
    oracleKey: hex32.default(DEVNET_ORACLE_KEY),
    /** HTTP API bind address and port (0 picks a free port). */
    host: z.string().min(1).default("127.0.0.1"),
    port: int(0, 65535).default(8700),
    /** Public URL other committee members use to reach this one (defaults from host and port). */
    publicUrl: z.string().url("must be a URL").optional(),
    /** SQLite database file (":memory:" for a throw-away run). */
    dbPath: z.string().min(1).default(".data/oracle.sqlite"),
    logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),

    // The committee's challenge parameters (protocol/committee-params.ts).
    ...challengeParamsSchema.shape,

    /** Accepted distance between a request's timestamp and the oracle's clock, ms. */
    clockSkewMs: int(1_000, 600_000).default(30_000),
    /** Process reports kept per node, at most (the oldest go first): 5760 is 48 h of the agent's 30 s reports. */
    processReportsPerNode: int(1, 1_000_000).default(5_760),
    /** Process reports older than this are deleted, ms (from 1 min to 30 days). */
    processRetentionMs: int(60_000, 30 * 86_400_000).default(48 * 3_600_000),
    /** A node's process report must be at least this much newer than its last one, ms. */
    processReportMinIntervalMs: int(0, 600_000).default(10_000),
    /** Largest request body, bytes. */
    maxBodyBytes: int(1_024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
    /**
     * An idle keep-alive connection is closed after this long, ms. Agents compute between
     * requests: longer than a challenge takes, so a client does not reuse a socket just closed.
     */
    httpKeepAliveTimeoutMs: int(100, 600_000).default(65_000),
    /** Per-node token bucket: sustained requests per second and burst. */
    rateLimitPerSec: z.number().positive().max(10_000).default(20),
    rateLimitBurst: int(1, 100_000).default(40),
    /**
     * Per-source-address token bucket (an IPv6 /64 is one source), checked before a signature is
     * recovered: sustained signed requests per second and burst. One host may run many nodes.
     */
    rateLimitSourcePerSec: z.number().positive().max(1_000_000).default(200),
    rateLimitSourceBurst: int(1, 1_000_000).default(1_000),
    /** How long a registry answer about a registered node is reused, ms (0: read on every request). */
    registryCacheMs: int(0, 600_000).default(2_000),
    /** Agent sessions (protocol/session.ts): most open at once, and per source address. */
    maxSessions: int(1, 10_000_000).default(200_000),
    maxConnectionsPerSource: int(1, 10_000_000).default(4_096),
    /** Session openings per source address: sustained per second and burst (before any signature is checked). */
    sessionOpensPerSec: z.number().positive().max(1_000_000).default(50),
    sessionOpenBurst: int(1, 10_000_000).default(500),
    /** Time a new connection has to send its signed opening, ms. */
    sessionHandshakeMs: int(100, 120_000).default(10_000),
    /** Ping period of a session; one unanswered ping ends it, ms. */
    sessionHeartbeatMs: int(100, 600_000).default(30_000),
    /** A challenge pushed later than this after its due instant, to a connected node, is voided (the oracle's delay), ms. */
    voidLagMs: int(10, 600_000).default(2_000),
    /** After a restart, a delivered challenge whose deadline falls this soon is voided too (the node could not answer), ms. */
    restartGraceMs: int(0, 600_000).default(5_000),
    /** How long an answer about an unregistered key is reused, ms (0: not cached). */
    registryNegativeCacheMs: int(0, 600_000).default(10_000),
    /** Most keys in the registry answer cache (least recently used dropped first). */
    registryCacheMax: int(1, 10_000_000).default(200_000),
    /** The registry mirror is read whole at least this often, ms: its bound on staleness. */
    registryRefreshMs: int(1_000, 86_400_000).default(300_000),
    /** Origin allowed by CORS on the public read API. */
    corsOrigin: z.string().min(1).default("*"),
    /** A request's headers must arrive within this, ms (capped at httpRequestTimeoutMs). */
    httpHeadersTimeoutMs: int(100, 600_000).default(20_000),
    /** A whole request, headers and body, must arrive within this, ms. */
    httpRequestTimeoutMs: int(100, 600_000).default(60_000),

    // The committee's judgment and reward parameters (protocol/committee-params.ts).
    ...judgmentParamsSchema.shape,

    /**
     * Worker threads that verify answers and judge epochs off the event loop (pool.ts); unset:
     * one fewer than the cores (at least 1); 0: on the main thread.
     */
    verifyThreads: int(0, 256).optional(),
    /** Tasks the worker pool holds waiting; beyond it a task is refused (OR212). */
    verifyQueueMax: int(1, 100_000).default(1_024),

    /** Reconciliation loop period, ms. */
    pollIntervalMs: int(50, 60_000).default(500),
    /** Confirmations before a transaction counts as done. */
    confirmations: int(1, 64).default(1),
    /** A sent transaction without a receipt this long after its first broadcast is replaced with a higher fee, ms. */
    txStuckMs: int(500, 3_600_000).default(15_000),
    /** Fee increase of a replacement transaction, percent (nodes need at least 10). */
    gasBumpPercent: int(10, 500).default(25),
    /** Attempts of one RPC call before the pass gives up (the next pass tries again). */
    rpcRetries: int(1, 20).default(4),

    // Health (health.ts): what GET /healthz checks and the monitor probes on its own timer.
    /** The monitor's probe period: RPC, head, wallet balance, rewards budget, relay lag, ms. */
    healthProbeMs: int(100, 600_000).default(2_000),
    /** One probe call that has not answered in this long counts as a hung RPC, ms. */
    rpcProbeTimeoutMs: int(100, 120_000).default(3_000),
    /** The head counts as halted once it has not advanced for this long while a transaction waits to be mined, ms. */
    headStallMs: int(1_000, 86_400_000).default(60_000),
    /** Below this balance (wei, decimal string) the oracle is not ready: it would soon fail to pay for gas. */
    minWalletBalanceWei: z.string().regex(/^[0-9]{1,78}$/, "must be a decimal integer string").default("10000000000000000"),
    /** Ended epochs the chain's latest report may trail the clock by before the oracle is not ready. */
    maxRelayLagEpochs: int(0, 10_000).default(2),
    /** Event-loop lag (the 99th percentile over one probe period) above which the oracle is not ready, ms. */
    maxEventLoopLagMs: int(10, 600_000).default(1_000),
    /** How long a stop (SIGTERM, SIGINT) may take before the process exits without finishing it, ms. */
    shutdownTimeoutMs: int(1_000, 600_000).default(10_000),

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
export type OracleConfigInput = z.input<typeof configSchema>;

/** Defaults of each profile over the schema's: the committee parameters' profiles. */
export const PROFILE_DEFAULTS: Record<Profile, Readonly<Partial<OracleConfigInput>>> = COMMITTEE_PROFILE_DEFAULTS;

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
  const numeric = t instanceof z.ZodNumber || (t instanceof z.ZodUnion && (t.options as z.ZodTypeAny[]).every((o) => o instanceof z.ZodLiteral && typeof o.value === "number"));
  if (numeric) return /^-?[0-9]+(\.[0-9]+)?$/.test(raw.trim()) ? Number(raw) : raw;
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
  if (t instanceof z.ZodUnion && (t.options as z.ZodTypeAny[]).every((o) => o instanceof z.ZodLiteral)) {
    return `must be one of ${(t.options as z.ZodLiteral<unknown>[]).map((o) => String(o.value)).join(", ")}`;
  }
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
    // Anyone can sign with the devnet default: a production oracle must bring its own key.
    if (r.data.profile === "production" && r.data.oracleKey.toLowerCase() === DEVNET_ORACLE_KEY) {
      throw new OracleError(
        "OR001",
        `config error: ${ENV.oracleKey} (oracleKey) must be set to this oracle's own key in the production profile; the default is Hardhat's public dev key #0`,
        { details: { key: "oracleKey" } },
      );
    }
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
  const rule = (issue.code === "invalid_type" || issue.code === "too_small" || issue.code === "too_big" || issue.code === "invalid_union") && key
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
