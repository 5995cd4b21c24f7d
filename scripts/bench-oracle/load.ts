/**
 * A load-generator process of the oracle benchmark: many simulated node agents in one process,
 * each the agent's own challenge loop (agent/loop.ts) over the agent's own session client
 * (agent/session-client.ts), answering with the engine's exact reference gemm (solver.ts). Every
 * node opens its session with its own EIP-712 signature, is pushed its challenges, commits,
 * answers the openings and reports its GPU processes as the agent does. Driven over IPC
 * (load-messages.ts): `start` opens the sessions (at most `openConcurrency` openings at once),
 * `stop` closes them and reports one trace per challenge.
 */
import { setMaxListeners } from "node:events";
import { privateKeyToAccount } from "viem/accounts";
import type { Hex } from "viem";
import { runLoop } from "../../agent/loop";
import { SessionClient, type OracleTransport } from "../../agent/session-client";
import type { Solver } from "../../agent/solver-types";
import { reportFor } from "../../agent/processes/options";
import { ProcessReporter } from "../../agent/processes/report";
import type { FleetKey } from "./fleet";
import type { ChallengeTrace, FromLoad, ToLoad } from "./load-messages";
import { referenceSolver } from "./solver";

/** Warning and error messages kept as samples for the report. */
const MAX_SAMPLES = 10;

const tell = (m: FromLoad) => process.send!(m);

export interface LoadFleet {
  /** Resolves once every session has opened (or failed to). */
  connected: Promise<{ sessions: number; failed: number }>;
  stop(): Promise<void>;
  traces: ChallengeTrace[];
  warnings: Record<string, number>;
  samples: string[];
}

/** Runs one simulated agent per key against `oracleUrl`. */
export function runFleet(oracleUrl: string, keys: readonly FleetKey[], openConcurrency: number): LoadFleet {
  const controller = new AbortController();
  // Every simulated node's loop waits on the one signal.
  setMaxListeners(0, controller.signal);
  const traces: ChallengeTrace[] = [];
  const byId = new Map<string, ChallengeTrace>();
  const warnings: Record<string, number> = {};
  const samples: string[] = [];
  const clients: SessionClient[] = [];
  const loops: Promise<unknown>[] = [];
  const base = referenceSolver();
  // The challenge's trace starts when the solver gets it.
  const solver: Solver = {
    name: base.name,
    async solve(ch) {
      const t: ChallengeTrace = { id: ch.challengeId, epoch: Number(ch.epoch), deadline: Number(ch.deadline), received: Date.now(), computeMs: 0 };
      traces.push(t);
      byId.set(ch.challengeId, t);
      const solved = await base.solve(ch);
      t.computeMs = solved?.ms ?? 0;
      return solved;
    },
  };
  let sessions = 0;
  let failed = 0;
  let slots = openConcurrency;
  const waiting: (() => void)[] = [];
  const acquire = () => (slots > 0 ? (slots--, Promise.resolve()) : new Promise<void>((r) => waiting.push(r)));
  const release = () => {
    const w = waiting.shift();
    if (w) w();
    else slots++;
  };
  const opens: Promise<void>[] = [];
  for (const k of keys) {
    const account = privateKeyToAccount(k.privateKey as Hex);
    const client = new SessionClient(oracleUrl, account);
    clients.push(client);
    let first: { resolve: () => void; reject: (e: unknown) => void } | undefined;
    const opened = new Promise<void>((resolve, reject) => (first = { resolve, reject }));
    // The agent reports its GPU processes first, which opens the session: that reply is "connected".
    const transport: OracleTransport = {
      baseUrl: client.baseUrl,
      info: () => client.info(),
      next: () => client.next(),
      async commit(id, root) {
        const t = byId.get(id);
        if (t) t.commitSent = Date.now();
        return client.commit(id, root);
      },
      async open(id, openings, of, extra) {
        const t = byId.get(id);
        if (t) t.openSent = Date.now();
        try {
          const v = await client.open(id, openings, of, extra);
          if (t) (t.answered = Date.now()), (t.verdict = String(v.verdict));
          return v;
        } catch (e) {
          if (t) t.error = (e as Error).message;
          throw e;
        }
      },
      async processes(list) {
        try {
          await client.processes(list);
          first?.resolve();
        } catch (e) {
          first?.reject(e);
          throw e;
        } finally {
          first = undefined;
        }
      },
      close: () => client.close(),
    };
    opens.push(
      (async () => {
        await acquire();
        try {
          await client.info();
          loops.push(
            runLoop({
              client: transport,
              solver,
              signal: controller.signal,
              // An empty report, signed as an agent without GPU processes signs it.
              processReport: reportFor(new ProcessReporter({ sources: [] }), account),
              log: (level, event, msg) => {
                if (level !== "warn" && level !== "error") return;
                warnings[event] = (warnings[event] ?? 0) + 1;
                if (samples.length < MAX_SAMPLES) samples.push(`${event}: ${msg}`);
              },
            }),
          );
          await opened;
          sessions++;
        } catch (e) {
          failed++;
          if (samples.length < MAX_SAMPLES) samples.push(`open: ${(e as Error).message}`);
        } finally {
          release();
        }
      })(),
    );
  }
  return {
    connected: Promise.all(opens).then(() => ({ sessions, failed })),
    async stop() {
      controller.abort();
      for (const c of clients) c.close();
      await Promise.all(loops);
    },
    traces,
    warnings,
    samples,
  };
}

if (require.main === module && process.send) {
  let fleet: LoadFleet | undefined;
  const cpu0 = process.cpuUsage();
  process.on("message", (m: ToLoad) => {
    if (m.t === "start") {
      const t0 = performance.now();
      fleet = runFleet(m.oracleUrl, m.keys, m.openConcurrency);
      void fleet.connected.then((c) => tell({ t: "connected", ...c, seconds: (performance.now() - t0) / 1000 }));
    } else if (m.t === "stop") {
      void (fleet?.stop() ?? Promise.resolve()).then(() => {
        const c = process.cpuUsage(cpu0);
        process.send!({ t: "stats", traces: fleet?.traces ?? [], cpuSeconds: (c.user + c.system) / 1e6, warnings: fleet?.warnings ?? {}, samples: fleet?.samples ?? [] } satisfies FromLoad, () => process.exit(0));
      });
    }
  });
}
