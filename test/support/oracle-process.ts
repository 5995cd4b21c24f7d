/**
 * The oracle as a child process (`oracle/cli.ts start --config file`) for crash tests: its JSON
 * log lines collected as they come (the logger writes synchronously, so a line is out before a
 * kill), a wait for a line, SIGKILL, and a clean stop. The child runs in its own process group
 * and is killed with the test process (scripts/devnet/children.ts).
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnChild, stopChild, type Child } from "../../scripts/devnet/children";
import { ROOT } from "./oracle-devnet";

export interface OracleLine {
  event: string;
  t: string;
  epoch?: number;
  code?: string;
  /** Which start of the oracle wrote it (0 = the first). */
  run: number;
  [k: string]: unknown;
}

export interface OracleProcess {
  child: Child;
  run: number;
  /** Its lines only. */
  lines: OracleLine[];
  /** Whether it is still running. */
  readonly alive: boolean;
}

/** Starts and restarts one oracle on one config file; `all` holds the lines of every run. */
export class OracleRunner {
  readonly all: OracleLine[] = [];
  private runs = 0;

  constructor(
    private readonly configFile: string,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  start(env: NodeJS.ProcessEnv = {}): OracleProcess {
    const run = this.runs++;
    const lines: OracleLine[] = [];
    const child = spawnChild(`oracle-${run}`, process.execPath, ["--import", "tsx", join(ROOT, "oracle", "cli.ts"), "start", "--config", this.configFile], {
      cwd: ROOT,
      env: { ...this.env, ...env },
      onLine: (l, stream) => {
        if (stream !== "stdout") return;
        let rec: OracleLine;
        try {
          rec = { ...JSON.parse(l), run };
        } catch {
          return; // not a log line
        }
        if (process.env.POAI_TEST_LOG) appendFileSync(process.env.POAI_TEST_LOG, l + "\n");
        lines.push(rec);
        this.all.push(rec);
      },
    });
    return {
      child,
      run,
      lines,
      get alive() {
        return child.proc.exitCode === null && child.proc.signalCode === null;
      },
    };
  }

  /** The first line of `p` that `pred` accepts, waiting up to `ms`; fails when the process exits first. */
  async waitFor(p: OracleProcess, pred: (l: OracleLine) => boolean, what: string, ms = 60_000): Promise<OracleLine> {
    const end = Date.now() + ms;
    for (let seen = 0; ; ) {
      for (; seen < p.lines.length; seen++) if (pred(p.lines[seen])) return p.lines[seen];
      if (!p.alive) throw new Error(`oracle run ${p.run} exited while waiting for ${what}`);
      if (Date.now() > end) {
        const recent = p.lines.slice(-25).map((l) => JSON.stringify(l).slice(0, 300)).join("\n");
        throw new Error(`timed out waiting for ${what}; last events:\n${recent}`);
      }
      await sleep(20);
    }
  }

  /** SIGKILL: no handler runs, nothing is flushed but what was written. */
  async kill(p: OracleProcess): Promise<void> {
    if (p.alive) p.child.proc.kill("SIGKILL");
    await p.child.exited;
  }

  /** SIGTERM, the oracle's clean shutdown. */
  stop(p: OracleProcess): Promise<void> {
    return stopChild(p.child);
  }
}
