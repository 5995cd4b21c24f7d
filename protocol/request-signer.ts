/**
 * Signs a request to the oracle API with the node key (EIP-712 `OracleRequest`, domain
 * `PoAI Oracle API` / chain id / NodeRegistry, see protocol/eip712.ts). Pure apart from the
 * random nonce and the clock, which callers may pass in.
 */
import { bytesToHex, keccak256, type Address, type Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { AUTH_HEADERS, ORACLE_API_DOMAIN_NAME, ORACLE_REQUEST_TYPES, domain } from "./eip712";

export interface SignContext {
  account: PrivateKeyAccount;
  chainId: number;
  /** The NodeRegistry address: the domain's verifyingContract. */
  registry: Address;
}

export interface SignedRequest {
  headers: Record<string, string>;
  /** The exact body bytes that were hashed; send these and nothing else. */
  body: Uint8Array;
}

export interface SignOptions {
  /** Unix seconds; default now. */
  timestamp?: bigint;
  /** bytes32; default 32 random bytes. */
  nonce?: Hex;
}

/** keccak256 of the exact body bytes (keccak256 of empty bytes for a request without body). */
export function bodyHash(body: Uint8Array): Hex {
  return keccak256(body);
}

export async function signRequest(
  ctx: SignContext,
  method: string,
  path: string,
  body: Uint8Array,
  opts: SignOptions = {},
): Promise<SignedRequest> {
  const timestamp = opts.timestamp ?? BigInt(Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? bytesToHex(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  const node = ctx.account.address;
  const signature = await ctx.account.signTypedData({
    domain: domain(ORACLE_API_DOMAIN_NAME, ctx.chainId, ctx.registry),
    types: ORACLE_REQUEST_TYPES,
    primaryType: "OracleRequest",
    message: { node, method: method.toUpperCase(), path, bodyHash: bodyHash(body), timestamp, nonce },
  });
  return {
    body,
    headers: {
      [AUTH_HEADERS.node]: node,
      [AUTH_HEADERS.timestamp]: timestamp.toString(),
      [AUTH_HEADERS.nonce]: nonce,
      [AUTH_HEADERS.signature]: signature,
    },
  };
}
