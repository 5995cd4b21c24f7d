import { subtask } from "hardhat/config";
import path from "node:path";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, TASK_TEST_GET_TEST_FILES } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";
import "@nomicfoundation/hardhat-viem";

/**
 * The Solidity compiler comes from the npm package `solc` (soljson.js), pinned to SOLC_VERSION,
 * so compiling never downloads anything. A different installed solc is a hard error.
 */
const SOLC_VERSION = "0.8.30";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  const installed: string = solc.version();
  if (!installed.startsWith(SOLC_VERSION)) {
    throw new Error(`installed npm solc is ${installed}, hardhat.config.ts expects ${SOLC_VERSION}: run npm ci`);
  }
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: installed.replace(".Emscripten.clang", ""),
  };
});

/**
 * Folders under test/ that Hardhat's mocha must not load: test/e2e holds node:test files (they
 * start their own Hardhat nodes and services; `npm run test:e2e`), test/support the helpers
 * both kinds of test import. Explicitly named files are run as given.
 */
const NOT_MOCHA = ["e2e", "support"].map((dir) => path.join(__dirname, "test", dir) + path.sep);

subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, _hre, runSuper) => {
  const files: string[] = await runSuper(args);
  if (args.testFiles.length > 0) return files;
  return files.filter((f) => !NOT_MOCHA.some((dir) => f.startsWith(dir)));
});

const rpcUrl = process.env.POAI_RPC_URL;
const deployerKey = process.env.POAI_DEPLOYER_KEY;

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 10_000 },
    },
  },
  networks: {
    hardhat: {
      // Tests run with the default 20 accounts; the devnet demo needs more operators.
      accounts: { count: 40 },
    },
    localhost: { url: "http://127.0.0.1:8545" },
    ...(rpcUrl
      ? { external: { url: rpcUrl, accounts: deployerKey ? [deployerKey] : "remote" } }
      : {}),
  },
  paths: {
    sources: "./contracts",
    tests: "./test",
    // Coverage compiles instrumented, unoptimized contracts (some over the 24 KB size limit):
    // it gets its own folders so it never overwrites the artifacts the demo and tests deploy.
    cache: process.env.SOLIDITY_COVERAGE ? "./cache-coverage" : "./cache",
    artifacts: process.env.SOLIDITY_COVERAGE ? "./artifacts-coverage" : "./artifacts",
  },
  mocha: { timeout: 120_000 },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
    currency: "USD",
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
};

export default config;
