/**
 * The contract deployment's parameters (epoch clock, stake, slashing, dispute window) and their
 * devnet values. scripts/deploy-lib.ts deploys with them; the simulator prices stake from them.
 * Times are in seconds, amounts in token base units (18 decimals).
 */

/** Deployment parameters. Times are in seconds, amounts in token base units (18 decimals). */
export interface ProtocolParams {
  /** An existing ERC-20 stake token; if absent, a fresh PoAIToken is deployed. */
  token?: string;
  /** Holder of every admin and governance role; defaults to the deployer. */
  admin?: string;
  /** Receives the treasury share of slashes and rejected appeal bonds; defaults to `admin`. */
  treasury?: string;
  /** Start of epoch 0 (unix seconds); defaults to the latest block time + one epoch length. */
  genesis?: bigint;
  epochLength: bigint;
  /** Committee members; defaults to `[admin]`. */
  committee?: string[];
  /** Quorum; defaults to a strict majority of the committee. */
  quorum?: number;
  unbondingDelay: bigint;
  jailDuration: bigint;
  minStakeBase: bigint;
  minStakePerTflop: bigint;
  disputeWindow: bigint;
  slashBurnBps: number;
  appealBond: bigint;
  maxSlashes: number;
  /** Minted to the deployer when a fresh PoAIToken is deployed. */
  initialMint?: bigint;
}

const E18 = 10n ** 18n;

/** Devnet defaults: 20 s epochs, 30 s dispute window, unbonding long enough to stay slashable. */
export const DEVNET_PARAMS: ProtocolParams = {
  epochLength: 20n,
  unbondingDelay: 120n,
  jailDuration: 300n,
  minStakeBase: 100n * E18,
  minStakePerTflop: 10n * E18,
  disputeWindow: 30n,
  slashBurnBps: 5_000,
  appealBond: 10n * E18,
  maxSlashes: 64,
  initialMint: 1_000_000n * E18,
};
