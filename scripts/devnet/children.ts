/**
 * Child processes of the demo (Hardhat node, oracles, agents): started in their own process
 * group, their output handed line by line to a callback, and all of them stopped on exit,
 * Ctrl-C or an error, so the demo never leaves processes behind.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface Child {
  name: string;
  proc: ChildProcess;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<number | string>;
}

const children: Child[] = [];
let hooked = false;

/** Time a child gets after SIGTERM before SIGKILL, ms. */
const KILL_GRACE_MS = 3_000;

export function spawnChild(
  name: string,
  command: string,
  args: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    onLine?: (line: string, stream: "stdout" | "stderr") => void;
    /** Standard output goes to this file descriptor instead of `onLine` (a busy process's log, read later). */
    stdoutFd?: number;
    /** Opens Node's IPC channel (`proc.send`, `message` events): the child must be a Node process. */
    ipc?: boolean;
  },
): Child {
  hookExit();
  const proc = spawn(command, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", opts.stdoutFd ?? "pipe", "pipe", ...(opts.ipc ? ["ipc" as const] : [])],
    detached: true, // own process group: a stop reaches npx's grandchildren too
  });
  const exited = new Promise<number | string>((resolve) => proc.once("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  for (const stream of opts.stdoutFd === undefined ? (["stdout", "stderr"] as const) : (["stderr"] as const)) {
    const rl = createInterface({ input: proc[stream]! });
    rl.on("line", (line) => opts.onLine?.(line, stream));
  }
  const child = { name, proc, exited };
  children.push(child);
  return child;
}

/** Stops one child's process group: SIGTERM, then SIGKILL after the grace time. */
export async function stopChild(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null || c.proc.pid === undefined) return;
  const pid = c.proc.pid;
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, KILL_GRACE_MS);
  await c.exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all(children.splice(0).reverse().map(stopChild));
}

/** Synchronous last resort on process exit: SIGKILL every group still alive. */
function killAllSync(): void {
  for (const c of children) {
    if (c.proc.pid !== undefined && c.proc.exitCode === null && c.proc.signalCode === null) {
      try {
        process.kill(-c.proc.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", killAllSync);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      process.stderr.write(`\n${sig}: stopping every demo process\n`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}
