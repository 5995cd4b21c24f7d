/**
 * The agent's oracle client against a local HTTP server speaking the API's answers: the API
 * version check at start and the one `retry-after` unit.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ORACLE_API_VERSION } from "../protocol";
import { OracleClient } from "./client";
import { AgentError } from "./errors";

const REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3";

async function serve(handler: (path: string) => { status: number; body?: unknown; headers?: Record<string, string> }) {
  const server: Server = createServer((req, res) => {
    const a = handler(req.url ?? "/");
    res.writeHead(a.status, { "content-type": "application/json", ...a.headers });
    res.end(a.body === undefined ? undefined : JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const info = (apiVersion?: string) => ({ chainId: 31337, registry: REGISTRY, ...(apiVersion ? { apiVersion } : {}) });

test("an oracle of another API version is refused at start with both versions named", async () => {
  for (const v of ["1", undefined]) {
    const s = await serve(() => ({ status: 200, body: info(v) }));
    try {
      const client = new OracleClient(s.url, privateKeyToAccount(generatePrivateKey()));
      await assert.rejects(client.info(), (e: unknown) => {
        assert.ok(e instanceof AgentError);
        assert.match(e.message, new RegExp(`speaks API version 1, this agent ${ORACLE_API_VERSION}`));
        return true;
      });
    } finally {
      await s.close();
    }
  }
});

test("retry-after of a 204 is read as whole seconds", async () => {
  const s = await serve((path) =>
    path === "/v1/info" ? { status: 200, body: info(ORACLE_API_VERSION) } : { status: 204, headers: { "retry-after": "3" } },
  );
  try {
    const client = new OracleClient(s.url, privateKeyToAccount(generatePrivateKey()));
    assert.equal((await client.info()).chainId, 31337);
    assert.deepEqual(await client.next(), { retryAfterMs: 3_000 });
  } finally {
    await s.close();
  }
});

test("a refusal is told apart by the oracle's code and details, never by its message text", async () => {
  const refusal = (nodeStatus: string, message: string) =>
    serve((path) =>
      path === "/v1/info"
        ? { status: 200, body: info(ORACLE_API_VERSION) }
        : { status: 403, body: { error: { code: "OR109", message, details: { nodeStatus } } } },
    );
  // The message says "jailed" but the registry status is "exiting": the details decide.
  for (const [nodeStatus, message, reason] of [
    ["jailed", "node 0x1 is not active", "Jailed"],
    ["exiting", "node 0x1 is jailed (sic)", "Exiting"],
  ] as const) {
    const s = await refusal(nodeStatus, message);
    try {
      const client = new OracleClient(s.url, privateKeyToAccount(generatePrivateKey()));
      await client.info();
      await assert.rejects(client.next(), (e: unknown) => e instanceof AgentError && e.reason === reason);
    } finally {
      await s.close();
    }
  }
});
