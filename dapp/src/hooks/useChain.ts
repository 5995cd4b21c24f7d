import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useBlock, useConfig } from "wagmi";
import { useEnv } from "../context";
import { Chain } from "../lib/chain";

export function useChain(): Chain {
  const config = useConfig();
  const { deployment } = useEnv();
  return useMemo(() => new Chain(config, deployment), [config, deployment]);
}

/** The latest block: its number keys every chain read, its timestamp is "now" for unbonding and jail. */
export function useLatestBlock() {
  const block = useBlock({ watch: true });
  // The error of the latest poll: a dead RPC leaves every chain figure unknown (queries wait for a block).
  return { number: block.data?.number, time: block.data?.timestamp, error: block.error ?? null };
}

/**
 * A chain read refreshed on every new block. While the next block's answer loads, the last
 * block's answer for the same key stays on screen (no flicker); a different key starts empty.
 */
export function useChainQuery<T>(key: readonly unknown[], fn: () => Promise<T>, enabled = true) {
  const { number } = useLatestBlock();
  const id = JSON.stringify(key);
  return useQuery({
    queryKey: [...key, number?.toString()],
    queryFn: fn,
    enabled: enabled && number !== undefined,
    placeholderData: (prev, prevQuery) =>
      prevQuery && JSON.stringify(prevQuery.queryKey.slice(0, -1)) === id ? prev : undefined,
  });
}

/** The chain's current epoch and its end (EpochManager), shared by the header and the node views. */
export function useCurrentEpoch() {
  const chain = useChain();
  return useChainQuery(["epoch"], async () => {
    const current = await chain.read("EpochManager", "currentEpoch");
    return { current, end: await chain.read("EpochManager", "epochEnd", [current]) };
  });
}
