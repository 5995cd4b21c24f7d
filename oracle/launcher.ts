/**
 * The processes that launched the oracle, watched so that the oracle stops when its launch is
 * torn down without the signal reaching it. `npx tsx oracle/cli.ts start` runs
 * npm -> `sh -c tsx ...` -> tsx -> node (the oracle); a SIGTERM to npm is passed on to the
 * shell, which dies of it without passing it on, so tsx and the oracle would run on, orphaned,
 * holding the port. The watch notices that a launcher process is gone (or was re-parented, the
 * sign that the one above it is gone) and the CLI stops the oracle as on SIGTERM.
 *
 * Only the launcher chain is watched: from the parent up, while a process is npm or npx, a
 * `sh -c` shell, or node running tsx's CLI; an interactive shell above (a `nohup ... &` from a
 * login shell) is not, so logging out does not stop a detached oracle. Linux only (/proc);
 * elsewhere nothing is watched.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";

/** Launcher processes above this one looked at, at most. */
const MAX_DEPTH = 6;

interface Proc {
  pid: number;
  ppid: number;
  argv: string[];
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 4 (ppid) follows the command name in parentheses, which may itself hold spaces.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    // npm rewrites its title ("npm exec tsx ..."): split it into words like a command line.
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).flatMap((a, i) => (i === 0 ? a.split(" ") : [a]));
    return { pid, ppid, argv };
  } catch {
    return undefined;
  }
}

/** Whether a process is part of a launch: npm/npx, a `sh -c` shell, or node running tsx's CLI. */
export function isLauncher(argv: readonly string[]): boolean {
  const [a0 = "", a1 = ""] = argv.map((a) => basename(a));
  if (a0 === "npm" || a0 === "npx") return true;
  if ((a0 === "sh" || a0 === "dash" || a0 === "bash") && a1 === "-c") return true;
  if (a0 !== "node" && a0 !== "nodejs") return false;
  // tsx's CLI by its bin link, or by the file the link points at; npm's and npx's own scripts.
  const tsxCli = a1 === "tsx" || (a1 === "cli.mjs" && (argv[1] ?? "").includes("/tsx/"));
  return tsxCli || a1 === "npm-cli.js" || a1 === "npx-cli.js";
}

/** The launcher chain above `pid` as it stands now (pid 1 and the first non-launcher end it). */
export function launcherChain(pid = process.pid): Proc[] {
  const chain: Proc[] = [];
  let cur = readProc(pid);
  for (let i = 0; cur && i < MAX_DEPTH; i++) {
    if (cur.ppid <= 1) break;
    const parent = readProc(cur.ppid);
    if (!parent || !isLauncher(parent.argv)) break;
    chain.push(parent);
    cur = parent;
  }
  return chain;
}

/**
 * Calls `onGone` once when a process of the launcher chain exits or is re-parented; checks every
 * `everyMs`. Returns the stop of the watch (nothing is watched without /proc or a launcher).
 */
export function watchLauncher(onGone: (what: { pid: number; argv: string }) => void, everyMs = 1_000): () => void {
  if (!existsSync("/proc/self/stat")) return () => undefined;
  const chain = launcherChain();
  if (chain.length === 0) return () => undefined;
  const timer = setInterval(() => {
    for (const p of chain) {
      const now = readProc(p.pid);
      if (!now || now.ppid !== p.ppid) {
        clearInterval(timer);
        onGone({ pid: p.pid, argv: p.argv.join(" ").slice(0, 200) });
        return;
      }
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
