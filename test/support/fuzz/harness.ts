/**
 * The parts of the oracle fuzz test that are not inputs: challenges planted in the oracle's store
 * (one handed out, one committed, one of another node) so the challenge routes have something to
 * refuse, an RSS sampler, and a TCP relay in front of the RPC endpoint that can be cut to make the
 * chain unreachable.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import type { Address, Hex } from "viem";
import { generateGemmChallenge } from "../../../engine/gemm/spec";
import { insertChallenges, markIssued, storeCommitment } from "../../../oracle/store/challenges";
import type { DB } from "../../../oracle/store/schema";

const SEED = ("0x" + "5e".repeat(32)) as Hex;

/** Openings asked of the committed challenge: more than one, so no single opening matches them. */
export const COMMITTED_OPENINGS = [5, 2, 9, 1];

export function plantChallenges(db: DB, node: Address, other: Address, nowMs: number) {
  const spec = JSON.stringify(generateGemmChallenge(SEED, { n: 64, batch: 1, precision: "fp32" }));
  const row = (id: string, who: Address, round: number) => ({
    id, epoch: 0, node: who.toLowerCase(), round, kind: "gemm" as const, seed: SEED, spec, claim: "{}", issue_at: nowMs - 1_000, deadline: nowMs + 3_600_000,
  });
  const ids = { issued: "0x" + "a1".repeat(16), committed: "0x" + "c0".repeat(16), foreign: "0x" + "f0".repeat(16) };
  insertChallenges(db, [row(ids.committed, node, 0), row(ids.issued, node, 1), row(ids.foreign, other, 0)]);
  for (const id of Object.values(ids)) markIssued(db, id, nowMs);
  storeCommitment(db, ids.committed, ("0x" + "77".repeat(32)) as Hex, nowMs, COMMITTED_OPENINGS);
  return { ...ids, committedOpenings: COMMITTED_OPENINGS };
}

/** Samples this process's RSS every `everyMs` while running; `stop()` returns the peak, bytes. */
export function rssSampler(everyMs = 100): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  t.unref();
  return {
    stop() {
      clearInterval(t);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

/** A TCP relay to `port`: `cut()` closes it and every connection through it (the RPC goes dark). */
export async function tcpRelay(port: number): Promise<{ url: string; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(port, "127.0.0.1");
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port: relayPort } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${relayPort}`,
    cut: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  };
}
