/**
 * A Hardhat JSON-RPC node for the browser tests (the devnet harness's starter,
 * scripts/devnet/node.ts), with the PoAI protocol deployed by scripts/deploy-lib.ts. The node's
 * accounts are unlocked, so the test wallet forwards signing requests to it.
 */
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { DEVNET_PARAMS, deployProtocol, deploymentRecord, type ProtocolParams } from "../../../scripts/deploy-lib";
import { startHardhatNode } from "../../../scripts/devnet/node";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

export interface Devnet {
  url: string;
  rpc: (method: string, params?: unknown[]) => Promise<unknown>;
  stop: () => Promise<void>;
}

/** A Hardhat node from the devnet harness with the project's config, and a JSON-RPC helper. */
export async function startDevnet(): Promise<Devnet> {
  const node = await startHardhatNode({ sameTimestamps: false });
  let id = 0;
  const rpc = async (method: string, params: unknown[] = []) => {
    const res = await fetch(node.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };
  return { url: node.url, rpc, stop: node.stop };
}

/** Deploys the protocol from the node's first account and returns the deployments/<network>.json record. */
export async function deployForTest(url: string, params: Partial<ProtocolParams> = {}) {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 200 });
  const signer = await provider.getSigner(0);
  const deployment = await deployProtocol(signer, { ...DEVNET_PARAMS, ...params });
  const record = deploymentRecord("test", deployment, "test");
  return { deployment, record, provider, signer };
}
