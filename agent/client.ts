/**
 * The oracle API as the agent sees it: every request signed by the node key (sign.ts), JSON in
 * and out, errors turned into AgentErrors. Network failures are AG007 (the loop retries them),
 * answers with `{error: {code, message}}` are AG009 (or AG005/AG006 when the oracle says the
 * node is not registered or jailed).
 */
import type { Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { AgentError, rootCause } from "./errors";
import { ORACLE_API_VERSION } from "../protocol";
import { jsonHash, signAnswer } from "../protocol/answer-signature";
import { signRequest, type SignContext } from "../protocol/request-signer";
import { retryAfterMs } from "../protocol/retry-after";
import type { SignedProcessReport } from "../protocol/process-report";

/** Largest answer body the agent reads, bytes. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** Per-request timeout, ms. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Wait before asking again when the oracle gave no usable retry-after, ms. */
const DEFAULT_RETRY_MS = 1_000;

export interface OracleInfo {
  chainId: number;
  registry: `0x${string}`;
  raw: Record<string, unknown>;
}

export interface Challenge {
  challengeId: string;
  kind: string;
  epoch: string | number;
  round: number;
  seed: Hex;
  spec: Record<string, unknown>;
  deadline: number | string;
  /** Present when this challenge was already committed (the agent restarted in between). */
  root?: Hex;
  openings?: number[];
}

/** One opened row or item: `data` for gemm, `fingerprint` for infer (see solver.ts). */
export interface Opening {
  index: number;
  data?: Hex;
  fingerprint?: { ids: number[][]; q: number[][] };
  proof: Hex[];
}

export type NextResult = { challenge: Challenge } | { retryAfterMs: number };

export interface Verdict {
  verdict: string;
  reason?: string;
  [k: string]: unknown;
}

function pickAddress(o: Record<string, unknown>): `0x${string}` | undefined {
  const candidates = [
    o.registry,
    o.nodeRegistry,
    (o.contracts as Record<string, unknown> | undefined)?.NodeRegistry,
    (o.contracts as Record<string, unknown> | undefined)?.nodeRegistry,
    (o.addresses as Record<string, unknown> | undefined)?.NodeRegistry,
  ];
  for (const c of candidates) {
    if (typeof c === "string" && /^0x[0-9a-fA-F]{40}$/.test(c)) return c as `0x${string}`;
  }
  return undefined;
}

/** What an answer's signature covers besides the openings: the spec as received, the root committed. */
export interface AnswerOf {
  spec: unknown;
  root: Hex;
}

export class OracleClient {
  private ctx?: SignContext;

  constructor(
    readonly baseUrl: string,
    private readonly account: PrivateKeyAccount,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  /** `GET /v1/info`; fixes the chain id and registry the requests are signed for. */
  async info(): Promise<OracleInfo> {
    const raw = (await this.request("GET", "/v1/info", undefined, false)) as Record<string, unknown>;
    // An oracle of another API version would reject every signed request as a bad signature
    // (the version is part of the signing domain): say what is wrong instead.
    const apiVersion = raw.apiVersion === undefined ? "1" : String(raw.apiVersion);
    if (apiVersion !== ORACLE_API_VERSION) {
      throw new AgentError(
        "OracleRejected",
        `the oracle at ${this.baseUrl} speaks API version ${apiVersion}, this agent ${ORACLE_API_VERSION}: run an agent and an oracle of the same release`,
      );
    }
    const chainId = Number(raw.chainId);
    const registry = pickAddress(raw);
    if (!Number.isInteger(chainId) || chainId <= 0 || !registry) {
      throw new AgentError("OracleRejected", `the oracle's /v1/info lacks a chain id or NodeRegistry address`, {
        hint: JSON.stringify(raw).slice(0, 300),
      });
    }
    this.ctx = { account: this.account, chainId, registry };
    return { chainId, registry, raw };
  }

  async next(): Promise<NextResult> {
    const res = await this.request("POST", "/v1/challenges/next", {});
    if (res === undefined || (typeof res === "object" && res !== null && "retryAfterMs" in res && !("challengeId" in res))) {
      const ms = Number((res as { retryAfterMs?: unknown } | undefined)?.retryAfterMs ?? 1000);
      return { retryAfterMs: Number.isFinite(ms) && ms >= 0 ? ms : 1000 };
    }
    return { challenge: res as Challenge };
  }

  async commit(challengeId: string, root: Hex): Promise<{ openings: number[]; [k: string]: unknown }> {
    return (await this.request("POST", `/v1/challenges/${encodeURIComponent(challengeId)}/commit`, { root })) as { openings: number[] };
  }

  /**
   * The node key's ChallengeAnswer signature over the spec as received, the committed root and
   * the openings as sent, for the chain and registry `info()` fixed (protocol/answer-signature.ts).
   */
  async signAnswer(challengeId: string, of: AnswerOf, openings: Opening[]): Promise<Hex> {
    const ctx = this.ctx ?? (await this.info(), this.ctx!);
    return signAnswer(this.account, { chainId: ctx.chainId, registry: ctx.registry }, { challenge: challengeId as Hex, spec: jsonHash(of.spec), root: of.root, answer: jsonHash(openings) });
  }

  /** `of`: the challenge's spec as received and the root committed, which the answer's signature covers. */
  async open(challengeId: string, openings: Opening[], of: AnswerOf, extra: Record<string, unknown> = {}): Promise<Verdict> {
    const signature = await this.signAnswer(challengeId, of, openings);
    return (await this.request("POST", `/v1/challenges/${encodeURIComponent(challengeId)}/open`, { ...extra, openings, signature })) as Verdict;
  }

  /** `POST /v1/processes`: a process report signed by the node key (processes/report.ts). */
  async processes(report: SignedProcessReport): Promise<void> {
    await this.request("POST", "/v1/processes", report);
  }

  async get(path: string): Promise<unknown> {
    return this.request("GET", path, undefined, false);
  }

  /** One HTTP call; `signed` requests need `info()` first. Returns parsed JSON, or undefined for 204. */
  async request(method: string, path: string, body?: unknown, signed = true): Promise<unknown> {
    const bytes = body === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(body));
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (signed) {
      if (!this.ctx) await this.info();
      Object.assign(headers, (await signRequest(this.ctx!, method, path, bytes)).headers);
    }
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : bytes,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const why = rootCause(err);
      throw new AgentError("OracleUnreachable", `oracle ${this.baseUrl} unreachable (${method} ${path}${why ? `: ${why}` : ""})`, { cause: err });
    }
    if (res.status === 204) {
      await res.arrayBuffer().catch(() => undefined);
      return { retryAfterMs: retryAfterMs(res.headers.get("retry-after")) ?? DEFAULT_RETRY_MS };
    }
    const text = await res.text();
    if (text.length > MAX_RESPONSE_BYTES) {
      throw new AgentError("OracleRejected", `oracle answer of ${text.length} bytes exceeds ${MAX_RESPONSE_BYTES}`);
    }
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      if (res.status >= 500) throw new AgentError("OracleUnreachable", `oracle error ${res.status} on ${method} ${path}`);
      throw new AgentError("OracleRejected", `oracle answered ${res.status} with non-JSON on ${method} ${path}`);
    }
    if (res.status >= 500 || res.status === 502 || res.status === 503) {
      throw new AgentError("OracleUnreachable", `oracle error ${res.status} on ${method} ${path}: ${text.slice(0, 200)}`);
    }
    if (res.status >= 400) {
      const e = (json as { error?: { code?: string; message?: string; details?: { nodeStatus?: unknown } } } | undefined)?.error;
      if (res.status === 429) {
        const ms = retryAfterMs(res.headers.get("retry-after")) ?? DEFAULT_RETRY_MS;
        throw new AgentError("OracleUnreachable", `oracle rate limit hit (retry after ${ms} ms)`);
      }
      throw oracleRejection(this.account.address, String(e?.code ?? res.status), String(e?.message ?? text.slice(0, 200)), e?.details, res.status, `${method} ${path}`);
    }
    return json;
  }
}

