/**
 * The contract deployment's parameters (epoch clock, stake, slashing, dispute window) and their
 * devnet values. scripts/deploy-lib.ts deploys with them; the simulator prices stake from them.
 * Times are in seconds, amounts in token base units (18 decimals).
 */

/** Deployment parameters. Times are in seconds, amounts in token base units (18 decimals). */
export interface ProtocolParams {
  /** An existing ERC-20 stake token; if absent, a fresh PoAIToken is deployed. */
  token?: string;
  /**
   * Governance: the only proposer of the timelock (PoAITimelock), which holds every parameter and
   * role-admin role after deployment; defaults to the deployer. It holds no role on the protocol
   * contracts themselves: every change it makes waits `timelockDelay`.
   */
  admin?: string;
  /**
   * The guardian: vetoes slashes and reports and resolves appeals inside the dispute window, pauses new
   * stake, cancels scheduled timelock operations; no delay, and no power to move funds or change a
   * parameter. Defaults to `admin`.
   */
  guardian?: string;
  /**
   * The timelock's minimum delay (seconds); must exceed `unbondingDelay`, so an operator who sees a change
   * scheduled can exit before it applies. Defaults to unbondingDelay + epochLength + disputeWindow.
   */
  timelockDelay?: bigint;
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
  /**
   * LeaseManager: seconds of notice a booking needs and before which a renter may cancel; defaults to
   * DEFAULT_LEASE_NOTICE. Bounds: 60 s .. 7 days.
   */
  leaseNotice?: bigint;
  /**
   * LeaseManager: seconds after a lease's end from which its renter reclaims an unsettled escrow; must exceed
   * epochLength + disputeWindow (and lie in 1 h .. 90 days). Defaults to `defaultLeaseSettleTimeout`.
   */
  leaseSettleTimeout?: bigint;
  /** Minted to the deployer when a fresh PoAIToken is deployed. */
  initialMint?: bigint;
}

const E18 = 10n ** 18n;

/** Default booking and cancellation notice of leases (seconds). */
export const DEFAULT_LEASE_NOTICE = 600n;

/**
 * Default settlement timeout of leases: twice an epoch plus the dispute window (room for the report of the
 * lease's last epoch, a late relay and its window), at least an hour, at most 90 days.
 */
export function defaultLeaseSettleTimeout(p: Pick<ProtocolParams, "epochLength" | "disputeWindow">): bigint {
  const t = 2n * (p.epochLength + p.disputeWindow);
  const hour = 3600n;
  const max = 90n * 86_400n;
  return t < hour ? hour : t > max ? max : t;
}

/**
 * Devnet defaults: 20 s epochs, 30 s dispute window, unbonding long enough to stay slashable. The timelock
 * delay is left to its default, unbonding + epoch + dispute window (170 s here), so it stays above the
 * unbonding delay whatever a devnet overrides.
 */
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
