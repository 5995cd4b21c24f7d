/**
 * The order of cheap rejection (access.ts) through the oracle's own verifier (auth.ts
 * `authenticate`, real in-memory SQLite nonce table): a source over its bucket is refused before
 * its signature is recovered, a signer over its bucket before the route's registry check runs;
 * and the source key groups an IPv6 /64 and unwraps IPv4-mapped addresses.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { Address } from "viem";
import { AUTH_HEADERS } from "../protocol";
import { signRequest } from "../protocol/request-signer";
import { sourceKey } from "./access";
import { authenticate, recordNonce, type AuthContext } from "./auth";
import { OracleError } from "./errors";
import { TokenBuckets } from "./ratelimit";
import { openDb } from "./store/schema";

const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const;
const account = privateKeyToAccount(generatePrivateKey());
const empty = Buffer.alloc(0);

function oracleCtx(o: { sourceBurst?: number; signerBurst?: number }): AuthContext {
  return {
    chainId: 31337,
    registry,
    clockSkewMs: 30_000,
    db: openDb(":memory:"),
    limits: { perSource: new TokenBuckets(0.001, o.sourceBurst ?? 100), perSigner: new TokenBuckets(0.001, o.signerBurst ?? 100) },
    now: () => Date.now(),
  };
}

/** The error code of one request (undefined when accepted). */
async function codeOf(c: AuthContext, headers: Record<string, string>, remoteAddress: string, allow: (a: Address) => Promise<void> = async () => undefined) {
  try {
    await authenticate(c, { method: "POST", path: "/v1/challenges/next", headers, body: empty, remoteAddress }, allow);
    return undefined;
  } catch (e) {
    return (e as OracleError).code;
  }
}

describe("cheap rejection", () => {
  it("refuses a source over its bucket before recovering its signature", async () => {
    const c = oracleCtx({ sourceBurst: 3 });
    const { headers } = await signRequest({ account, chainId: 31337, registry }, "POST", "/v1/challenges/next", new Uint8Array());
    // Signed over another body: recovery would answer OR105.
    const forged = { ...headers, [AUTH_HEADERS.signature]: (await signRequest({ account, chainId: 1, registry }, "POST", "/x", new Uint8Array())).headers[AUTH_HEADERS.signature] };
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(await codeOf(c, forged, "10.0.0.1"));
    assert.deepEqual(codes, ["OR105", "OR105", "OR105", "OR110", "OR110"]);
    assert.equal(await codeOf(c, forged, "10.0.0.2"), "OR105", "another source has its own bucket");
    assert.equal(await codeOf(c, forged, "::ffff:10.0.0.1"), "OR110", "the same host over IPv4-mapped IPv6");
  });

  it("refuses a signer over its bucket before the registry check runs", async () => {
    const c = oracleCtx({ signerBurst: 4 });
    let lookups = 0;
    const unknown = async (a: Address) => {
      lookups++;
      throw new OracleError("OR108", `node ${a} is not registered`, { status: 403 });
    };
    const codes = [];
    for (let i = 0; i < 7; i++) {
      const { headers } = await signRequest({ account, chainId: 31337, registry }, "POST", "/v1/challenges/next", new Uint8Array());
      codes.push(await codeOf(c, headers, `10.1.0.${i}`, unknown));
    }
    assert.deepEqual(codes, ["OR108", "OR108", "OR108", "OR108", "OR110", "OR110", "OR110"]);
    assert.equal(lookups, 4, "no registry check after the burst");
  });

  it("a replayed request spends none of its signer's tokens", async () => {
    const c = oracleCtx({ signerBurst: 2 });
    const sign = async () => (await signRequest({ account, chainId: 31337, registry }, "POST", "/v1/challenges/next", new Uint8Array())).headers;
    const first = await sign();
    recordNonce(c.db, await authenticate(c, { method: "POST", path: "/v1/challenges/next", headers: first, body: empty, remoteAddress: "10.2.0.1" }, async () => undefined));
    for (let i = 0; i < 3; i++) assert.equal(await codeOf(c, first, "10.2.0.1"), "OR107");
    assert.equal(await codeOf(c, await sign(), "10.2.0.1"), undefined, "the replays left the second token");
    assert.equal(await codeOf(c, await sign(), "10.2.0.1"), "OR110");
  });

  it("keys a source by IPv4 address and by IPv6 /64", () => {
    assert.equal(sourceKey("192.0.2.7"), "192.0.2.7");
    assert.equal(sourceKey("::ffff:192.0.2.7"), "192.0.2.7");
    assert.equal(sourceKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert.equal(sourceKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
    assert.equal(sourceKey("2001:db8::1"), "2001:db8:0:0::/64");
    assert.equal(sourceKey("::1"), "0:0:0:0::/64");
    assert.equal(sourceKey("fe80::1%eth0"), "fe80:0:0:0::/64");
    assert.equal(sourceKey(undefined), "unknown");
  });
});
