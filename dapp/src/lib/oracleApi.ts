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

/**
 * One judged epoch of one node. A figure the oracle did not return (or could not measure: no
 * answer, no latency) is null, and the page shows it as unknown, never as zero.
 */
export interface EpochStat {
  epoch: number;
  challenges: number | null;
  /** Answers that verified. */
  passed: number | null;
  /** Answers received by the cut-off (verified or not); the rest were missed. */
  answered: number | null;
  /** Passed within the on-time span: what uptime pays. */
  onTime: number | null;
  /** The claim the epoch's challenges were sized to, GFLOP/s. */
  claimGflops: number | null;
  /** Median (or mean) answer latency in milliseconds, null when no challenge was answered. */
  latencyMs: number | null;
  /** Paid measured over claimed throughput (the judge's mean, capped); 1 is exactly as claimed. */
  scoreDeviation: number | null;
  /** Share of answers that verified, 0..1; null when nothing was answered. */
  correctness: number | null;
  /** This node's reward of the epoch (wei), as the oracle judged it. */
  reward: bigint | null;
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

/** A decimal wei amount, or null when absent or not a whole number. */
function weiOrNull(v: unknown): bigint | null {
  if (typeof v === "string" && /^\d{1,78}$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return null;
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
    const passed = num(raw.passed);
    const answered = num(raw.answered);
    // Nothing answered: no latency and no correctness were measured (the oracle may send 0 for them).
    const nothingAnswered = answered === 0;
    out.push({
      epoch,
      challenges: num(pick(raw, "challenges", "challengeCount")),
      passed,
      answered,
      onTime: num(raw.onTime),
      claimGflops: num(raw.claimGflops),
      latencyMs: nothingAnswered ? null : num(pick(raw, "latencyMs", "medianLatencyMs", "latency", "meanLatencyMs")),
      scoreDeviation: num(pick(raw, "scoreDeviation", "deviation", "throughputRatio", "score")),
      correctness: nothingAnswered
        ? null
        : passed !== null && answered !== null
          ? passed / answered
          : num(pick(raw, "correctness", "correctRatio", "correct")),
      reward: weiOrNull(raw.reward),
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

/** What the oracle said when it had no proof (404): no root finalized, or no record of the chain's root. */
export interface NoProof {
  missing: string;
}

/** The latest finalized proof for `account`, or why the oracle has none. */
export async function fetchRewards(base: string, account: Address): Promise<RewardsProof | NoProof> {
  if (!isAddress(account)) throw new OracleError("not an address");
  const { status, body } = await getJson(base, `/v1/rewards/${account}`);
  if (status === 404) return { missing: apiError(status, body).message.replace(/^the oracle answered: /, "") };
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

/** One registered node as the oracle's `/v1/nodes` lists it; figures it did not send are null. */
export interface NetworkNode {
  node: Address;
  operator: Address | null;
  status: string | null;
  stake: bigint | null;
  unbonding: bigint | null;
  claim: { gpuModel: number; gpuCount: number; gflops: number; vramMiB: number; region: string } | null;
  latest: { epoch: number; verdict: string | null; reward: bigint | null } | null;
}

/** Nodes listed by the oracle, at most MAX_NETWORK_NODES. */
export const MAX_NETWORK_NODES = 1_000;

export function normalizeNetworkNodes(body: unknown): NetworkNode[] {
  const list = isObj(body) ? body.nodes : undefined;
  if (!Array.isArray(list)) throw new OracleError("the oracle's node list has no list of nodes");
  const out: NetworkNode[] = [];
  for (const raw of list.slice(0, MAX_NETWORK_NODES)) {
    if (!isObj(raw) || typeof raw.node !== "string" || !isAddress(raw.node)) continue;
    const c = isObj(raw.claim) ? raw.claim : null;
    const claim =
      c && num(c.gpuModel) !== null && num(c.gflops) !== null
        ? {
            gpuModel: num(c.gpuModel)!,
            gpuCount: num(c.gpuCount) ?? 0,
            gflops: num(c.gflops)!,
            vramMiB: num(c.vramMiB) ?? 0,
            region: typeof c.region === "string" ? c.region : "0x",
          }
        : null;
    const l = isObj(raw.latest) ? raw.latest : null;
    out.push({
      node: raw.node as Address,
      operator: typeof raw.operator === "string" && isAddress(raw.operator) ? (raw.operator as Address) : null,
      status: typeof raw.status === "string" ? raw.status : null,
      stake: weiOrNull(raw.stake),
      unbonding: weiOrNull(raw.unbonding),
      claim,
      latest:
        l && num(l.epoch) !== null
          ? { epoch: num(l.epoch)!, verdict: typeof l.verdict === "string" ? l.verdict : null, reward: weiOrNull(l.reward) }
          : null,
    });
  }
  return out;
}

export async function fetchNetworkNodes(base: string): Promise<NetworkNode[]> {
  const { status, body } = await getJson(base, "/v1/nodes");
  if (status !== 200) throw apiError(status, body);
  return normalizeNetworkNodes(body);
}

/** One challenge of the oracle's per-challenge record of an epoch (`/v1/epochs/:epoch/draws`). */
export interface ChallengeRecord {
  id: string;
  node: Address;
  kind: string;
  round: number | null;
  verdict: string | null;
}

/** The per-challenge record of `node` in an epoch, or why there is none yet. */
export type EpochRecord =
  | { state: "revealed"; url: string; challenges: ChallengeRecord[]; total: number | null; partial: boolean }
  | { state: "not-yet" | "none"; url: string; reason: string };

export function normalizeDraws(body: unknown, node: Address): { challenges: ChallengeRecord[]; total: number | null; partial: boolean } {
  const list = isObj(body) ? body.challenges : undefined;
  if (!Array.isArray(list)) throw new OracleError("the oracle's challenge record has no list of challenges");
  const mine = list.flatMap((r): ChallengeRecord[] =>
    isObj(r) && typeof r.node === "string" && r.node.toLowerCase() === node.toLowerCase()
      ? [{ id: String(r.id), node, kind: String(r.kind ?? "unknown"), round: num(r.round), verdict: typeof r.verdict === "string" ? r.verdict : null }]
      : [],
  );
  return { challenges: mine, total: isObj(body) ? num(body.total) : null, partial: isObj(body) && body.next !== null && body.next !== undefined };
}

/** The first page of the oracle's challenge record of `epoch`, filtered to `node`. */
export async function fetchEpochRecord(base: string, epoch: bigint | number, node: Address): Promise<EpochRecord> {
  const url = `${base}/v1/epochs/${epoch}/draws`;
  const { status, body } = await getJson(base, `/v1/epochs/${epoch}/draws`);
  if (status === 404) return { state: "none", url, reason: apiError(status, body).message.replace(/^the oracle answered: /, "") };
  // OR124: the epoch's draws are revealed once nothing of it can still be answered.
  if (status === 409) return { state: "not-yet", url, reason: apiError(status, body).message.replace(/^the oracle answered: /, "") };
  if (status !== 200) throw apiError(status, body);
  return { state: "revealed", url, ...normalizeDraws(body, node) };
}
