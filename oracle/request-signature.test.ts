/**
 * The agent's request signatures against the oracle's own verifier (oracle/auth.ts
 * `authenticate`, with a real in-memory SQLite nonce table): accepted as sent, rejected after
 * any change of body, path, method, chain or registry.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Address } from "viem";
import { privateKeyToAccount, generatePrivateKey } from "viem/accounts";
import { AUTH_HEADERS } from "../protocol";
import { authenticate, type AuthContext } from "./auth";
import { openDb } from "./store/schema";
import { TokenBuckets } from "./ratelimit";
import { signRequest } from "../protocol/request-signer";

const account = privateKeyToAccount(generatePrivateKey());
const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
const ctx = { account, chainId: 31337, registry };
const body = new TextEncoder().encode(JSON.stringify({ root: `0x${"ab".repeat(32)}` }));

function oracleCtx(over: Partial<AuthContext> = {}): AuthContext {
  return { chainId: 31337, registry, clockSkewMs: 30_000, db: openDb(":memory:"), limits: { perSigner: new TokenBuckets(100, 100), perSource: new TokenBuckets(100, 100) }, now: () => Date.now(), ...over };
}

async function verify(c: AuthContext, headers: Record<string, string>, method: string, path: string, bytes: Uint8Array) {
  return authenticate(c, { method, path, headers, body: Buffer.from(bytes) }, async () => undefined);
}

test("the oracle's verifier accepts a request signed by the agent", async () => {
  const { headers } = await signRequest(ctx, "POST", "/v1/challenges/7/commit", body);
  assert.equal(headers[AUTH_HEADERS.node], account.address);
  assert.match(headers[AUTH_HEADERS.nonce], /^0x[0-9a-f]{64}$/);
  const a = await verify(oracleCtx(), headers, "POST", "/v1/challenges/7/commit", body);
  assert.equal(a.signer, account.address);
});

test("tampering with the body, the path or the method is rejected by the oracle", async () => {
  const { headers } = await signRequest(ctx, "POST", "/v1/challenges/7/commit", body);
  const other = new TextEncoder().encode(JSON.stringify({ root: `0x${"cd".repeat(32)}` }));
  const c = oracleCtx();
  await assert.rejects(verify(c, headers, "POST", "/v1/challenges/7/commit", other), /OR105/);
  await assert.rejects(verify(c, headers, "POST", "/v1/challenges/8/commit", body), /OR105/);
  await assert.rejects(verify(c, headers, "GET", "/v1/challenges/7/commit", body), /OR105/);
});

test("a request signed for another chain or registry is rejected by the oracle", async () => {
  const { headers } = await signRequest(ctx, "POST", "/v1/challenges/next", new Uint8Array());
  await assert.rejects(verify(oracleCtx({ chainId: 1 }), headers, "POST", "/v1/challenges/next", new Uint8Array()), /OR105/);
  const otherRegistry = "0x0000000000000000000000000000000000000001" as Address;
  await assert.rejects(verify(oracleCtx({ registry: otherRegistry }), headers, "POST", "/v1/challenges/next", new Uint8Array()), /OR105/);
});

test("a timestamp from the past is stale, and two requests never share a nonce", async () => {
  const old = await signRequest(ctx, "POST", "/v1/challenges/next", new Uint8Array(), { timestamp: BigInt(Math.floor(Date.now() / 1000) - 3600) });
  await assert.rejects(verify(oracleCtx(), old.headers, "POST", "/v1/challenges/next", new Uint8Array()), /OR106/);
  const a = await signRequest(ctx, "POST", "/v1/challenges/next", new Uint8Array());
  const b = await signRequest(ctx, "POST", "/v1/challenges/next", new Uint8Array());
  assert.notEqual(a.headers[AUTH_HEADERS.nonce], b.headers[AUTH_HEADERS.nonce]);
});
