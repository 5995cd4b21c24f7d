/**
 * A JSON-RPC relay in front of a Hardhat node that records every call it forwards (single and
 * batched requests), so a test can count what an oracle's read costs: calls by method, and the
 * `getNode` reads packed inside `eth_call`s (a multicall carries many).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { toFunctionSelector } from "viem";

/** `getNode(address)`'s selector followed by its ABI-encoded argument, as it appears in call data. */
const GET_NODE = new RegExp(toFunctionSelector("getNode(address)").slice(2) + "000000000000000000000000([0-9a-f]{40})", "gi");

export interface RpcCall {
  method: string;
  params: unknown[];
}

export interface RpcCounter {
  url: string;
  calls: RpcCall[];
  /** Calls of `method` since the last reset. */
  count(method: string): number;
  /** Node keys whose `getNode` the recorded `eth_call`s carry (one entry per read). */
  nodesRead(): string[];
  reset(): void;
  close(): Promise<void>;
}

export async function rpcCounter(target: string): Promise<RpcCounter> {
  const calls: RpcCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      try {
        const json = JSON.parse(body);
        for (const c of Array.isArray(json) ? json : [json]) calls.push({ method: c.method, params: c.params ?? [] });
        const up = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
        res.writeHead(up.status, { "content-type": "application/json" });
        res.end(await up.text());
      } catch (e) {
        res.writeHead(502);
        res.end(String(e));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    count: (method) => calls.filter((c) => c.method === method).length,
    nodesRead: () =>
      calls
        .filter((c) => c.method === "eth_call")
        .flatMap((c) => [...JSON.stringify(c.params).matchAll(GET_NODE)].map((m) => "0x" + m[1].toLowerCase())),
    reset: () => void calls.splice(0),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
