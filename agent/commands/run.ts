/**
 * `agent run --oracle URL`: the challenge loop (loop.ts) over a session with the oracle
 * (session-client.ts) with this node's key, the engine's
 * kernels (solver.ts), GPU process reports and an optional chain check (`--rpc`) that turns
 * "not registered" and "jailed" into precise messages with dates. The solver is the honest one;
 * `runCommand`'s `solverFactory` lets another entry (the red team's) run the same wiring with
 * its own.
 */
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { privateKeyToAccount } from "viem/accounts";
import type { Address, Hex } from "viem";
import { AgentError } from "../errors";
import { SessionClient } from "../session-client";
import { OracleClient } from "../client";
import { makeLogger } from "../log";
import { runLoop } from "../loop";
import { makeSolver } from "../solver";
import type { Solver, SolverOptions } from "../solver-types";
import { queryGpus } from "../gpu";
import { reportFor, reporterFromSettings } from "../processes/options";
import { assertChallengeable, connect, readNode } from "../chain";
import { backoffDelay, DEFAULT_BACKOFF } from "../backoff";
import { assertRegistry, DEFAULT_KEYSTORE, loadNodeKey, requireInt, requireUrl, resolveDataDir } from "./common";
import { createAgentMetrics, serveMetrics } from "../metrics";
import { readState, recordFraud, statePath } from "../state";
import { ACK_COMMAND, jailedText } from "../advice";
import { tflops, tokens } from "../units";

/** Most oracles one agent holds sessions with (a committee's size is bounded too). */
export const MAX_ORACLES = 16;

export const RUN_HELP = `agent run --oracle URL [--oracle URL ...] [--keystore FILE] [--rpc URL] [--chain-id N]
    [--max-challenges N] [--log text|json] [--threads T] [--data-dir DIR]
    [--metrics-port P [--metrics-host H]]
    [--process-sources proc,nvidia-smi] [--gpu-device-pattern RE] [--process-filter RE]
    [--cgroup-filter RE] [--lease-cgroup PATH] [--lease-container ID]
  Runs the challenge loop against each oracle (one session per committee member
  that measures this node) until stopped (Ctrl-C), with one summary line per epoch;
  Prometheus metrics on H:P/metrics (default host 127.0.0.1). After a fraud verdict
  it stops and refuses to start until \`agent ack\`. Every 30 s it sends each oracle a
  signed report of the GPU processes outside itself and outside the lease's container
  (--lease-cgroup / --lease-container): see docs/agent.md, "Process reports".`;

/** Builds the solver once the compute options are known (default: the honest solver). */
export type SolverFactory = (opts: SolverOptions) => Solver;

