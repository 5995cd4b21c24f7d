/**
 * Benchmark: how many nodes one oracle core serves, measured end to end.
 *
 *   npm run bench:oracle [-- --sizes 500,1000,2000 --epochs 2 --idle-seconds 30 --cpu-prof DIR]
 *
 * For each fleet size: a fresh deployment on one Hardhat node, N nodes registered, the real
 * oracle process pinned to core 0 (`taskset`; everything else on the other cores), load
 * generators speaking the real session protocol with honest gemm answers, and the oracle's CPU
 * per session opening, per connected node-hour and per challenge (size.ts). Ends with the
 * extrapolation to the production profile's cadence (report.ts) and, as its very last line, one
 * JSON object {"bench":"oracle", ...}. Figures are CPU time of the oracle process (every thread),
 * so they hold on a shared machine; wall-clock figures (lags) do not.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { profileParams } from "../../protocol/committee-params";
import { stopAll } from "../devnet/children";
import { FIRST_OPERATOR_INDEX } from "../devnet/accounts";
import { startHardhatNode } from "../devnet/node";
import { summarizeProfile } from "./profile";
import { capacityFormula, fitIdle, nodesPerCore, nodesPerCoreFitted } from "./report";
import { benchFleetSize, type SizeResult } from "./size";

const t0 = Date.now();
const log = (m: string) => console.log(`[bench:oracle ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s] ${m}`);

/**
 * Deadline slack: room for every round of an epoch falling due at once (the draws allow it; a node
 * gets its next challenge when it has answered the one before) through the load cores, at about
 * 12 ms of load CPU per answer.
 */
export function slackMsFor(nodes: number, loadProcesses: number, perEpoch: number): number {
  return 10_000 + Math.ceil((perEpoch * nodes * 12) / loadProcesses);
}

/**
 * Epoch length for a fleet: the oracle's start, the openings and the idle phase fit in one
 * epoch, and two deadline spans in the others (rounds may fall due close together, and a node
 * gets its next challenge once it has answered the one before).
 */
export function epochSecondsFor(nodes: number, idleSeconds: number, slackMs: number): number {
  const idleEpoch = 15 + nodes / 60 + 5 + idleSeconds + 3;
  return Math.max(40, Math.ceil(Math.max(idleEpoch, (2.2 * slackMs) / 1000 + 20) / 10) * 10);
}

/** The cores to pin to: the oracle on core 0, everything else on the rest; undefined when not possible. */
function pinning(): { oracle: string; others: string } | undefined {
  const cores = availableParallelism();
  if (cores < 2) return undefined;
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  return { oracle: "0", others: cores === 2 ? "1" : `1-${cores - 1}` };
}

function pinProcess(pid: number, cores: string): void {
  execFileSync("taskset", ["-a", "-p", "-c", cores, String(pid)], { stdio: "ignore" });
}

const ms = (x: number, d = 2) => x.toFixed(d);

