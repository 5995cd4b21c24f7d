/**
 * The oracle service's command line.
 *   npx tsx oracle/cli.ts start [--config file]     run the oracle (API + epoch loop) until SIGINT/SIGTERM
 *   npx tsx oracle/cli.ts config [--config file]    print the effective configuration (key redacted)
 * Every setting also comes from a POAI_* environment variable (docs/oracle.md).
 */
import { privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { loadConfig } from "./config";
import { OracleError } from "./errors";
import { startOracle } from "./index";

function usage(): never {
  process.stderr.write("usage: oracle/cli.ts <start|config> [--config file]\n");
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const cmd = argv[0];
  let configPath: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === "--config" && argv[i + 1]) configPath = argv[++i];
    else usage();
  }
  const cfg = loadConfig(configPath);
  if (cmd === "config") {
    const shown = { ...cfg, oracleKey: "<redacted>", oracleAddress: privateKeyToAccount(cfg.oracleKey as Hex).address };
    process.stdout.write(JSON.stringify(shown, null, 2) + "\n");
    return;
  }
  if (cmd !== "start") usage();
  const handle = await startOracle(cfg);
  const shutdown = async (sig: string) => {
    process.stderr.write(`oracle: ${sig}, stopping\n`);
    await handle.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof OracleError) {
    process.stderr.write(`${e.shortMessage.startsWith("config error") ? "" : e.code + " "}${e.shortMessage}${e.cause ? `: ${(e.cause as Error).message ?? e.cause}` : ""}\n`);
  } else {
    process.stderr.write(`oracle: ${(e as Error)?.stack ?? e}\n`);
  }
  process.exit(1);
});
