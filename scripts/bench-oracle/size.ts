/**
 * One fleet size of the oracle benchmark, end to end: a fresh deployment on the shared devnet
 * node, N registered nodes, the real oracle process (oracle/cli.ts, pinned to its own core when
 * it can be), load-generator processes holding the N sessions, and the oracle's CPU read from
 * /proc at the boundaries of three phases:
 *
 *   connect  every node opens its session (one EIP-712 signature each): CPU per opening
 *   idle     the rest of an epoch without challenges (the oracle started inside it, so it never
 *            committed its seed): CPU per connected node per hour, heartbeats and the agents'
 *            GPU-process reports included
 *   epochs   `challengeEpochs` epochs with challenges, from the first one's start until the last
 *            one's report is on chain: CPU per challenge (planning, delivery, commit, openings,
 *            verification, judging, report), the idle share and one extra epoch's planning (the
 *            epoch after the last, planned in the same pass that judges it) taken out
 *
 * The oracle's /metrics is read at the phase boundaries (the split by part, delivery lag) and
 * every SCRAPE_MS (event-loop lag, which resets on each scrape); its database after it stops
 * (verdicts), beside the load generators' traces (who was late).
 */
import { closeSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ChildProcess } from "node:child_process";
import { spawnChild, stopChild, type Child } from "../devnet/children";
import { E18, startDevnet } from "../devnet/devnet";
import { startOracles } from "../devnet/fleet";
import { ROOT } from "../devnet/node";
import { openDb } from "../../oracle/store/schema";
import { challengeOutcomes } from "../../oracle/store/challenges";
import { verdictCounts } from "../../oracle/store/node-epochs";
import { registerFleet, type FleetKey } from "./fleet";
import type { ChallengeTrace, FromLoad, ToLoad } from "./load-messages";
import { LogTail } from "./log-tail";
import { diff, histogram, parseMetrics, processCpuSeconds, threadCpuSeconds, total, type Sample } from "./measure";
import { monotonicMicros } from "./profile";
import { blame, percentile, type Blame } from "./report";

/** Event-loop lag is read this often (it covers the interval since the last read), ms. */
const SCRAPE_MS = 10_000;
/** Time the oracle process takes to come up on a loaded machine (tsx compiles on start), s. */
export const ORACLE_START_S = 15;
/** Sessions opened per second, for planning only (the connect phase measures it). */
const PLANNED_OPENS_PER_S = 60;
/** Margin kept before the end of the idle epoch, s. */
const IDLE_MARGIN_S = 3;
/** Registrations per second and deployment time, for planning only. */
const PLANNED_REGISTRATIONS_PER_S = 80;
const PLANNED_DEPLOY_S = 8;
const REWARDS_POOL = 1_000_000n * E18;

export interface SizeOptions {
  rpcUrl: string;
  nodes: number;
  workDir: string;
  epochSeconds: number;
  /**
   * Start of epoch 0 this long after the deployment, s. Default: placed so that, once the fleet
   * is registered (at about PLANNED_REGISTRATIONS_PER_S), the current epoch has just the room the
   * oracle's start, the openings and the idle phase need.
   */
  genesisDelaySeconds?: number;
  /** Planned time for the oracle to come up, s (default ORACLE_START_S). */
  oracleStartSeconds?: number;
  challengeEpochs: number;
  /** 0: no idle phase (no idle share is taken out of the epochs). */
  idleSeconds: number;
  /** The oracle's `epochChallenges` for the run. */
  epochChallenges: number;
  openings: number;
  deadlineSlackMs: number;
  loadProcesses: number;
  openConcurrency: number;
  /** Cores for the oracle and for everything else (taskset lists); undefined: not pinned. */
  pin?: { oracle: string; others: string };
  cpuProfDir?: string;
  /** Devnet account index of the fleet's operator. */
  operatorIndex: number;
  log: (m: string) => void;
}

export interface LagStats {
  scrapes: number;
  p50Ms: number;
  p99MaxMs: number;
  maxMs: number;
}

export interface PartSplit {
  /** Wall seconds summed from the oracle's own histograms over the epochs phase. */
  seconds: number;
  msPerChallenge: number;
}

