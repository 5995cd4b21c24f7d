/**
 * The EIP-712 messages every part of PoAI signs or checks: domains, the node key's registration,
 * the stake permit, the committee's epoch report and the node agent's API request. The contracts
 * implement the same definitions in Solidity (contracts/interfaces); the oracle, the agent, the
 * dApp and the tests import them from here and nowhere else.
 */
import type { Address, Hex } from "viem";

/**
 * Version of the on-chain domains (`PoAI NodeRegistry`, `PoAI Settlement`): the contracts'
 * `EIP712(name, version)`; each domain's version is bumped, with its contract, on any change of a
 * type it checks. `PROTOCOL_VERSION` is the NodeRegistry's (and the default).
 */
export const PROTOCOL_VERSION = "1";

/**
 * Version of the `PoAI Settlement` domain (`EIP712("PoAI Settlement", "2")`).
 * 2: the epoch report names its parent report and carries the seed-shares hash and the leases root.
 */
export const SETTLEMENT_VERSION = "2";

/**
 * Version of the oracle API: the `PoAI Oracle API` domain every agent request is signed in, and
 * so of the bodies and answers those requests carry. Only oracles check it, so it moves without
 * the contracts. A request signed for another version fails authentication (OR105), and
 * `GET /v1/info` says which version an oracle speaks (`apiVersion`).
 * 2: one wire codec per challenge kind (a gemm opening is `{index, data, proof}` only), one
 *    `retry-after` unit (whole seconds) on every answer, numbered error codes in every part, and
 *    the production profile refusing to start on the devnet key.
 * 3: the session transport (protocol/session.ts): a WebSocket opened with one `SessionOpen`
 *    signature, HMAC-sealed frames, challenges pushed at their due instant; a `void` verdict.
 * 4: every answer carries the node key's `ChallengeAnswer` signature, so a wrong answer is
 *    evidence any committee member or auditor can check (protocol/evidence.ts); the process
 *    report is a signed `ProcessReport` (protocol/process-report.ts), over HTTP and over a
 *    session alike, instead of an unsigned list.
 */
export const ORACLE_API_VERSION = "4";

/** Domain names: `verifyingContract` is the contract that checks the signature. */
export const REGISTRY_DOMAIN_NAME = "PoAI NodeRegistry";
export const SETTLEMENT_DOMAIN_NAME = "PoAI Settlement";
export const ORACLE_API_DOMAIN_NAME = "PoAI Oracle API";

const DOMAIN_VERSIONS: Record<string, string> = {
  [REGISTRY_DOMAIN_NAME]: PROTOCOL_VERSION,
  [SETTLEMENT_DOMAIN_NAME]: SETTLEMENT_VERSION,
  [ORACLE_API_DOMAIN_NAME]: ORACLE_API_VERSION,
};

export function domain(name: string, chainId: number | bigint, verifyingContract: Address) {
  return { name, version: DOMAIN_VERSIONS[name] ?? PROTOCOL_VERSION, chainId: BigInt(chainId), verifyingContract } as const;
}

/**
 * A node key proves it agrees to be registered by `operator`. `nonce` is the registry's
 * `nonces(nodeKey)`, so a used signature cannot be replayed; `deadline` is a unix time.
 */
export const REGISTRATION_TYPES = {
  Registration: [
    { name: "operator", type: "address" },
    { name: "nodeKey", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/**
 * ERC-2612 `Permit` of the stake token (OpenZeppelin ERC20Permit): one signature that lets
 * `registerWithPermit` pull the stake without a separate approve transaction.
 */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/**
 * The committee's epoch report (contracts/interfaces/ISettlement.sol `EpochReport`). Chain id and
 * contract are bound by the domain; `epoch`, `parent` and `configVersion` by the struct, so a
 * signature is valid for exactly one report of one epoch, built on one parent report, under one
 * committee configuration.
 */
export const EPOCH_REPORT_TYPES = {
  EpochReport: [
    { name: "epoch", type: "uint64" },
    { name: "parent", type: "bytes32" },
    { name: "seed", type: "bytes32" },
    { name: "sharesHash", type: "bytes32" },
    { name: "rewardsRoot", type: "bytes32" },
    { name: "rewardsTotal", type: "uint256" },
    { name: "statsRoot", type: "bytes32" },
    { name: "slashListHash", type: "bytes32" },
    { name: "leasesRoot", type: "bytes32" },
    { name: "configVersion", type: "uint64" },
  ],
} as const;

export interface EpochReport {
  epoch: bigint;
  /**
   * EIP-712 digest of the report whose cumulative tree this one builds on (Settlement's tip when
   * submitted: the latest report not vetoed); zero for the first report.
   */
  parent: Hex;
  seed: Hex;
  /** Hash of the revealed seed shares the seed mixes; zero while one member commits the seed. */
  sharesHash: Hex;
  rewardsRoot: Hex;
  /** Rewards of this epoch alone (the increase of the cumulative tree's total). */
  rewardsTotal: bigint;
  statsRoot: Hex;
  slashListHash: Hex;
  /** Root of the leases the report settles; zero while no lease exists. */
  leasesRoot: Hex;
  configVersion: bigint;
}

/**
 * Every request of a node agent to the oracle's API is signed by the node key over this struct
 * (domain `PoAI Oracle API`, verifyingContract = the NodeRegistry). `bodyHash` is keccak256 of
 * the exact request body bytes (keccak256 of empty bytes for a GET). The oracle accepts a
 * timestamp within its clock skew window and each (node, nonce) at most once, so a captured
 * request cannot be replayed, and a request for another oracle deployment or chain fails the
 * domain check.
 */
export const ORACLE_REQUEST_TYPES = {
  OracleRequest: [
    { name: "node", type: "address" },
    { name: "method", type: "string" },
    { name: "path", type: "string" },
    { name: "bodyHash", type: "bytes32" },
    { name: "timestamp", type: "uint64" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

/**
 * A node key signs its answer to one challenge (domain `PoAI Oracle API`, verifyingContract =
 * the NodeRegistry): the spec it computed (`spec`, keccak256 of the spec's JSON as sent), the
 * root it committed and the openings it sends (`answer`, keccak256 of their JSON as sent;
 * protocol/answer-signature.ts), so no member can later present another spec, root or row under
 * which the node's answer would fail. The challenge id names the issuing member's epoch, node and
 * round (protocol/seeds.ts challengeId: a hash under that member's schedule key), so the
 * signature is bound to chain, registry, API version, member, epoch and challenge. The oracle's
 * HMAC-sealed session authenticates the answer only to that oracle; this signature makes it the
 * node's word to everyone, which is what a fraud slash's evidence needs.
 */
export const CHALLENGE_ANSWER_TYPES = {
  ChallengeAnswer: [
    { name: "challenge", type: "bytes16" },
    { name: "spec", type: "bytes32" },
    { name: "root", type: "bytes32" },
    { name: "answer", type: "bytes32" },
  ],
} as const;

/** HTTP headers carrying the request signature. */
export const AUTH_HEADERS = {
  node: "x-poai-node",
  timestamp: "x-poai-timestamp",
  nonce: "x-poai-nonce",
  signature: "x-poai-signature",
} as const;
