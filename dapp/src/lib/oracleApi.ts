/**
 * The oracle's public read API (docs/interfaces.md): `/v1/info`, `/v1/nodes/:node/stats`,
 * `/v1/rewards/:account`. The `normalize*` functions are pure and accept the documented
 * shapes; `fetch*` are the thin I/O edge.
 */
import { isAddress, isHex, type Address, type Hex } from "viem";

/** Epochs of history drawn per node. */
export const MAX_EPOCHS_SHOWN = 200;
/** Longest proof accepted: a tree of 2^64 leaves is far beyond any network. */
export const MAX_PROOF_LENGTH = 64;
export const ORACLE_TIMEOUT_MS = 8_000;

export interface EpochStat {
  epoch: number;
  challenges: number;
  /** Median (or mean) answer latency in milliseconds, null when no challenge was answered. */
  latencyMs: number | null;
  /** Measured over claimed throughput; 1 is exactly as claimed. */
  scoreDeviation: number | null;
  /** Share of verified answers that were correct, 0..1. */
  correctness: number | null;
  verdict: string | null;
  slash: { bps: number; reason: string; evidence: Hex | null } | null;
}

/** The epoch being challenged right now: counts only (the oracle keeps planned times secret). */
export interface EpochInProgress {
  epoch: number;
  issued: number;
  passed: number;
  failed: number;
}

export interface NodeStats {
  epochs: EpochStat[];
  inProgress: EpochInProgress | null;
}

export interface RewardsProof {
  epoch: number;
  root: Hex;
  cumulativeAmount: bigint;
  proof: Hex[];
}

export class OracleError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "OracleError";
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function num(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function pick(o: Obj, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

const REASONS: Record<number, string> = { 1: "fraud", 2: "overclaim", 3: "lease violation" };

function normalizeSlash(v: unknown): EpochStat["slash"] {
  if (!isObj(v)) return null;
  const bps = num(pick(v, "bps", "shareBps")) ?? 0;
  const reasonRaw = pick(v, "reason", "reasonName");
  const reason = typeof reasonRaw === "number" ? (REASONS[reasonRaw] ?? `reason ${reasonRaw}`) : String(reasonRaw ?? "unknown");
  const evidence = pick(v, "evidence", "evidenceHash");
  return {
    bps,
    reason: reason.toLowerCase(),
    evidence: typeof evidence === "string" && isHex(evidence) ? (evidence as Hex) : null,
  };
}

/** Per-epoch stats of a node, sorted by epoch, at most MAX_EPOCHS_SHOWN (the latest). */
export function normalizeStats(body: unknown): EpochStat[] {
  const list = Array.isArray(body) ? body : isObj(body) ? pick(body, "epochs", "stats", "items") : undefined;
  if (!Array.isArray(list)) throw new OracleError("the oracle's stats answer has no list of epochs");
  const out: EpochStat[] = [];
  for (const raw of list.slice(-MAX_EPOCHS_SHOWN)) {
    if (!isObj(raw)) continue;
    const epoch = num(raw.epoch);
    if (epoch === null) continue;
    const verdictRaw = pick(raw, "verdict", "judgment");
    out.push({
      epoch,
      challenges: num(pick(raw, "challenges", "challengeCount", "answered")) ?? 0,
      latencyMs: num(pick(raw, "latencyMs", "medianLatencyMs", "latency", "meanLatencyMs")),
      scoreDeviation: num(pick(raw, "scoreDeviation", "deviation", "throughputRatio", "score")),
      correctness: num(pick(raw, "correctness", "correctRatio", "correct")),
      verdict:
        typeof verdictRaw === "string"
          ? verdictRaw
          : isObj(verdictRaw) && typeof verdictRaw.kind === "string"
            ? verdictRaw.kind
            : null,
      slash: normalizeSlash(raw.slash),
    });
  }
  return out.sort((a, b) => a.epoch - b.epoch);
}

export function normalizeRewards(body: unknown): RewardsProof {
  if (!isObj(body)) throw new OracleError("the oracle's rewards answer is not an object");
  const proof = body.proof;
  const root = body.root;
  const amount = body.cumulativeAmount;
  if (
    !Array.isArray(proof) ||
    proof.length > MAX_PROOF_LENGTH ||
    !proof.every((p) => typeof p === "string" && isHex(p) && p.length === 66)
  ) {
    throw new OracleError("the oracle's rewards proof is not a list of 32-byte hashes");
  }
  if (typeof root !== "string" || !isHex(root) || root.length !== 66)
    throw new OracleError("the oracle's rewards root is not a 32-byte hash");
  if (!(typeof amount === "string" && /^\d{1,78}$/.test(amount)) && typeof amount !== "number") {
    throw new OracleError("the oracle's cumulative amount is not a decimal number");
  }
  return { epoch: num(body.epoch) ?? 0, root: root as Hex, cumulativeAmount: BigInt(amount), proof: proof as Hex[] };
}

async function getJson(base: string, path: string): Promise<{ status: number; body: unknown }> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ORACLE_TIMEOUT_MS);
  try {
    const res = await fetch(`${base}${path}`, { signal: ctl.signal, headers: { accept: "application/json" } });
    const body = res.status === 204 ? null : await res.json().catch(() => null);
    return { status: res.status, body };
  } catch (e) {
    throw new OracleError(
      `the oracle at ${base} did not answer (${(e as Error).name === "AbortError" ? "timeout" : "network error"})`,
    );
  } finally {
    clearTimeout(timer);
  }
}

function apiError(status: number, body: unknown): OracleError {
  const message =
    isObj(body) && isObj(body.error) && typeof body.error.message === "string" ? body.error.message : `HTTP ${status}`;
  return new OracleError(`the oracle answered: ${message}`, status);
}

/** `{epochs, inProgress}` from the stats answer; inProgress is null when absent or malformed. */
export function normalizeNodeStats(body: unknown): NodeStats {
  const p = isObj(body) && isObj(body.inProgress) ? body.inProgress : null;
  const epoch = p ? num(p.epoch) : null;
  return {
    epochs: normalizeStats(body),
    inProgress:
      p && epoch !== null ? { epoch, issued: num(p.issued) ?? 0, passed: num(p.passed) ?? 0, failed: num(p.failed) ?? 0 } : null,
  };
}

export async function fetchNodeStats(base: string, node: Address): Promise<NodeStats> {
  const { status, body } = await getJson(base, `/v1/nodes/${node}/stats`);
  if (status === 404) return { epochs: [], inProgress: null };
  if (status !== 200) throw apiError(status, body);
  return normalizeNodeStats(body);
}

/** The latest finalized proof for `account`, or null when it has no rewards yet. */
export async function fetchRewards(base: string, account: Address): Promise<RewardsProof | null> {
  if (!isAddress(account)) throw new OracleError("not an address");
  const { status, body } = await getJson(base, `/v1/rewards/${account}`);
  if (status === 404) return null;
  if (status !== 200) throw apiError(status, body);
  return normalizeRewards(body);
}

export interface OracleInfo {
  chainId: number | null;
  currentEpoch: number | null;
  epochLength: number | null;
  version: string | null;
}

export async function fetchOracleInfo(base: string): Promise<OracleInfo> {
  const { status, body } = await getJson(base, "/v1/info");
  if (status !== 200 || !isObj(body)) throw apiError(status, body);
  const version = pick(body, "version", "oracleVersion");
  return {
    chainId: num(body.chainId),
    currentEpoch: num(pick(body, "currentEpoch", "epoch")),
    epochLength: num(body.epochLength),
    version: typeof version === "string" ? version : null,
  };
}
