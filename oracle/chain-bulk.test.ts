import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { decodeFunctionData, encodeFunctionResult, getAddress, type Address, type Hex } from "viem";
import { epochManagerAbi, nodeRegistryAbi } from "../protocol/abi";
import { Chain, type Deployment } from "./chain";

const EPOCH_MANAGER = "0x00000000000000000000000000000000000000f1";

/** A JSON-RPC endpoint serving a registry of `count` nodes, counting the HTTP requests it gets. */
function fakeRegistry(count: number) {
  const nodes: Address[] = Array.from({ length: count }, (_, i) => getAddress(`0x${(i + 1).toString(16).padStart(40, "0")}`));
  const stats = { requests: 0, calls: 0 };
  const answer = (req: { id: number; method: string; params: unknown[] }) => {
    stats.calls++;
    if (req.method === "eth_chainId") return { jsonrpc: "2.0", id: req.id, result: "0x7a69" };
    const { data, to } = req.params[0] as { data: Hex; to: Address };
    let result: Hex;
    if (to.toLowerCase() === EPOCH_MANAGER) {
      const c = decodeFunctionData({ abi: epochManagerAbi, data });
      const value = { committee: [nodes[0]], quorum: 1, configVersion: 7n }[c.functionName as string];
      return { jsonrpc: "2.0", id: req.id, result: encodeFunctionResult({ abi: epochManagerAbi, functionName: c.functionName, result: value } as never) };
    }
    const call = decodeFunctionData({ abi: nodeRegistryAbi, data });
    if (call.functionName === "nodeCount") result = encodeFunctionResult({ abi: nodeRegistryAbi, functionName: "nodeCount", result: BigInt(count) });
    else if (call.functionName === "nodesPage") {
      const [off, lim] = call.args as [bigint, bigint];
      result = encodeFunctionResult({ abi: nodeRegistryAbi, functionName: "nodesPage", result: nodes.slice(Number(off), Number(off + lim)) });
    } else if (call.functionName === "getNode") {
      const i = nodes.indexOf(getAddress(call.args![0] as Address));
      result = encodeFunctionResult({
        abi: nodeRegistryAbi,
        functionName: "getNode",
        result: {
          operator: nodes[(i + 1) % count], status: 1, jailedUntil: 0n, unbondReleaseTime: 0n, stake: BigInt(i), unbonding: 0n,
          claim: { gpuModel: 0, gpuCount: 1, gflops: i + 1, vramMiB: 1024, region: "0x0000000000000000" },
        } as never,
      });
    } else throw new Error(`unexpected call ${call.functionName}`);
    return { jsonrpc: "2.0", id: req.id, result };
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      stats.requests++;
      const j = JSON.parse(body);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(Array.isArray(j) ? j.map(answer) : answer(j)));
    });
  });
  return { server, nodes, stats };
}

describe("chain: reads made together", () => {
  const count = 3;
  const fake = fakeRegistry(count);
  let url = "";
  before(async () => {
    await new Promise<void>((r) => fake.server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(fake.server.address() as { port: number }).port}`;
  });
  after(() => fake.server.close());
  const deployment = { addresses: { NodeRegistry: "0x00000000000000000000000000000000000000f0", EpochManager: EPOCH_MANAGER } } as unknown as Deployment;

  it("reads the committee (members, quorum, config version) in one request", async () => {
    const chain = new Chain(url, deployment, 31337, 1);
    const before = fake.stats.requests;
    assert.deepEqual(await chain.committee(), { members: [fake.nodes[0]], quorum: 1, configVersion: 7n });
    assert.equal(fake.stats.requests - before, 1);
  });
});