function printSize(r: SizeResult): void {
  const e = r.epochs;
  log(`----- ${r.nodes} nodes (epochs of ${r.epochSeconds} s) -----`);
  log(`registration: ${r.registerSeconds.toFixed(1)} s`);
  log(`connect: ${r.connect.sessions} sessions in ${r.connect.seconds.toFixed(1)} s, oracle CPU ${ms(r.connect.cpuMsPerSession)} ms per session opening (accept p50 <= ${ms(r.connect.openP50Ms, 1)} ms, p99 <= ${ms(r.connect.openP99Ms, 1)} ms wall)`);
  log(`idle: ${r.idle.seconds.toFixed(0)} s, oracle CPU ${ms(r.idle.cpuSeconds, 3)} s ${JSON.stringify(r.idle.threads)} = ${ms(r.idle.cpuSecondsPerNodeHour * 1000)} ms per connected node-hour; event-loop lag p50 ${ms(r.idle.lag.p50Ms)} ms, p99 <= ${ms(r.idle.lag.p99MaxMs)} ms, max ${ms(r.idle.lag.maxMs)} ms`);
  log(`epochs ${e.epochs.join(", ")}: ${e.challenges} challenges in ${e.seconds.toFixed(0)} s, oracle CPU ${ms(e.cpuSeconds)} s - idle share ${ms(e.idleShareSeconds)} s - one extra epoch's planning ${ms(e.planningCpuSeconds)} s = ${ms(e.cpuMsPerChallenge, 3)} ms per challenge`);
  log(`  oracle CPU by thread ${JSON.stringify(e.threads)}; split (wall time in the oracle's own histograms, ms per challenge):`);
  for (const [part, s] of Object.entries(e.split)) log(`    ${part.padEnd(34)} ${ms(s.msPerChallenge, 3).padStart(8)}`);
  log(`  event-loop lag p50 ${ms(e.lag.p50Ms)} ms, p99 <= ${ms(e.lag.p99MaxMs)} ms, max ${ms(e.lag.maxMs)} ms (${e.lag.scrapes} scrapes); delivery lag mean ${ms(e.deliveryLagMs.mean)} ms, p50 <= ${ms(e.deliveryLagMs.p50)} ms, p99 <= ${ms(e.deliveryLagMs.p99)} ms`);
  log(`  challenge verdicts ${JSON.stringify(r.blame.verdicts)}; missed by the oracle ${r.blame.missedByOracle}, by the load generator ${r.blame.missedByLoad}, wrong answers ${r.blame.wrong}`);
  for (const x of r.blame.examples) log(`    oracle's miss: ${x}`);
  log(`  node-epoch verdicts ${JSON.stringify(e.nodeVerdicts)}`);
  log(`  load generator: CPU ${ms(r.load.cpuSeconds, 1)} s, answer (push to openings sent) p50 ${r.load.responseP50Ms} ms, p99 ${r.load.responseP99Ms} ms, reference gemm p50 ${ms(r.load.computeP50Ms)} ms`);
  if (Object.keys(r.load.warnings).length) log(`  load warnings ${JSON.stringify(r.load.warnings)}: ${r.load.samples.slice(0, 3).join(" | ")}`);
  if (Object.keys(r.oracleProblems).length) log(`  oracle warn/error lines ${JSON.stringify(r.oracleProblems)}: ${r.oracleProblemSamples.slice(0, 3).join(" | ")}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "500,1000,2000" },
      epochs: { type: "string", default: "2" },
      "idle-seconds": { type: "string", default: "30" },
      "epoch-seconds": { type: "string" },
      challenges: { type: "string", default: "3" },
      openings: { type: "string" },
      "slack-ms": { type: "string" },
      "load-processes": { type: "string" },
      "open-concurrency": { type: "string", default: "32" },
      "cpu-prof": { type: "string" },
      "no-pin": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(
      "npm run bench:oracle -- [--sizes 500,1000,2000] [--epochs 2] [--idle-seconds 30] [--epoch-seconds S] [--challenges 3] [--openings 20] [--slack-ms MS] [--load-processes K] [--open-concurrency 32] [--cpu-prof DIR] [--no-pin] [--keep] [--verbose]",
    );
    return;
  }
  const int = (v: string | undefined, name: string, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer ${min}..${max}, got ${v}`);
    return n;
  };
  const sizes = values.sizes!.split(",").map((s) => int(s.trim(), "--sizes", 1, 10_000));
  const production = profileParams("production");
  const epochs = int(values.epochs, "--epochs", 1, 10);
  const idleSeconds = int(values["idle-seconds"], "--idle-seconds", 5, 3600);
  const challenges = int(values.challenges, "--challenges", 1, 64);
  const openings = values.openings === undefined ? production.openings : int(values.openings, "--openings", 1, 64);
  const cores = availableParallelism();
  const loadProcesses = values["load-processes"] === undefined ? Math.max(1, cores - 1) : int(values["load-processes"], "--load-processes", 1, 64);
  const pin = values["no-pin"] ? undefined : pinning();
  const profDir = values["cpu-prof"];
  if (profDir) mkdirSync(profDir, { recursive: true });

  log(`fleet sizes ${sizes.join(", ")}; ${epochs} epochs with challenges each (${challenges} per node and epoch, ${openings} openings, 64 x 64 gemm on a 1 GFLOP/s claim); ${loadProcesses} load process(es)`);
  log(pin ? `oracle pinned to core ${pin.oracle} (taskset -c ${pin.oracle}); Hardhat, load generators and this driver on cores ${pin.others}` : `oracle NOT pinned (${values["no-pin"] ? "--no-pin" : cores < 2 ? "one core only" : "taskset not available"}): its CPU time is still its own, lags are shared`);
  const work = mkdtempSync(join(tmpdir(), "poai-bench-oracle-"));
  const hardhat = await startHardhatNode({ log: values.verbose ? (l) => log(`[hardhat] ${l}`) : undefined });
  if (pin) {
    pinProcess(hardhat.child.proc.pid!, pin.others);
    pinProcess(process.pid, pin.others);
  }
  log(`Hardhat node on ${hardhat.url}`);
  const results: SizeResult[] = [];
  for (const [i, nodes] of sizes.entries()) {
    const dir = join(work, `size-${nodes}`);
    mkdirSync(dir, { recursive: true });
    const slackMs = values["slack-ms"] ? int(values["slack-ms"], "--slack-ms", 1000, 600_000) : slackMsFor(nodes, loadProcesses, challenges);
    const r = await benchFleetSize({
      rpcUrl: hardhat.url,
      nodes,
      workDir: dir,
      epochSeconds: values["epoch-seconds"] ? int(values["epoch-seconds"], "--epoch-seconds", 20, 3600) : epochSecondsFor(nodes, idleSeconds, slackMs),
      challengeEpochs: epochs,
      idleSeconds,
      epochChallenges: challenges,
      openings,
      deadlineSlackMs: slackMs,
      loadProcesses,
      openConcurrency: int(values["open-concurrency"], "--open-concurrency", 1, 10_000),
      pin,
      cpuProfDir: profDir ? join(profDir, `size-${nodes}`) : undefined,
      operatorIndex: FIRST_OPERATOR_INDEX + i,
      log,
    });
    results.push(r);
    printSize(r);
  }
  await stopAll();

  const perChallengeEpoch = production.epochChallenges;
  log(`----- extrapolation to the production profile: one-hour epochs, ${perChallengeEpoch} challenges per node and epoch (protocol/committee-params.ts) -----`);
  const perSize = results.map((r) => {
    const inputs = { idleCpuSecondsPerNodeHour: r.idle.cpuSecondsPerNodeHour, cpuSecondsPerChallenge: r.epochs.cpuMsPerChallenge / 1000, challengesPerNodeEpoch: perChallengeEpoch };
    log(`${String(r.nodes).padStart(6)} nodes: ${capacityFormula(inputs)}`);
    return {
      nodes: r.nodes,
      nodesPerCoreAt1hEpochs: Math.round(nodesPerCore(inputs)),
      idleCpuMsPerNodeHour: +(r.idle.cpuSecondsPerNodeHour * 1000).toFixed(3),
      cpuMsPerChallenge: +r.epochs.cpuMsPerChallenge.toFixed(4),
      cpuMsPerSessionOpen: +r.connect.cpuMsPerSession.toFixed(3),
      challenges: r.epochs.challenges,
      verdicts: r.blame.verdicts,
      missedByOracle: r.blame.missedByOracle,
      missedByLoad: r.blame.missedByLoad,
      wrongAnswers: r.blame.wrong,
      eventLoopLagMs: { idleP99: +r.idle.lag.p99MaxMs.toFixed(2), epochsP50: +r.epochs.lag.p50Ms.toFixed(2), epochsP99: +r.epochs.lag.p99MaxMs.toFixed(2), epochsMax: +r.epochs.lag.maxMs.toFixed(2) },
      deliveryLagMs: { mean: +r.epochs.deliveryLagMs.mean.toFixed(2), p50: r.epochs.deliveryLagMs.p50, p99: r.epochs.deliveryLagMs.p99 },
      splitMsPerChallenge: Object.fromEntries(Object.entries(r.epochs.split).map(([k, v]) => [k, +v.msPerChallenge.toFixed(4)])),
      registerSeconds: +r.registerSeconds.toFixed(1),
    };
  });
  const largest = perSize[perSize.length - 1];
  const fit = fitIdle(results.map((r) => ({ nodes: r.nodes, cpuPerSecond: r.idle.cpuSeconds / r.idle.seconds })));
  const fitted = fit ? Math.round(nodesPerCoreFitted(fit, largest.cpuMsPerChallenge / 1000, perChallengeEpoch)) : undefined;
  if (fit) {
    log(
      `idle CPU fitted over the sizes: ${ms(fit.fixedCpuPerSecond * 1000)} ms per second whatever the fleet + ${ms(fit.perNodeHourSeconds * 1000)} ms per connected node-hour; ` +
        `with the fixed part taken from the core instead of spread over ${largest.nodes} nodes: 3600 x (1 - ${fit.fixedCpuPerSecond.toFixed(4)}) / (${fit.perNodeHourSeconds.toPrecision(3)} + ${perChallengeEpoch} x ${(largest.cpuMsPerChallenge / 1000).toPrecision(3)}) = ${fitted!.toLocaleString("en-US")} nodes per core (extrapolation)`,
    );
  }
  log(`nodesPerCoreAt1hEpochs (largest fleet, ${largest.nodes} nodes): ${largest.nodesPerCoreAt1hEpochs.toLocaleString("en-US")}. An extrapolation: it assumes the per-node and per-challenge CPU stay as measured at up to ${largest.nodes} nodes, with 64 x 64 gemm challenges (production sizes send 4096-wide rows, and one round in six is infer; bench:profile measures that verification).`);
  const missed = perSize.reduce((a, s) => a + s.missedByOracle, 0);
  log(missed === 0 ? "no challenge was missed for the oracle's own doing at any fleet size" : `WARNING: ${missed} challenge(s) missed for the oracle's own doing`);

  if (profDir) {
    for (const r of results) {
      const dir = join(profDir, `size-${r.nodes}`);
      const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
      if (!file) continue;
      log(`----- CPU profile of the oracle at ${r.nodes} nodes: ${join(dir, file)} -----`);
      for (const ph of ["idle", "epochs"] as const) {
        const p = summarizeProfile(join(dir, file), 12, r.windows[ph]);
        log(`  ${ph} phase: ${(p.totalMs / 1000).toFixed(2)} s sampled busy (wall time of the main thread, blocking calls included)`);
        for (const f of p.files) log(`    ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.name}`);
        log("    top functions (self time):");
        for (const f of p.functions) log(`    ${(100 * f.share).toFixed(1).padStart(5)}%  ${f.name}`);
      }
    }
  }
  if (values.keep) log(`work directory kept: ${work} (oracle log and database of each size)`);
  else rmSync(work, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bench: "oracle",
      nodesPerCoreAt1hEpochs: largest.nodesPerCoreAt1hEpochs,
      formula: "3600 / (idleCpuSecondsPerNodeHour + challengesPerNodeEpoch * cpuSecondsPerChallenge)",
      extrapolation: true,
      challengesPerNodeEpoch: perChallengeEpoch,
      idleFit: fit ? { fixedCpuMsPerSecond: +(fit.fixedCpuPerSecond * 1000).toFixed(3), perNodeHourMs: +(fit.perNodeHourSeconds * 1000).toFixed(3), nodesPerCoreAt1hEpochs: fitted } : null,
      pinned: pin !== undefined,
      cores,
      missedByOracle: missed,
      sizes: perSize,
    }),
  );
}

if (require.main === module) {
  main().catch(async (err) => {
    console.error(`bench:oracle failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await stopAll();
    console.log(JSON.stringify({ bench: "oracle", ok: false, error: err instanceof Error ? err.message : String(err) }));
    process.exit(1);
  });
}
