/**
 * The challenge loop against an oracle that is not there (a port nothing listens on): it must
 * retry with growing, jittered delays, say so with a countdown, and stop when aborted.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { OracleClient } from "./client";
import { runLoop } from "./loop";
import { makeSolver } from "./solver";
import { AgentError } from "./errors";

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address() as { port: number };
      s.close(() => resolve(a.port));
    });
  });
}

test("an unreachable oracle is retried with growing backoff and a countdown in the log", async () => {
  const port = await closedPort();
  const client = new OracleClient(`http://127.0.0.1:${port}`, privateKeyToAccount(generatePrivateKey()));
  const lines: { event: string; msg: string; fields: Record<string, unknown> }[] = [];
  const controller = new AbortController();
  const started = Date.now();
  const stats = await runLoop({
    client,
    solver: makeSolver(),
    signal: controller.signal,
    backoff: { baseMs: 20, maxMs: 160 },
    log: (_level, event, msg, fields = {}) => {
      lines.push({ event, msg, fields });
      if (lines.filter((l) => l.event === "oracle.unreachable").length >= 6) controller.abort();
    },
  });
  const retries = lines.filter((l) => l.event === "oracle.unreachable");
  assert.equal(retries.length, 6);
  assert.equal(stats.challenges, 0);
  retries.forEach((r, i) => {
    assert.match(r.msg, new RegExp(`oracle http://127\\.0\\.0\\.1:${port} unreachable .*; retry ${i + 1} in \\d+\\.\\d s`));
    const cap = Math.min(160, 20 * 2 ** i);
    const d = r.fields.retryInMs as number;
    assert.ok(d >= cap / 2 && d <= cap, `retry ${i + 1}: delay ${d} outside [${cap / 2}, ${cap}]`);
  });
  assert.ok(Date.now() - started < 5_000, "the loop did not stop when aborted");
});

test("a request to an unreachable oracle is a typed AG007 error", async () => {
  const port = await closedPort();
  const client = new OracleClient(`http://127.0.0.1:${port}`, privateKeyToAccount(generatePrivateKey()));
  await assert.rejects(client.next(), (err: unknown) => err instanceof AgentError && err.reason === "OracleUnreachable");
});
