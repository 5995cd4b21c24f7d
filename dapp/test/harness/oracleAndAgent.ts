/**
 * The real oracle service (oracle/index.ts `startOracle`, in-memory SQLite, a free port) and a
 * real node agent's challenge loop (agent/loop.ts with the engine's CPU kernels) for one node
 * key, both in this process. Their log lines are kept for the failure message of a test.
 */
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { OracleClient } from "../../../agent/client";
import { makeLogger } from "../../../agent/log";
import { runLoop } from "../../../agent/loop";
import { makeSolver } from "../../../agent/solver";
import { parseConfig } from "../../../oracle/config";
import { startOracle } from "../../../oracle/index";
import { createLogger } from "../../../oracle/logger";

/** Log lines kept per service. */
const MAX_LOG_LINES = 400;

function keep(lines: string[]) {
  return (line: string) => {
    lines.push(line);
    if (lines.length > MAX_LOG_LINES) lines.shift();
  };
}

export async function startTestOracle(o: { rpcUrl: string; deploymentFile: string; epochBudget: bigint }) {
  const lines: string[] = [];
  const cfg = parseConfig({
    rpcUrl: o.rpcUrl,
    deploymentFile: o.deploymentFile,
    port: 0,
    dbPath: ":memory:",
    logLevel: "info",
    epochBudget: o.epochBudget.toString(),
  });
  const oracle = await startOracle(cfg, { log: createLogger({ level: "info", write: keep(lines) }) });
  return { url: oracle.url, stop: () => oracle.stop(), lines };
}

export function startTestAgent(o: { oracleUrl: string; nodePrivateKey: Hex }) {
  const lines: string[] = [];
  const account = privateKeyToAccount(o.nodePrivateKey);
  const controller = new AbortController();
  const done = runLoop({
    client: new OracleClient(o.oracleUrl, account),
    solver: makeSolver({ executionProviders: ["cpu"], threads: 1 }),
    log: makeLogger("json", account.address, keep(lines)),
    signal: controller.signal,
    statusRetryMs: 1_000,
    maxPollMs: 1_000,
  }).catch((e: Error) => {
    lines.push(`loop ended: ${e.message}`);
  });
  return {
    lines,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}
