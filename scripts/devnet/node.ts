/**
 * The one Hardhat-node starter of the project (the demo, `npm run devnet`'s config, the e2e and
 * dApp tests): `hardhat node` as a child process (children.ts, so it never outlives its parent)
 * on a free port (the preferred one when free), ready once it answers RPC.
 */
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnChild, stopChild, type Child } from "./children";

/** The repository root: every devnet process runs there. */
export const ROOT = resolve(__dirname, "..", "..");
/** Longest wait for the node to answer its first RPC call, ms. */
export const NODE_START_TIMEOUT_MS = 90_000;
/** Ports tried when another process takes the chosen one before the node binds it. */
const MAX_PORT_ATTEMPTS = 5;
/** Poll interval while waiting for the first RPC answer, ms. */
const READY_POLL_MS = 250;
/** Output kept to explain a node that failed to start, characters. */
const KEPT_OUTPUT_CHARS = 4_000;

export function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function rpcReady(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    const j = (await res.json()) as { result?: string };
    return j.result ? Number(j.result) : undefined;
  } catch {
    return undefined;
  }
}

export interface HardhatNodeOptions {
  /** Port to use when free; default: any free port. */
  port?: number;
  /**
   * Blocks may share a timestamp (hardhat-node.config.ts), so chain time stays the wall time the
   * oracle reads: the devnet's setting, default true. False: the project's hardhat.config.ts,
   * every block a second past the last, as the Hardhat tests see it.
   */
  sameTimestamps?: boolean;
  /** Every line the node prints. */
  log?: (line: string) => void;
}

export interface HardhatNode {
  url: string;
  port: number;
  child: Child;
  stop(): Promise<void>;
}

export async function startHardhatNode(opts: HardhatNodeOptions = {}): Promise<HardhatNode> {
  const config = opts.sameTimestamps === false ? [] : ["--config", join(__dirname, "hardhat-node.config.ts")];
  // Loop bound: MAX_PORT_ATTEMPTS starts, each waiting at most NODE_START_TIMEOUT_MS.
  for (let attempt = 0; attempt < MAX_PORT_ATTEMPTS; attempt++) {
    const port = attempt === 0 && opts.port !== undefined && (await portFree(opts.port)) ? opts.port : await freePort();
    let output = "";
    const child = spawnChild("hardhat-node", join(ROOT, "node_modules", ".bin", "hardhat"), [...config, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
      cwd: ROOT,
      env: { HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
      onLine: (line) => {
        output = (output + line + "\n").slice(-KEPT_OUTPUT_CHARS);
        opts.log?.(line);
      },
    });
    const url = `http://127.0.0.1:${port}`;
    const node = { url, port, child, stop: () => stopChild(child) };
    const t0 = Date.now();
    // Loop bound: NODE_START_TIMEOUT_MS of READY_POLL_MS polls.
    while (Date.now() - t0 < NODE_START_TIMEOUT_MS && child.proc.exitCode === null) {
      if ((await rpcReady(url)) !== undefined) return node;
      await sleep(READY_POLL_MS);
    }
    await node.stop();
    if (!/EADDRINUSE|address already in use/i.test(output)) {
      throw new Error(`hardhat node did not answer on ${url} within ${NODE_START_TIMEOUT_MS / 1000} s:\n${output.slice(-1_000)}`);
    }
  }
  throw new Error(`hardhat node: no free port after ${MAX_PORT_ATTEMPTS} attempts`);
}
