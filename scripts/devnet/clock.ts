/**
 * Chain time against the wall clock: the oracle's clock is the wall clock, the contracts' is block
 * time, and the devnet keeps them together (hardhat-node.config.ts, syncChainClock) or says when
 * they drift.
 */
import type { JsonRpcProvider } from "ethers";
import type { PublicClient } from "viem";

/**
 * The oracle's clock is the wall clock; the contracts' is block time. A fresh Hardhat node runs a
 * few seconds behind (its clock starts before it serves), so the next block is stamped with the
 * wall time and later blocks follow from there. Time never moves backwards: a chain ahead of the
 * wall clock is only reported.
 */
export async function checkChainClock(net: { client: PublicClient }, log: (m: string) => void): Promise<void> {
  const latest = await net.client.getBlock();
  const ahead = Number(latest.timestamp) - Math.floor(Date.now() / 1000);
  if (ahead > 2) {
    log(`WARNING: chain time is ${ahead} s ahead of the wall clock (each transaction burst advanced it); the oracle (wall clock) sees epochs ${ahead} s late. Start the node with \`npx hardhat --config scripts/devnet/hardhat-node.config.ts node\` to keep them together.`);
  }
}

export async function syncChainClock(provider: JsonRpcProvider, log: (m: string) => void): Promise<void> {
  const latest = await provider.getBlock("latest");
  const now = Math.ceil(Date.now() / 1000);
  if (!latest) return;
  if (latest.timestamp < now - 1) {
    const ok = await provider
      .send("evm_setNextBlockTimestamp", [now])
      .then(() => provider.send("evm_mine", []))
      .then(() => true)
      .catch(() => false);
    if (!ok) log(`chain time is ${now - latest.timestamp} s behind the wall clock and the node cannot be adjusted; epochs will look late to the oracle`);
  } else if (latest.timestamp > now + 2) {
    log(`chain time is ${latest.timestamp - now} s ahead of the wall clock: the oracle (wall clock) will see epochs later than the contracts`);
  }
}
