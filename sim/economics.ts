/**
 * The money side of one simulated operator: stake, rewards, slashes, running cost and side
 * income, in stake-token units (whole tokens, floats: the simulator estimates, the contracts
 * count in wei and round as they document).
 *
 * Stake: NodeRegistry.minimumStake = base + perTflop * claimed TFLOP/s (rounded up there; not
 * here). Rewards: each epoch a fixed budget is shared by the nodes in proportion to the capacity
 * the judge pays them for (verified work). Cost: owning or renting the hardware actually held,
 * plus the yield the stake would earn elsewhere. Side income: GPU time a cheater frees by not
 * doing the work and rents out at the market rate.
 */

export interface EconomicParams {
  /** NodeRegistry minimum-stake base, tokens. */
  minStakeBase: number;
  /** NodeRegistry minimum stake per claimed TFLOP/s, tokens. */
  minStakePerTflop: number;
  /** Reward budget of one epoch, tokens per claimed TFLOP/s of the whole fleet at start. */
  budgetPerFleetTflop: number;
  /** Cost of holding (owning or renting) one TFLOP/s of hardware for one epoch, tokens. */
  costPerTflopEpoch: number;
  /** What one TFLOP/s of freed GPU time earns elsewhere for one epoch, tokens. */
  rentPerTflopEpoch: number;
  /** Yield forgone on staked tokens per epoch (share of the stake). */
  stakeYieldPerEpoch: number;
  /** Where the stake figures come from (deploy script defaults or the simulator's own). */
  source: string;
}

/**
 * Defaults. Stake: 100 tokens base + 10 tokens per claimed TFLOP/s (an H100 at 989 TFLOP/s
 * stakes about 10,000 tokens). Budget: 0.0025 tokens per fleet TFLOP/s per epoch, against a
 * hardware cost of 0.002 (a 989-TFLOP/s GPU at about 2 tokens an hour): honest operators earn
 * about 25 % over cost. Stake yield 5 % a year, per one-hour epoch.
 */
export const DEFAULT_ECONOMICS: EconomicParams = {
  minStakeBase: 100,
  minStakePerTflop: 10,
  budgetPerFleetTflop: 0.0025,
  costPerTflopEpoch: 0.002,
  rentPerTflopEpoch: 0.002,
  stakeYieldPerEpoch: 0.05 / (365 * 24),
  source: "simulator defaults (sim/economics.ts)",
};

export function minimumStake(p: EconomicParams, claimedGflops: number): number {
  return p.minStakeBase + (p.minStakePerTflop * claimedGflops) / 1000;
}

/** Tokens a slash of `bps` basis points takes from `stake`. */
export function slashAmount(stake: number, bps: number): number {
  return (stake * bps) / 10_000;
}

/** Running cost of one epoch: hardware held (own or rented) plus the stake's forgone yield. */
export function epochCost(p: EconomicParams, heldGflops: number, stake: number): number {
  return (p.costPerTflopEpoch * heldGflops) / 1000 + p.stakeYieldPerEpoch * stake;
}
