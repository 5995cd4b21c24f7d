/**
 * The oracle service's command line.
 *   npx tsx oracle/cli.ts start [--config file]     run the oracle (API + epoch loop) until SIGINT/SIGTERM
 *   npx tsx oracle/cli.ts config [--config file]    print the effective configuration (key redacted)
 * Every setting also comes from a POAI_* environment variable (docs/oracle.md).
 */
import { writeSync } from "node:fs";
import { privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { loadConfig } from "./config";
import { CONFIG_ERROR_CODES, OracleError } from "./errors";
import { startOracle } from "./index";
import { createLogger } from "./logger";
import { watchLauncher } from "./launcher";

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
  const log = createLogger({ level: cfg.logLevel, write: faultInjectingWrite() });
  const handle = await startOracle(cfg, { log });
  // A clean stop on SIGTERM (systemd, docker stop, a supervisor) or SIGINT (Ctrl-C), however the
  // process was launched: `npx tsx` and `npm run` pass the signal on to this process. The stop
  // waits for the pass in progress; one held by a hung RPC is cut off after `shutdownTimeoutMs`.
  // A second SIGINT (Ctrl-C twice) exits at once; a repeated SIGTERM is ignored, since a
  // supervisor that signals the whole process group reaches this process twice (directly and
  // through the launcher that passes it on).
  let stopping = false;
  const shutdown = (sig: string) => {
    if (stopping) {
      if (sig !== "SIGINT") return;
      log.warn("oracle.stop_forced", { signal: sig });
      process.exit(1);
    }
    stopping = true;
    log.info("oracle.stopping", { signal: sig, timeoutMs: cfg.shutdownTimeoutMs });
    const timer = setTimeout(() => {
      log.error("oracle.stop_timeout", { signal: sig, timeoutMs: cfg.shutdownTimeoutMs });
      process.exit(1);
    }, cfg.shutdownTimeoutMs);
    handle.stop().then(
      () => {
        clearTimeout(timer);
        process.exit(0);
      },
      (e) => {
        log.error("oracle.stop_failed", { err: e });
        process.exit(1);
      },
    );
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => shutdown(sig));
  // `npx` passes SIGTERM to a shell that drops it (launcher.ts): a launch torn down above this
  // process stops it too.
  watchLauncher((gone) => {
    log.warn("oracle.launcher_gone", { pid: gone.pid, launcher: gone.argv });
    shutdown("launcher exit");
  });
}

/**
 * Crash-test hook: POAI_FAULT_KILL_AFTER=<event>[:<purpose prefix>] makes the process SIGKILL
 * itself right after writing that log event, to test recovery from a crash at an exact point
 * (e.g. `tx.signed:submitReport`: the transaction is stored but not broadcast). Unset in service.
 */
function faultInjectingWrite(): (line: string) => void {
  const spec = process.env.POAI_FAULT_KILL_AFTER;
  const [event, purpose] = (spec ?? "").split(":");
  return (line: string) => {
    // Synchronous, so the line is out before a kill.
    writeSync(1, line + "\n");
    if (!spec) return;
    const rec = JSON.parse(line) as { event?: string; purpose?: string };
    if (rec.event === event && (!purpose || String(rec.purpose ?? "").startsWith(purpose))) process.kill(process.pid, "SIGKILL");
  };
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof OracleError) {
    // A configuration error reads "config error: <setting> ..." and names the setting itself.
    process.stderr.write(`${CONFIG_ERROR_CODES.includes(e.code) ? "" : e.code + " "}${e.shortMessage}${e.cause ? `: ${(e.cause as Error).message ?? e.cause}` : ""}\n`);
  } else {
    process.stderr.write(`oracle: ${(e as Error)?.stack ?? e}\n`);
  }
  process.exit(1);
});
