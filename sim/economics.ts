/**
 * The money side of one simulated operator, in stake-token units.
 *
 * Parameters come from the project where it has them:
 * - stake: NodeRegistry.minimumStake = base + perTflop * claimed TFLOP/s, with the base and rate
 *   of protocol/params.ts (DEVNET_PARAMS; production deployments set the same env variables);
 * - slash shares: the engine judge's suggestion (engine/judge.ts: 50 % for fraud, up to 20 %
 *   for an overclaim, growing with the overstatement), applied by the runner;
 * - the uptime share of the budget: the committee parameters' default (protocol/committee-params.ts);
 * - rewards: the oracle's own computeEpochRewards (engine/rewards.ts), called by the runner.
 * The simulator adds what the project does not fix: the budget's size relative to the fleet,
 * the cost of holding hardware, the market rent of GPU time, and the yield forgone on stake.
 */
import { PAY_CAP_RATIO } from "../engine/judge";
import { profileParams } from "../protocol/committee-params";
import { DEVNET_PARAMS } from "../protocol/params";

const E18 = 10n ** 18n;

export interface EconomicParams {
  /** NodeRegistry minimum-stake base, tokens. */
  minStakeBase: number;
  /** NodeRegistry minimum stake per claimed TFLOP/s, tokens. */
  minStakePerTflop: number;
  /** Share of the epoch budget paid by uptime (the rest by verified work), basis points. */
  uptimeShareBps: number;
  /** Reward budget of one epoch, tokens per claimed TFLOP/s of the whole fleet at start. */
  budgetPerFleetTflop: number;
  /** Cost of holding (owning or renting) one TFLOP/s of peak hardware for one epoch, tokens. */
  costPerTflopEpoch: number;
  /** What one TFLOP/s of freed GPU time earns elsewhere for one epoch, tokens. */
  rentPerTflopEpoch: number;
  /** Yield forgone on staked tokens per epoch (share of the stake). */
  stakeYieldPerEpoch: number;
  /**
   * Pay follows the judge's mean measured/claimed throughput up to this multiple of the claim:
   * engine/judge.ts PAY_CAP_RATIO (1.3) is the oracle's rule (rewards.ts clamps at it).
   */
  payCapRatio: number;
  /** Where the figures come from. */
  source: string;
}

const oracleDefaults = profileParams("devnet");

/**
 * Defaults. Stake and the uptime share are the project's. The budget pays 0.003 tokens per
 * claimed TFLOP/s per one-hour epoch (honest claims are 85 % of the throughput measured, about
 * 70 % of peak), against a hardware cost of 0.002 per peak TFLOP/s (a 989-TFLOP/s GPU at about
 * 2 tokens an hour); the benchmark's table shows what an honest operator earns over cost.
 * Stake yield: 5 % a year.
 */
export const DEFAULT_ECONOMICS: EconomicParams = {
  minStakeBase: Number(DEVNET_PARAMS.minStakeBase / E18),
  minStakePerTflop: Number(DEVNET_PARAMS.minStakePerTflop / E18),
  uptimeShareBps: oracleDefaults.uptimeShareBps,
  budgetPerFleetTflop: 0.003,
  costPerTflopEpoch: 0.002,
  rentPerTflopEpoch: 0.002,
  stakeYieldPerEpoch: 0.05 / (365 * 24),
  payCapRatio: PAY_CAP_RATIO,
  source: "stake: protocol/params.ts DEVNET_PARAMS; slashes: engine/judge.ts; uptime share: protocol/committee-params.ts; budget and costs: sim/economics.ts",
};

/** NodeRegistry.minimumStake (the contract rounds up; a float here). */
export function minimumStake(p: EconomicParams, claimedGflops: number): number {
  return p.minStakeBase + (p.minStakePerTflop * claimedGflops) / 1000;
}

/** Tokens a slash of `bps` basis points takes from `stake` (the contract rounds up). */
export function slashAmount(stake: number, bps: number): number {
  return (stake * bps) / 10_000;
}

/** Running cost of one epoch: hardware held (own or rented) plus the stake's forgone yield. */
export function epochCost(p: EconomicParams, heldGflops: number, stake: number): number {
  return (p.costPerTflopEpoch * heldGflops) / 1000 + p.stakeYieldPerEpoch * stake;
}
