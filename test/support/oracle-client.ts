/**
 * A node's side of an oracle e2e test: signed requests to the oracle's API (the agent's request
 * signer) and one gemm challenge answered with the engine, the same path the agent takes,
 * honestly or with a corrupted row.
 */
import type { Address, Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { GemmSpec } from "../../engine/gemm/spec";
import { openGemm, runGemm } from "../../engine/gemm/kernel";
import { encodeGemmOpening } from "../../protocol/wire/gemm";
import { signRequest } from "../../protocol/request-signer";
import { jsonHash, signAnswer } from "../../protocol/answer-signature";

/** A signed request to the oracle; returns status and parsed JSON. */
export async function signedFetch(
  base: string,
  ctx: { account: PrivateKeyAccount; chainId: number; registry: Address },
  method: string,
  path: string,
  body?: unknown,
  over: { timestamp?: bigint; nonce?: Hex; rawBody?: Uint8Array; headers?: Record<string, string | undefined> } = {},
): Promise<{ status: number; json: any; headers: Headers }> {
  const bytes = over.rawBody ?? (body === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(body)));
  const signed = await signRequest(ctx, method, path, bytes, { timestamp: over.timestamp, nonce: over.nonce });
  const headers: Record<string, string> = { "content-type": "application/json", ...signed.headers };
  for (const [k, v] of Object.entries(over.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  const res = await fetch(base + path, { method, headers, body: method === "GET" ? undefined : Buffer.from(bytes) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** An open body as the agent sends it: the openings and the node key's ChallengeAnswer signature. */
export async function openBody(
  ctx: { account: PrivateKeyAccount; chainId: number; registry: Address },
  challengeId: string,
  of: { spec: unknown; root: Hex },
  openings: unknown[],
): Promise<{ openings: unknown[]; signature: Hex }> {
  const signature = await signAnswer(ctx.account, ctx, { challenge: challengeId as Hex, spec: jsonHash(of.spec), root: of.root, answer: jsonHash(openings) });
  return { openings, signature };
}

/** Runs one challenge honestly (or with a corrupted row) the way the agent does. */
export async function answerChallenge(
  base: string,
  ctx: { account: PrivateKeyAccount; chainId: number; registry: Address },
  o: { corrupt?: boolean } = {},
): Promise<{ challengeId?: string; verdict?: string; status: number }> {
  const next = await signedFetch(base, ctx, "POST", "/v1/challenges/next", {});
  if (next.status !== 200) return { status: next.status };
  const ch = next.json;
  const spec = ch.spec as GemmSpec;
  const run = await runGemm(spec, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
  const commit = await signedFetch(base, ctx, "POST", `/v1/challenges/${ch.challengeId}/commit`, { root: run.root });
  if (commit.status !== 200) return { challengeId: ch.challengeId, status: commit.status };
  const openings = openGemm(run, commit.json.openings).map((x) => {
    const row = x.row.slice();
    if (o.corrupt) row[0] += 1;
    return encodeGemmOpening({ ...x, row });
  });
  const open = await signedFetch(base, ctx, "POST", `/v1/challenges/${ch.challengeId}/open`, await openBody(ctx, ch.challengeId, { spec: ch.spec, root: run.root }, openings));
  return { challengeId: ch.challengeId, verdict: open.json?.verdict, status: open.status };
}
