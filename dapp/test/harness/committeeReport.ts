/**
 * The committee's side of a slash, done by hand for the appeal flow: commit a seed for a future
 * epoch, let the chain's clock pass its end, sign the EIP-712 epoch report (protocol/eip712.ts)
 * with the committee member's key and submit it with one slash. Real contracts, real signatures;
 * the oracle is stopped while this runs.
 */
import { keccak256, toHex, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Contract } from "ethers";
import {
  domain,
  EPOCH_REPORT_TYPES,
  seedCommitment,
  SETTLEMENT_DOMAIN_NAME,
  slashListHash,
  SlashReason,
  type SlashEntry,
} from "../../../protocol";

/** Epochs ahead of the current one the seed is committed for (the oracle may have committed the next ones). */
const EPOCHS_AHEAD = 3n;

export async function proposeSlash(o: {
  rpc: (method: string, params?: unknown[]) => Promise<unknown>;
  committeeKey: Hex;
  chainId: number;
  epochManager: Contract;
  settlement: Contract;
  distributor: Contract;
  node: Address;
  bps: number;
}): Promise<{ epoch: bigint; evidence: Hex }> {
  const member = privateKeyToAccount(o.committeeKey);
  const epoch = ((await o.epochManager.currentEpoch()) as bigint) + EPOCHS_AHEAD;
  const seed = keccak256(toHex(`dapp test seed ${epoch}`));
  await (await o.epochManager.commitSeed(epoch, seedCommitment(epoch, seed))).wait();
  const end = (await o.epochManager.epochEnd(epoch)) as bigint;
  const latest = (await o.rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: Hex };
  await o.rpc("evm_increaseTime", [Number(end - BigInt(latest.timestamp)) + 1]);
  await o.rpc("evm_mine");

  const evidence = keccak256(toHex(`overclaim evidence for ${o.node} in epoch ${epoch}`));
  const slashes: SlashEntry[] = [{ node: o.node, bps: o.bps, reason: SlashReason.Overclaim, evidence }];
  // Built on the chain's tip (the latest report not vetoed), with no new rewards: the cumulative root
  // stays the tip's (the distributor's root when nothing is pending).
  const [hasTip, tipEpoch, parent] = (await o.settlement.tip()) as [boolean, bigint, Hex];
  const rewardsRoot = hasTip ? ((await o.settlement.reportOf(tipEpoch)).rewardsRoot as Hex) : ((await o.distributor.merkleRoot()) as Hex);
  const zero = ("0x" + "00".repeat(32)) as Hex;
  const report = {
    epoch,
    parent,
    seed,
    sharesHash: zero,
    rewardsRoot,
    rewardsTotal: 0n,
    statsRoot: keccak256(toHex(`stats ${epoch}`)),
    slashListHash: slashListHash(slashes),
    leasesRoot: zero,
    configVersion: (await o.epochManager.configVersion()) as bigint,
  };
  const signature = await member.signTypedData({
    domain: domain(SETTLEMENT_DOMAIN_NAME, o.chainId, (await o.settlement.getAddress()) as Address),
    types: EPOCH_REPORT_TYPES,
    primaryType: "EpochReport",
    message: report,
  });
  const tuple = slashes.map((s) => ({ node: s.node, bps: s.bps, reason: Number(s.reason), evidence: s.evidence }));
  await (await o.settlement.submitReport(report, tuple, [signature])).wait();
  return { epoch, evidence };
}
