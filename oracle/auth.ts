/**
 * Authentication of signed API requests (protocol/eip712.ts `ORACLE_REQUEST_TYPES`): the
 * signature in `x-poai-signature` must recover to `x-poai-node` over the EIP-712 `OracleRequest`
 * of this exact method, path, body hash, timestamp and nonce, in the domain `PoAI Oracle API` /
 * chain id / NodeRegistry. A request for another chain or deployment therefore recovers to another
 * address and fails. The timestamp must be within the clock-skew window and the (signer, nonce)
 * pair unused; the signer must be within its rate limit and an active registered node (or a
 * committee member for committee routes). The cheap checks come first (access.ts): the source
 * address's rate limit before anything is parsed or recovered, the signer's rate limit before
 * the registry is looked at.
 *
 * Nothing here writes: `authenticate` only reads the nonce table, and the handler records the
 * nonce in the same database transaction as the request's effect (`recordNonce`), so a request
 * rejected for any reason, at any step, leaves the database as it was.
 */
import { isAddress, isHex, keccak256, recoverTypedDataAddress, type Address, type Hex } from "viem";
import type { IncomingHttpHeaders } from "node:http";
import { AUTH_HEADERS, ORACLE_API_DOMAIN_NAME, ORACLE_REQUEST_TYPES, domain } from "../protocol";
import { insertNonce, nonceUsed, pruneNoncesBefore } from "./store/nonces";
import type { DB } from "./store/schema";
import { httpError, OracleError } from "./errors";
import { admitSigner, admitSource, type RequestLimits } from "./access";

export interface AuthContext {
  chainId: number;
  /** The NodeRegistry: verifyingContract of the API domain. */
  registry: Address;
  clockSkewMs: number;
  db: DB;
  limits: RequestLimits;
  now: () => number;
}

export interface Authenticated {
  signer: Address;
  nonce: Hex;
  timestampSec: number;
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? undefined : v; // a repeated auth header is malformed
}

/**
 * Checks the source's rate limit, then the signature, window, nonce and the signer's rate limit
 * of a request; `isAllowed` decides whether the recovered signer may use this route (active
 * node, committee member) and throws if not. `remoteAddress`: the peer's address, as the socket
 * has it.
 */
export async function authenticate(
  ctx: AuthContext,
  req: { method: string; path: string; headers: IncomingHttpHeaders; body: Buffer; remoteAddress?: string },
  isAllowed: (signer: Address) => Promise<void>,
): Promise<Authenticated> {
  admitSource(ctx.limits, req.remoteAddress, ctx.now());
  const node = header(req.headers, AUTH_HEADERS.node);
  const ts = header(req.headers, AUTH_HEADERS.timestamp);
  const nonce = header(req.headers, AUTH_HEADERS.nonce);
  const sig = header(req.headers, AUTH_HEADERS.signature);
  if (!node || !ts || !nonce || !sig) {
    const missing = Object.values(AUTH_HEADERS).filter((n) => !header(req.headers, n));
    throw httpError.missingAuth(`missing or repeated header(s): ${missing.join(", ")}`);
  }
  if (!isAddress(node, { strict: false })) throw httpError.missingAuth(`${AUTH_HEADERS.node} is not an address`);
  if (!/^[0-9]{1,15}$/.test(ts)) throw httpError.missingAuth(`${AUTH_HEADERS.timestamp} is not unix seconds`);
  if (!/^0x[0-9a-fA-F]{64}$/.test(nonce)) throw httpError.missingAuth(`${AUTH_HEADERS.nonce} is not a 32-byte hex string`);
  if (!isHex(sig, { strict: true }) || sig.length !== 132) {
    throw httpError.missingAuth(`${AUTH_HEADERS.signature} is not a 65-byte hex signature`);
  }

  const timestampSec = Number(ts);
  const skew = Math.abs(ctx.now() - timestampSec * 1000);
  if (skew > ctx.clockSkewMs) {
    throw httpError.stale(`timestamp ${timestampSec} is ${Math.round(skew / 1000)} s from the oracle's clock (window ${ctx.clockSkewMs / 1000} s)`);
  }

  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({
      domain: domain(ORACLE_API_DOMAIN_NAME, ctx.chainId, ctx.registry),
      types: ORACLE_REQUEST_TYPES,
      primaryType: "OracleRequest",
      message: {
        node: node as Address,
        method: req.method.toUpperCase(),
        path: req.path,
        bodyHash: keccak256(new Uint8Array(req.body)),
        timestamp: BigInt(timestampSec),
        nonce: nonce as Hex,
      },
      signature: sig as Hex,
    });
  } catch (e) {
    throw new OracleError("OR105", "signature cannot be recovered", { status: 401, cause: e });
  }
  if (signer.toLowerCase() !== node.toLowerCase()) throw httpError.badSignature();

  if (nonceUsed(ctx.db, signer.toLowerCase(), nonce.toLowerCase())) throw httpError.replay();

  await admitSigner(ctx.limits, signer, ctx.now(), isAllowed);

  return { signer, nonce: nonce.toLowerCase() as Hex, timestampSec };
}

/**
 * Records the nonce of an accepted request; call inside the transaction of the request's effect.
 * A concurrent duplicate loses on the primary key and is reported as a replay.
 */
export function recordNonce(db: DB, a: Authenticated): void {
  if (!insertNonce(db, a.signer.toLowerCase(), a.nonce, a.timestampSec * 1000)) throw httpError.replay();
}

/**
 * Forgets nonces older than twice the skew window: a request that old fails the timestamp check
 * before its nonce is looked at, so the replay defence does not need them.
 */
export function pruneNonces(db: DB, nowMs: number, clockSkewMs: number): number {
  return pruneNoncesBefore(db, nowMs - 2 * clockSkewMs);
}