/**
 * The agent's error for an oracle's refusal `code` (docs/errors.md): OR108 node not registered,
 * OR109 node not active (with the registry's status in `details.nodeStatus`: "jailed",
 * "exiting"), OR110 rate limited (retried like an unreachable oracle), else an OracleRejection.
 */
export function oracleRejection(node: string, code: string, msg: string, details: { nodeStatus?: unknown } | undefined, status: number, what: string): AgentError {
  if (code === "OR108") return new AgentError("NotRegistered", `the oracle says node ${node} is not registered: ${msg}`, { hint: `oracle code ${code}` });
  if (code === "OR109" && details?.nodeStatus === "jailed") return new AgentError("Jailed", `the oracle says node ${node} is jailed: ${msg}`, { hint: `oracle code ${code}` });
  if (code === "OR109") return new AgentError("Exiting", `the oracle says node ${node} is not active: ${msg}`, { hint: `oracle code ${code}` });
  if (code === "OR110") return new AgentError("OracleUnreachable", `oracle rate limit hit on ${what}: ${msg}`);
  return new OracleRejection(code, `oracle rejected ${what} (${status} ${code}): ${msg}`, status);
}

export class OracleRejection extends AgentError {
  constructor(
    readonly oracleCode: string,
    message: string,
    readonly status: number,
  ) {
    super("OracleRejected", message);
  }
}
