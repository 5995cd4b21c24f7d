/**
 * The project's Hardhat config for the devnet's node (the demo, `npm run devnet`), with one
 * change: blocks may share a timestamp. Hardhat's default gives every block a timestamp one
 * second past the previous one, so a burst of transactions (deploying, registering a fleet)
 * pushes chain time ahead of the wall clock, and the oracle, whose clock is the wall clock,
 * would see epochs at other times than the contracts. With equal timestamps allowed, chain time
 * stays the wall time.
 */
import { resolve } from "node:path";
import type { HardhatUserConfig } from "hardhat/config";
import base from "../../hardhat.config";

const config: HardhatUserConfig = {
  ...base,
  networks: {
    ...base.networks,
    hardhat: { ...(base.networks?.hardhat ?? {}), allowBlocksWithSameTimestamp: true },
  },
  paths: { ...base.paths, root: resolve(__dirname, "..", "..") },
};

export default config;
