/**
 * A Hardhat JSON-RPC node for the browser tests, on a random port in 8800-8899, with the PoAI
 * protocol deployed by scripts/deploy-lib.ts. The node's accounts are unlocked, so the test
 * wallet forwards signing requests to it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { DEVNET_PARAMS, deployProtocol, deploymentRecord, type ProtocolParams } from "../../../scripts/deploy-lib";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
const PORT_MIN = 8800;
const PORT_SPAN = 100;
/** Ports tried before giving up. */
const MAX_PORT_ATTEMPTS = 8;
const START_TIMEOUT_MS = 60_000;

export interface Devnet {
  url: string;
  rpc: (method: string, params?: unknown[]) => Promise<unknown>;
  stop: () => Promise<void>;
}

function startOnce(port: number): Promise<{ child: ChildProcess; ok: boolean }> {
  const cli = require.resolve("hardhat/internal/cli/cli.js", { paths: [REPO_ROOT] });
  const child = spawn(process.execPath, [cli, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`hardhat node did not start within ${START_TIMEOUT_MS} ms:\n${out.slice(-2000)}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      if (out.length < 100_000) out += chunk.toString();
      if (out.includes("Started HTTP and WebSocket JSON-RPC server")) {
        clearTimeout(timer);
        resolve({ child, ok: true });
      }
    };
    // The node logs every request: keep draining so its pipe never fills.
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", () => {
      clearTimeout(timer);
      if (/EADDRINUSE|address already in use/i.test(out)) resolve({ child, ok: false });
      else reject(new Error(`hardhat node exited:\n${out.slice(-2000)}`));
    });
  });
}

export async function startDevnet(): Promise<Devnet> {
  for (let attempt = 0; attempt < MAX_PORT_ATTEMPTS; attempt++) {
    const port = PORT_MIN + Math.floor(Math.random() * PORT_SPAN);
    const { child, ok } = await startOnce(port);
    if (!ok) continue;
    // If the test process dies without its after() hook, the node must not outlive it.
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    const url = `http://127.0.0.1:${port}`;
    let id = 0;
    const rpc = async (method: string, params: unknown[] = []) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result;
    };
    const stop = () =>
      new Promise<void>((resolve) => {
        process.removeListener("exit", killOnExit);
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
    return { url, rpc, stop };
  }
  throw new Error(`no free port for hardhat node in ${PORT_MIN}-${PORT_MIN + PORT_SPAN - 1}`);
}

/** Deploys the protocol from the node's first account and returns the deployments/<network>.json record. */
export async function deployForTest(url: string, params: Partial<ProtocolParams> = {}) {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 200 });
  const signer = await provider.getSigner(0);
  const deployment = await deployProtocol(signer, { ...DEVNET_PARAMS, ...params });
  const record = deploymentRecord("test", deployment, "test");
  return { deployment, record, provider, signer };
}