export interface SizeResult {
  nodes: number;
  epochSeconds: number;
  registerSeconds: number;
  connect: { seconds: number; sessions: number; failed: number; cpuSeconds: number; cpuMsPerSession: number; openP50Ms: number; openP99Ms: number };
  idle: { seconds: number; cpuSeconds: number; cpuSecondsPerNodeHour: number; lag: LagStats; threads: Record<string, number> };
  epochs: {
    epochs: number[];
    seconds: number;
    challenges: number;
    cpuSeconds: number;
    idleShareSeconds: number;
    planningCpuSeconds: number;
    cpuMsPerChallenge: number;
    split: Record<string, PartSplit>;
    lag: LagStats;
    deliveryLagMs: { mean: number; p50: number; p99: number };
    nodeVerdicts: Record<string, number>;
    /** CPU seconds of the phase by thread kind (measure.ts threadCpuSeconds). */
    threads: Record<string, number>;
  };
  blame: Blame;
  load: { cpuSeconds: number; responseP50Ms: number; responseP99Ms: number; computeP50Ms: number; warnings: Record<string, number>; samples: string[] };
  oracleProblems: Record<string, number>;
  oracleProblemSamples: string[];
  /** Each phase on the clock of a CPU profile's timestamps (profile.ts), microseconds. */
  windows: Record<"connect" | "idle" | "epochs", [number, number]>;
}

interface Load {
  child: Child;
  proc: ChildProcess;
  next(t: FromLoad["t"]): Promise<FromLoad>;
}

function startLoad(i: number, pin: SizeOptions["pin"], log: (m: string) => void): Load {
  const [command, ...pre] = [...(pin ? ["taskset", "-c", pin.others] : []), process.execPath];
  const child = spawnChild(`load-${i}`, command, [...pre, "--import", "tsx", join(ROOT, "scripts", "bench-oracle", "load.ts")], {
    cwd: ROOT,
    ipc: true,
    onLine: (line) => log(`[load-${i}] ${line}`),
  });
  const inbox: FromLoad[] = [];
  const waiters: { t: string; resolve: (m: FromLoad) => void }[] = [];
  child.proc.on("message", (m: FromLoad) => {
    const w = waiters.findIndex((x) => x.t === m.t);
    if (w >= 0) waiters.splice(w, 1)[0].resolve(m);
    else inbox.push(m);
  });
  return {
    child,
    proc: child.proc,
    next: (t) => {
      const k = inbox.findIndex((m) => m.t === t);
      if (k >= 0) return Promise.resolve(inbox.splice(k, 1)[0]);
      return new Promise((resolve, reject) => {
        waiters.push({ t, resolve });
        void child.exited.then((code) => reject(new Error(`load-${i} exited (${code}) before sending ${t}`)));
      });
    },
  };
}

const send = (l: Load, m: ToLoad) => l.proc.send(m);

function lagOf(samples: { p50: number; p99: number; max: number }[]): LagStats {
  return {
    scrapes: samples.length,
    p50Ms: percentile(samples.map((s) => s.p50 * 1000), 0.5),
    p99MaxMs: Math.max(0, ...samples.map((s) => s.p99 * 1000)),
    maxMs: Math.max(0, ...samples.map((s) => s.max * 1000)),
  };
}

