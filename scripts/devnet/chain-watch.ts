/**
 * Follows the settlement story on chain for the demo's narration: reports submitted, slashes
 * proposed and executed, reports finalized, rewards claimed. Polls `eth_getLogs` over new
 * blocks (a reconciliation loop: a missed poll is caught up by the next one).
 */
import type { Address, PublicClient } from "viem";
import { epochManagerAbi, rewardsDistributorAbi, settlementAbi } from "../../protocol/abi";

const WATCHED_EVENTS: readonly string[] = ["ReportSubmitted", "SlashProposed", "SlashExecuted", "ReportFinalized", "RewardsClaimed", "SeedCommitted"];
const CONTRACT_ITEMS = [...settlementAbi, ...rewardsDistributorAbi, ...epochManagerAbi];
/** The events the narration follows, from the contracts' typed ABIs. */
export const WATCH_ABI = CONTRACT_ITEMS.filter(
  (i): i is Extract<(typeof CONTRACT_ITEMS)[number], { type: "event" }> => i.type === "event" && WATCHED_EVENTS.includes(i.name),
);

export type WatchedEvent =
  | { kind: "ReportSubmitted"; epoch: bigint; submitter: Address; rewardsTotal: bigint; slashCount: bigint; disputeEndsAt: bigint; block: bigint }
  | { kind: "SlashProposed"; epoch: bigint; node: Address; bps: number; reason: number; block: bigint }
  | { kind: "SlashExecuted"; epoch: bigint; node: Address; amount: bigint; block: bigint }
  | { kind: "ReportFinalized"; epoch: bigint; slashedTotal: bigint; block: bigint }
  | { kind: "RewardsClaimed"; account: Address; amount: bigint; cumulativeAmount: bigint; block: bigint }
  | { kind: "SeedCommitted"; epoch: bigint; member: Address; block: bigint };

export class ChainWatch {
  private next: bigint;
  readonly seen: WatchedEvent[] = [];

  constructor(
    private readonly client: PublicClient,
    private readonly addresses: Address[],
    fromBlock: bigint,
  ) {
    this.next = fromBlock;
  }

  /** New events since the last poll, in chain order. */
  async poll(): Promise<WatchedEvent[]> {
    const head = await this.client.getBlockNumber();
    if (head < this.next) return [];
    const logs = await this.client.getLogs({ address: this.addresses, events: WATCH_ABI, fromBlock: this.next, toBlock: head });
    this.next = head + 1n;
    const out: WatchedEvent[] = [];
    for (const l of logs) {
      const a = l.args as Record<string, any>;
      const block = l.blockNumber ?? 0n;
      switch (l.eventName) {
        case "ReportSubmitted":
          out.push({ kind: l.eventName, epoch: a.epoch, submitter: a.submitter, rewardsTotal: a.rewardsTotal, slashCount: a.slashCount, disputeEndsAt: a.disputeEndsAt, block });
          break;
        case "SlashProposed":
          out.push({ kind: l.eventName, epoch: a.epoch, node: a.node, bps: Number(a.bps), reason: Number(a.reason), block });
          break;
        case "SlashExecuted":
          out.push({ kind: l.eventName, epoch: a.epoch, node: a.node, amount: a.amount, block });
          break;
        case "ReportFinalized":
          out.push({ kind: l.eventName, epoch: a.epoch, slashedTotal: a.slashedTotal, block });
          break;
        case "RewardsClaimed":
          out.push({ kind: l.eventName, account: a.account, amount: a.amount, cumulativeAmount: a.cumulativeAmount, block });
          break;
        case "SeedCommitted":
          out.push({ kind: l.eventName, epoch: a.epoch, member: a.member, block });
          break;
      }
    }
    this.seen.push(...out);
    return out;
  }
}
