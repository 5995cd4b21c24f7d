/**
 * Follows the settlement story on chain for the demo's narration: reports submitted, slashes
 * proposed and executed, reports finalized, rewards claimed. Polls `eth_getLogs` over new
 * blocks (a reconciliation loop: a missed poll is caught up by the next one).
 */
import { parseAbi, type Address, type PublicClient } from "viem";

export const WATCH_ABI = parseAbi([
  "event ReportSubmitted(uint64 indexed epoch, address indexed submitter, bytes32 rewardsRoot, uint256 rewardsTotal, bytes32 statsRoot, uint256 slashCount, uint64 disputeEndsAt)",
  "event SlashProposed(uint64 indexed epoch, uint256 index, address indexed node, uint16 bps, uint8 reason, bytes32 evidence)",
  "event SlashExecuted(uint64 indexed epoch, uint256 index, address indexed node, uint256 amount)",
  "event ReportFinalized(uint64 indexed epoch, uint256 slashedTotal, uint256 burned, uint256 toTreasury)",
  "event RewardsClaimed(address indexed account, address indexed caller, uint256 amount, uint256 cumulativeAmount)",
  "event SeedCommitted(uint64 indexed epoch, bytes32 commitment, address indexed member)",
]);

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
