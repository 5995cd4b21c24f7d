/** Starts `npx hardhat node` on a free port (8545 preferred) and waits until it answers RPC. */
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { spawnChild, type Child } from "./children";

/** Longest wait for the node to answer its first RPC call, ms. */
export const NODE_START_TIMEOUT_MS = 90_000;

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

export async function startHardhatNode(opts: { port?: number; cwd: string; log?: (line: string) => void }): Promise<{ url: string; child: Child; port: number }> {
  let port = opts.port ?? 8545;
  if (!(await portFree(port))) port = await freePort();
  const child = spawnChild("hardhat-node", join(opts.cwd, "node_modules", ".bin", "hardhat"), ["--config", join(__dirname, "hardhat-node.config.ts"), "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: opts.cwd,
    onLine: (line) => opts.log?.(line),
  });
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  // Loop bound: NODE_START_TIMEOUT_MS of 250 ms polls.
  while (Date.now() - t0 < NODE_START_TIMEOUT_MS) {
    if (child.proc.exitCode !== null) throw new Error(`hardhat node exited with code ${child.proc.exitCode} before answering on ${url}`);
    if ((await rpcReady(url)) !== undefined) return { url, child, port };
    await sleep(250);
  }
  throw new Error(`hardhat node did not answer on ${url} within ${NODE_START_TIMEOUT_MS / 1000} s`);
}