export async function runCommand(argv: string[], solverFactory: SolverFactory = makeSolver): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      oracle: { type: "string", multiple: true },
      keystore: { type: "string" },
      rpc: { type: "string" },
      "chain-id": { type: "string" },
      "max-challenges": { type: "string" },
      log: { type: "string" },
      threads: { type: "string" },
      "data-dir": { type: "string" },
      "metrics-port": { type: "string" },
      "metrics-host": { type: "string" },
      "process-sources": { type: "string" },
      "gpu-device-pattern": { type: "string" },
      "process-filter": { type: "string" },
      "cgroup-filter": { type: "string" },
      "lease-cgroup": { type: "string" },
      "lease-container": { type: "string" },
    },
    strict: true,
  });
  // Every argument is checked before the key is loaded or anything is signed.
  const oracles = [...new Set((values.oracle ?? []).map((u) => requireUrl(u, "--oracle")))];
  const rpcUrl = values.rpc === undefined ? undefined : requireUrl(values.rpc, "--rpc");
  const metricsPort = values["metrics-port"] === undefined ? undefined : requireInt(values["metrics-port"], "--metrics-port", 0, 65_535);
  if (values["metrics-host"] !== undefined && metricsPort === undefined) throw new AgentError("BadArgument", "--metrics-host needs --metrics-port");
  if (oracles.length === 0) throw new AgentError("BadArgument", "--oracle URL is required (e.g. http://127.0.0.1:8700)");
  if (oracles.length > MAX_ORACLES) throw new AgentError("BadArgument", `at most ${MAX_ORACLES} --oracle URLs (one per committee member)`);
  const format = values.log ?? (process.stdout.isTTY ? "text" : "json");
  if (format !== "text" && format !== "json") throw new AgentError("BadArgument", `--log must be text or json, got ${format}`);
  const maxChallenges = values["max-challenges"] === undefined ? undefined : requireInt(values["max-challenges"], "--max-challenges", 1, 1_000_000);
  const expectedChainId = values["chain-id"] === undefined ? undefined : requireInt(values["chain-id"], "--chain-id", 1, 2 ** 31);
  const threads = requireInt(values.threads, "--threads", 0, 1024, 0);
  const keystore = values.keystore ?? DEFAULT_KEYSTORE;
  const dataDir = resolveDataDir(values["data-dir"], keystore);
  const reporter = reporterFromSettings({
    sources: values["process-sources"],
    devicePattern: values["gpu-device-pattern"],
    commandFilter: values["process-filter"],
    cgroupFilter: values["cgroup-filter"],
    leaseCgroup: values["lease-cgroup"],
    leaseContainer: values["lease-container"],
  });

  const wallet = await loadNodeKey(keystore);
  const account = privateKeyToAccount(wallet.privateKey as Hex);
  const unacked = readState(dataDir, account.address).fraud;
  if (unacked) {
    throw new AgentError("FraudUnacknowledged", `challenge ${unacked.challengeId} (epoch ${unacked.epoch}, from ${unacked.oracle}) was judged fraud at ${unacked.at}: the agent answers no challenge until you acknowledge it`, {
      hint: `check the GPU and its driver (nvidia-smi -q: ECC errors, clocks), then run \`${ACK_COMMAND} --keystore ${keystore}\` (state in ${statePath(dataDir, account.address)})`,
    });
  }
  const log = makeLogger(format, account.address);
  const metrics = createAgentMetrics(oracles);
  if (metricsPort !== undefined) {
    const { url } = await serveMetrics(metrics, metricsPort, values["metrics-host"]);
    log("info", "agent.metrics", `Prometheus metrics on ${url}`, { url });
  }
  // One session per committee member that measures this node: each pushes its challenges at
  // their due instant (protocol/session.ts) and the loops run side by side.
  const clients = oracles.map((url) => new SessionClient(url, account));
  const client = clients[0];
  const gpus = await queryGpus();
  const executionProviders = gpus && gpus.length > 0 ? ["cuda", "cpu"] : ["cpu"];
  const solver = solverFactory({ executionProviders, threads });
  const controller = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      log("info", "agent.stop", `${sig}: stopping after the current step`);
      controller.abort();
    });
  }
  log("info", "agent.start", `node ${account.address} starting (behaviour ${solver.name}) against ${oracles.join(", ")}`, { behaviour: solver.name });

  // The oracle's chain and registry fix what the requests are signed for; wait for it.
  let info;
  for (let attempt = 0; !controller.signal.aborted; attempt++) {
    try {
      info = await client.info();
      break;
    } catch (err) {
      if (!(err instanceof AgentError) || err.reason !== "OracleUnreachable") throw err;
      const delay = backoffDelay(attempt, DEFAULT_BACKOFF);
      metrics.connection(client.baseUrl, "unreachable");
      log("warn", "oracle.unreachable", `${err.shortMessage}; retry ${attempt + 1} in ${(delay / 1000).toFixed(1)} s`, { retryInMs: delay });
      await sleep(delay, undefined, { signal: controller.signal }).catch(() => undefined);
    }
  }
  if (!info) return;
  if (expectedChainId !== undefined && info.chainId !== expectedChainId) {
    throw new AgentError("WrongChain", `the oracle at ${oracles[0]} serves chain ${info.chainId}, this agent expects chain ${expectedChainId}`);
  }
  log("info", "oracle.info", `oracle on chain ${info.chainId}, NodeRegistry ${info.registry}`, { chainId: info.chainId, registry: info.registry });

  // The claim, for "delivers N % of its claim": the chain's record with --rpc, else the oracle's list.
  let claimGflops: number | undefined;
  let onStatusProblem: ((e: AgentError) => Promise<{ waitMs?: number; message: string } | undefined>) | undefined;
  if (rpcUrl) {
    const { client: pub } = await connect(rpcUrl, info.chainId).catch((err) => {
      if (err instanceof AgentError && err.reason === "WrongChain") {
        throw new AgentError("WrongChain", `the RPC at ${rpcUrl} and the oracle disagree on the chain: ${err.shortMessage}`);
      }
      throw err;
    });
    await assertRegistry(pub, info.registry as Address, info.chainId);
    /** The chain's view of this node: undefined when it may be challenged, else why not. */
    const check = async (): Promise<{ waitMs?: number; message: string } | undefined> => {
      const rec = await readNode(pub, info.registry as Address, account.address);
      const now = Number((await pub.getBlock()).timestamp);
      if (rec.status !== "None") {
        claimGflops = rec.claim.gflops;
        metrics.claim(rec.claim.gflops);
      }
      try {
        assertChallengeable(account.address, rec, now);
      } catch (e) {
        const err = e as AgentError;
        if (err.reason !== "Jailed") return { message: err.message };
        return { message: `AG006 ${jailedText({ node: account.address, jailedUntil: Number(rec.jailedUntil), nowSec: now })}`, waitMs: (Number(rec.jailedUntil) - now) * 1000 };
      }
      log("info", "node.chain", `node ${account.address} is ${rec.status} with stake ${tokens(rec.stake)} and a claim of ${tflops(rec.claim.gflops)} (${rec.claim.gflops} GFLOP/s)`, {
        status: rec.status, stakeWei: rec.stake.toString(), claimGflops: rec.claim.gflops,
      });
      return undefined;
    };
    const first = await check();
    if (first) log("error", "node.chain", `${first.message}; the loop starts anyway and asks the oracle`);
    onStatusProblem = async () => check();
  } else {
    const listed = (await new OracleClient(client.baseUrl, account).get("/v1/nodes").catch(() => undefined)) as { nodes: { node: string; claim: { gflops: number } }[] } | undefined;
    const mine = listed?.nodes.find((n) => n.node.toLowerCase() === account.address.toLowerCase());
    if (mine) {
      claimGflops = Number(mine.claim.gflops);
      metrics.claim(claimGflops);
    }
  }

  log("info", "agent.compute", `compute on ${executionProviders.join(" then ")}${threads ? ` with ${threads} thread(s)` : ""}`);
  const onFraud = (f: Parameters<typeof recordFraud>[2]) => {
    recordFraud(dataDir, account.address, f);
    // The other sessions stop too: no oracle gets an answer until the operator acknowledges.
    controller.abort();
  };
  const settled = await Promise.allSettled(
    clients.map(async (c, i) => {
      if (i > 0) {
        // Every member must serve the same chain and registry as the first.
        const other = await c.info();
        if (other.chainId !== info.chainId || other.registry.toLowerCase() !== info.registry.toLowerCase()) {
          throw new AgentError("WrongChain", `the oracle at ${oracles[i]} serves chain ${other.chainId} / registry ${other.registry}, the one at ${oracles[0]} chain ${info.chainId} / registry ${info.registry}`);
        }
      }
      return runLoop({
        client: c,
        solver,
        log,
        maxChallenges,
        signal: controller.signal,
        processReport: reportFor(reporter, account),
        onStatusProblem,
        claimGflops: () => claimGflops,
        metrics,
        onFraud,
      }).catch((err: unknown) => {
        // One session's fatal error (another chain, a fraud verdict) stops them all.
        controller.abort();
        throw err;
      });
    }),
  );
  for (const c of clients) c.close();
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    controller.abort();
    throw failed.reason;
  }
  const all = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof runLoop>>>).value);
  const stats = all.reduce((a, s) => ({
    challenges: a.challenges + s.challenges,
    verdicts: Object.fromEntries([...new Set([...Object.keys(a.verdicts), ...Object.keys(s.verdicts)])].map((k) => [k, (a.verdicts[k] ?? 0) + (s.verdicts[k] ?? 0)])),
    unanswered: a.unanswered + s.unanswered,
    errors: a.errors + s.errors,
  }));
  log("info", "agent.done", `stopped after ${stats.challenges} challenges: ${JSON.stringify(stats.verdicts)}`, { ...stats });
}
