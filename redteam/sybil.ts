/**
 * A sybil set as clients of the real API: several registered identities on one emulated machine
 * (machine.ts), each running the agent's own challenge loop (agent/loop.ts) over its own session
 * with the oracle (agent/session-client.ts) and the agent's honest solver, so every answer is
 * correct and only the timing tells. With one identity it is the honest yardstick: one node on
 * the same emulated machine.
 *
 *   tsx redteam/cli.ts machine --oracle URL --machine-gflops G --sharing serial|concurrent
 *       --keystore FILE [--keystore FILE ...] [--threads T] [--log json|text]
 *
 * Each identity logs its own lines (the node address in each). Keystores are read with the
 * agent's POAI_KEY_PASSWORD.
 */
import { parseArgs } from "node:util";
import { privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { AgentError } from "../agent/errors";
import { loadNodeKey, requireInt } from "../agent/commands/common";
import { makeLogger } from "../agent/log";
import { runLoop, type LoopStats } from "../agent/loop";
import { SessionClient } from "../agent/session-client";
import { makeSolver } from "../agent/solver";
import { EmulatedMachine, MAX_MACHINE_JOBS, onMachine, SHARINGS, type Sharing } from "./machine";

export const MACHINE_HELP = `redteam machine --oracle URL --machine-gflops G --sharing ${SHARINGS.join("|")} --keystore FILE [--keystore FILE ...] [--threads T] [--log json|text]
  Runs one identity per keystore on one emulated machine of G GFLOP/s: the agent's loop and
  honest solver per identity, each challenge a job on the shared machine.`;

export interface MachineRun {
  oracle: string;
  gflops: number;
  sharing: Sharing;
  keystores: string[];
  threads: number;
  format: "json" | "text";
  signal?: AbortSignal;
}

export function parseMachineArgs(argv: readonly string[]): MachineRun {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      oracle: { type: "string" },
      "machine-gflops": { type: "string" },
      sharing: { type: "string" },
      keystore: { type: "string", multiple: true },
      threads: { type: "string" },
      log: { type: "string" },
    },
    strict: true,
  });
  if (!values.oracle) throw new AgentError("BadArgument", "--oracle URL is required");
  const gflops = Number(values["machine-gflops"]);
  if (!Number.isFinite(gflops) || gflops <= 0) throw new AgentError("BadArgument", `--machine-gflops must be a positive number, got ${values["machine-gflops"]}`);
  const sharing = values.sharing as Sharing;
  if (!SHARINGS.includes(sharing)) throw new AgentError("BadArgument", `--sharing must be ${SHARINGS.join(" or ")}, got ${values.sharing}`);
  const keystores = values.keystore ?? [];
  if (keystores.length === 0 || keystores.length > MAX_MACHINE_JOBS) throw new AgentError("BadArgument", `1 to ${MAX_MACHINE_JOBS} --keystore files, got ${keystores.length}`);
  const format = values.log ?? "json";
  if (format !== "json" && format !== "text") throw new AgentError("BadArgument", `--log must be json or text, got ${format}`);
  return { oracle: values.oracle, gflops, sharing, keystores, threads: requireInt(values.threads, "--threads", 0, 1024, 1), format };
}

/** Runs every identity's loop on one machine until aborted; their stats in keystore order. */
export async function runMachine(o: MachineRun): Promise<LoopStats[]> {
  const machine = new EmulatedMachine(o.gflops, o.sharing);
  const solver = onMachine(machine, makeSolver({ executionProviders: ["cpu"], threads: o.threads }));
  const identities = await Promise.all(o.keystores.map(async (k) => privateKeyToAccount((await loadNodeKey(k)).privateKey as Hex)));
  return Promise.all(
    identities.map(async (account) => {
      const log = makeLogger(o.format, account.address);
      const client = new SessionClient(o.oracle, account);
      log("info", "agent.start", `node ${account.address} starting (behaviour ${solver.name}) against ${o.oracle}`, { behaviour: solver.name, identities: identities.length, sharing: o.sharing, machineGflops: o.gflops });
      try {
        return await runLoop({ client, solver, log, signal: o.signal });
      } finally {
        client.close();
      }
    }),
  );
}