export async function benchFleetSize(o: SizeOptions): Promise<SizeResult> {
  const L = o.epochSeconds;
  const say = (m: string) => o.log(`[${o.nodes} nodes] ${m}`);
  const need = (o.oracleStartSeconds ?? ORACLE_START_S) + o.nodes / PLANNED_OPENS_PER_S + 5 + o.idleSeconds + IDLE_MARGIN_S;
  if (need > L) throw new Error(`an epoch of ${L} s cannot hold the oracle's start, ${o.nodes} session openings and ${o.idleSeconds} s idle (about ${Math.ceil(need)} s): raise --epoch-seconds`);

  // -------------------------------------------------------------- chain and fleet
  const net = await startDevnet({
    workDir: o.workDir, rpcUrl: o.rpcUrl, epochSeconds: BigInt(L), disputeSeconds: 3600n, committeeSize: 1, rewardsPool: REWARDS_POOL,
    genesis: BigInt(Math.floor(Date.now() / 1000) + Math.round(o.genesisDelaySeconds ?? PLANNED_DEPLOY_S + o.nodes / PLANNED_REGISTRATIONS_PER_S + need + 5 - L)),
    log: () => {},
  });
  const G = Number(net.deployment.params.genesis) * 1000;
  const epochStart = (e: number) => G + e * L * 1000;
  say(`protocol deployed (epochs of ${L} s); registering ${o.nodes} nodes of one operator`);
  const fleet = await registerFleet(net, o.nodes, { operatorIndex: o.operatorIndex, log: say });
  say(`registered in ${fleet.registerSeconds.toFixed(1)} s (${(o.nodes / fleet.registerSeconds).toFixed(0)} per second)`);

  // The oracle starts inside epoch e, too late to commit e's seed: e has no challenges (idle).
  let e = Math.floor((Date.now() - G) / (L * 1000));
  if (epochStart(e + 1) - Date.now() < need * 1000) {
    e += 1;
    say(`waiting ${((epochStart(e) + 1000 - Date.now()) / 1000).toFixed(0)} s for epoch ${e} to start`);
    await sleep(epochStart(e) + 1000 - Date.now());
  }
  const k = o.challengeEpochs;
  const measured = Array.from({ length: k }, (_, i) => e + 1 + i);

  // -------------------------------------------------------------- the oracle
  const logPath = join(o.workDir, "oracle.log");
  const logFd = openSync(logPath, "a");
  const env: NodeJS.ProcessEnv = {
    POAI_LOG_LEVEL: "info",
    POAI_EPOCH_CHALLENGES: String(o.epochChallenges),
    POAI_CHALLENGE_TARGET_MS: "10",
    POAI_GEMM_MAX_N: "64",
    POAI_OPENINGS: String(o.openings),
    POAI_DEADLINE_SLACK_MS: String(o.deadlineSlackMs),
    // Every simulated node comes from 127.0.0.1: the per-source limits are raised, the per-node ones kept.
    POAI_MAX_CONNECTIONS_PER_SOURCE: "10000000",
    POAI_SESSION_OPENS_PER_SEC: "1000000",
    POAI_SESSION_OPEN_BURST: "10000000",
  };
  const [oracle] = await startOracles(net, {
    workDir: o.workDir,
    env,
    prefix: o.pin ? ["taskset", "-c", o.pin.oracle] : undefined,
    nodeArgs: o.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", o.cpuProfDir] : undefined,
    stdoutFd: () => logFd,
    onLine: (_i, line) => say(`[oracle stderr] ${line}`),
  });
  const pid = oracle.child.proc.pid!;
  const tail = new LogTail(logPath, new Set(["epoch.scheduled", "report.built", "report.onchain"]));
  const cpu = () => ({ t: performance.now(), us: monotonicMicros(), cpu: processCpuSeconds(pid), threads: threadCpuSeconds(pid) });
  const threadsBetween = (a: ReturnType<typeof cpu>, b: ReturnType<typeof cpu>) =>
    Object.fromEntries(Object.entries(b.threads).map(([k, v]) => [k, +(v - a.threads[k as keyof typeof a.threads]).toFixed(3)])) as Record<string, number>;
  const scrape = async (): Promise<Sample[]> => parseMetrics(await (await fetch(`${oracle.url}/metrics`)).text());
  let phase: "connect" | "idle" | "epochs" | "other" = "connect";
  const lag: Record<string, { p50: number; p99: number; max: number }[]> = { connect: [], idle: [], epochs: [], other: [] };
  const observeLag = (s: Sample[]) => {
    const g = (stat: string) => total(s, "poai_event_loop_lag_seconds", { stat });
    lag[phase].push({ p50: g("p50"), p99: g("p99"), max: g("max") });
  };
  let scraping = true;
  const scraper = (async () => {
    // Loop bound: until the phase measurement ends.
    while (scraping) {
      await sleep(SCRAPE_MS);
      if (scraping) observeLag(await scrape().catch(() => []));
    }
  })();
  const loads: Load[] = [];
  try {
    say(`oracle up at ${oracle.url} (pid ${pid}${o.pin ? `, core ${o.pin.oracle}` : ", not pinned"}) in epoch ${e}; ${o.loadProcesses} load generator(s) opening ${o.nodes} sessions`);

    // -------------------------------------------------------------- connect
    for (let i = 0; i < o.loadProcesses; i++) loads.push(startLoad(i, o.pin, say));
    const slices: FleetKey[][] = loads.map((_, i) => fleet.keys.filter((_k, j) => j % loads.length === i));
    const c0 = cpu();
    loads.forEach((l, i) => send(l, { t: "start", oracleUrl: oracle.url, keys: slices[i], openConcurrency: o.openConcurrency }));
    const conn = (await Promise.all(loads.map((l) => l.next("connected")))) as Extract<FromLoad, { t: "connected" }>[];
    const c1 = cpu();
    const sessions = conn.reduce((a, c) => a + c.sessions, 0);
    const failed = conn.reduce((a, c) => a + c.failed, 0);
    const afterConnect = await scrape();
    observeLag(afterConnect);
    const opens = histogram(afterConnect, "poai_session_open_seconds");
    say(`${sessions} sessions open (${failed} failed) in ${((c1.t - c0.t) / 1000).toFixed(1)} s; oracle CPU ${(c1.cpu - c0.cpu).toFixed(2)} s`);
    if (total(afterConnect, "poai_sessions") !== o.nodes) say(`WARNING: the oracle counts ${total(afterConnect, "poai_sessions")} sessions`);

    // -------------------------------------------------------------- idle
    phase = "idle";
    let i0 = cpu();
    let i1 = i0;
    if (o.idleSeconds > 0) {
      await sleep(1_000);
      i0 = cpu();
      const idleMs = Math.min(o.idleSeconds * 1000, epochStart(e + 1) - Date.now() - IDLE_MARGIN_S * 1000);
      if (idleMs < 5_000) throw new Error(`only ${(idleMs / 1000).toFixed(1)} s left for the idle phase: raise --epoch-seconds`);
      await sleep(idleMs);
      i1 = cpu();
      observeLag(await scrape());
    }
    const idleRate = i1.t > i0.t ? (i1.cpu - i0.cpu) / ((i1.t - i0.t) / 1000) : 0;
    const idlePerNodeHour = (idleRate / o.nodes) * 3600;
    say(`idle ${((i1.t - i0.t) / 1000).toFixed(1)} s: oracle CPU ${(i1.cpu - i0.cpu).toFixed(3)} s = ${(idlePerNodeHour * 1000).toFixed(1)} ms per node-hour`);

    // -------------------------------------------------------------- epochs
    await sleep(Math.max(0, epochStart(e + 1) - 300 - Date.now()));
    phase = "epochs";
    const info = (await (await fetch(`${oracle.url}/v1/info`)).json()) as { clockLeadMs?: number };
    const b1 = cpu();
    const m1 = await scrape();
    await tail.waitFor((l) => l.event === "epoch.scheduled" && l.epoch === e + 1, 60_000 + L * 1000, `the schedule of epoch ${e + 1}`);
    const s1 = cpu();
    const planningCpu = Math.max(0, s1.cpu - b1.cpu - idleRate * ((s1.t - b1.t) / 1000));
    say(`epochs ${measured.join(", ")}: epoch ${e + 1} planned (${(planningCpu * 1000).toFixed(0)} ms of CPU); running until epoch ${e + k + 1} starts`);
    await sleep(Math.max(0, epochStart(e + k + 1) + 200 - Date.now()));
    const stopAt = cpu();
    loads.forEach((l) => send(l, { t: "stop" }));
    const stats = (await Promise.all(loads.map((l) => l.next("stats")))) as Extract<FromLoad, { t: "stats" }>[];
    await tail.waitFor((l) => l.event === "report.onchain" && l.epoch === e + k, 120_000 + L * 1000, `the report of epoch ${e + k} on chain`);
    const b3 = cpu();
    const m3 = await scrape();
    observeLag(m3);
    phase = "other";
    scraping = false;

    const epochsCpu = b3.cpu - b1.cpu;
    const idleShare = idleRate * ((stopAt.t - b1.t) / 1000);
    const challengeCpu = epochsCpu - idleShare - planningCpu;
    const d = diff(m3, m1);
    const deliveryLag = histogram(d, "poai_delivery_lag_seconds");
    await stopChild(oracle.child);
    tail.poll();

    // -------------------------------------------------------------- verdicts
    const db = openDb(join(o.workDir, "oracle-0.sqlite"));
    const outcomes = challengeOutcomes(db, measured[0], measured[k - 1]);
    const nodeVerdicts: Record<string, number> = {};
    for (const ep of measured) for (const [v, n] of Object.entries(verdictCounts(db, ep))) nodeVerdicts[v] = (nodeVerdicts[v] ?? 0) + (n ?? 0);
    db.close();
    const traces: ChallengeTrace[] = stats.flatMap((s) => s.traces);
    const b = blame(outcomes, traces, info.clockLeadMs ?? 0);
    const challenges = outcomes.length;
    const perChallenge = (s: number): PartSplit => ({ seconds: s, msPerChallenge: challenges ? (s / challenges) * 1000 : 0 });
    const step = (name: string) => histogram(d, "poai_reconcile_step_seconds", { step: name }).sumSeconds;
    const verify = histogram(d, "poai_verification_seconds").sumSeconds;
    const split: Record<string, PartSplit> = {
      verification: perChallenge(verify),
      "openings (besides verification)": perChallenge(histogram(d, "poai_request_duration_seconds", { route: "session.open" }).sumSeconds - verify),
      commit: perChallenge(histogram(d, "poai_request_duration_seconds", { route: "session.commit" }).sumSeconds),
      delivery: perChallenge(histogram(d, "poai_delivery_seconds").sumSeconds),
      "GPU-process reports": perChallenge(histogram(d, "poai_request_duration_seconds", { route: "session.processes" }).sumSeconds),
      "schedule step": perChallenge(step("schedule")),
      "judge step": perChallenge(step("judge")),
      "report step": perChallenge(step("report")),
      "seed step": perChallenge(step("seed")),
    };
    writeFileSync(join(o.workDir, "windows.json"), JSON.stringify({ connect: [c0.us, c1.us], idle: [i0.us, i1.us], epochs: [b1.us, b3.us] }));
    const responses = traces.filter((t) => t.openSent !== undefined).map((t) => t.openSent! - t.received);
    return {
      nodes: o.nodes,
      epochSeconds: L,
      registerSeconds: fleet.registerSeconds,
      connect: {
        seconds: (c1.t - c0.t) / 1000,
        sessions,
        failed,
        cpuSeconds: c1.cpu - c0.cpu,
        // Sessions ramp from none to all during the phase: half the idle rate is their background.
        cpuMsPerSession: sessions ? ((c1.cpu - c0.cpu - 0.5 * idleRate * ((c1.t - c0.t) / 1000)) / sessions) * 1000 : 0,
        openP50Ms: opens.p50 * 1000,
        openP99Ms: opens.p99 * 1000,
      },
      idle: { seconds: (i1.t - i0.t) / 1000, cpuSeconds: i1.cpu - i0.cpu, cpuSecondsPerNodeHour: idlePerNodeHour, lag: lagOf(lag.idle), threads: threadsBetween(i0, i1) },
      epochs: {
        epochs: measured,
        seconds: (b3.t - b1.t) / 1000,
        challenges,
        cpuSeconds: epochsCpu,
        idleShareSeconds: idleShare,
        planningCpuSeconds: planningCpu,
        cpuMsPerChallenge: challenges ? (challengeCpu / challenges) * 1000 : 0,
        split,
        lag: lagOf(lag.epochs),
        deliveryLagMs: { mean: deliveryLag.count ? (deliveryLag.sumSeconds / deliveryLag.count) * 1000 : 0, p50: deliveryLag.p50 * 1000, p99: deliveryLag.p99 * 1000 },
        nodeVerdicts,
        threads: threadsBetween(b1, b3),
      },
      blame: b,
      load: {
        cpuSeconds: stats.reduce((a, s) => a + s.cpuSeconds, 0),
        responseP50Ms: percentile(responses, 0.5),
        responseP99Ms: percentile(responses, 0.99),
        computeP50Ms: percentile(traces.map((t) => t.computeMs), 0.5),
        warnings: Object.assign({}, ...stats.map((s) => s.warnings)),
        samples: stats.flatMap((s) => s.samples).slice(0, 10),
      },
      oracleProblems: tail.problems,
      oracleProblemSamples: tail.problemSamples,
      windows: { connect: [c0.us, c1.us], idle: [i0.us, i1.us], epochs: [b1.us, b3.us] },
    };
  } finally {
    scraping = false;
    await scraper.catch(() => undefined);
    for (const l of loads) await stopChild(l.child);
    await stopChild(oracle.child);
    tail.close();
    closeSync(logFd);
  }
}
