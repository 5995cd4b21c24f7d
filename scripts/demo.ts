/**
 * The PoAI devnet demo: `npm run demo`.
 *
 * Starts a Hardhat node (or uses `--rpc URL`), deploys the protocol with short epochs, funds the
 * rewards, starts the oracle (or with `--committee` three oracles with quorum two), registers a
 * fleet of nodes from distinct operators, runs one node agent per node as its own process
 * (honest ones and two cheaters), and narrates three epochs and their settlement: challenges,
 * verdicts, reports relayed, slashes after the dispute window, rewards claimed with the oracle's
 * Merkle proofs. Ends with a summary table and, as its very last line, one JSON object.
 * Exit code 0 only if every honest node was paid and never slashed and every cheater slashed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { formatUnits, type Address } from "viem";
import { stopAll, stopChild, type Child } from "./devnet/children";
import { devAccount, FIRST_OPERATOR_INDEX } from "./devnet/accounts";
import { DEMO_FLEET, claimFor, type NodeSpec } from "./demo/nodes";
import { ChainWatch, type WatchedEvent } from "./devnet/chain-watch";
import { judgeDemo, resultJson, summaryTable, type NodeOutcome } from "./demo/summary";
import { E18, startDevnet } from "./devnet/devnet";
import { checkChainClock } from "./devnet/clock";
import { registerNode, startAgent, startOracles, type RegisteredNode } from "./devnet/fleet";
import { blockTime, claimRewards, currentEpoch, epochStart } from "./devnet/reads";
import { readNode } from "../agent/chain";
import { measureMachine } from "../agent/benchmark";

/** Rewards pool funded by the deployer, and rewards per epoch the oracle distributes (tokens). */
const REWARDS_POOL = 50_000n * E18;
const EPOCH_BUDGET = 1_000n * E18;
/**
 * Stake each node puts up beyond the registry's minimum: one epoch's whole budget, so that what a
 * slash takes outweighs what cheating could earn in an epoch (a stake of a tenth of an epoch's
 * pay made an overclaimer come out even with an honest node after its slash).
 */
const EXTRA_STAKE = EPOCH_BUDGET;
/** Largest wait for the whole settlement after the last epoch, ms. */
const SETTLE_TIMEOUT_MS = 180_000;
/** Agents keep answering this long after the last epoch (challenges issued late in it), s. */
const AGENT_GRACE_SECONDS = 6n;
/** Epochs whose verdicts the summary counts (decimal strings, as the agents log them). */
let countedEpochs = new Set<string>();
/** The same oracle log event is shown at most once per this many ms. */
const ORACLE_REPEAT_MS = 15_000;
const lastShown = new Map<string, number>();

const t0 = Date.now();
function say(msg: string): void {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  console.log(`[${s}s] ${msg}`);
}

interface RunningNode extends RegisteredNode {
  spec: NodeSpec;
  verdicts: Record<string, number>;
  agent?: Child;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rpc: { type: "string" },
      port: { type: "string" },
      committee: { type: "boolean", default: false },
      infer: { type: "boolean", default: false },
      epochs: { type: "string", default: "3" },
      "epoch-seconds": { type: "string", default: "30" },
      "dispute-seconds": { type: "string", default: "10" },
      "bench-seconds": { type: "string", default: "3" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log("npm run demo -- [--rpc URL] [--port 8545] [--committee] [--infer] [--epochs 3] [--epoch-seconds 30] [--dispute-seconds 10] [--bench-seconds 3] [--verbose]");
    return 0;
  }
  const epochsToRun = Number(values.epochs);
  const epochSeconds = BigInt(values["epoch-seconds"]!);
  const disputeSeconds = BigInt(values["dispute-seconds"]!);
  const verbose = values.verbose!;
  if (!Number.isInteger(epochsToRun) || epochsToRun < 1 || epochsToRun > 10) throw new Error("--epochs must be 1..10");
  if (epochSeconds < 10n || epochSeconds > 600n) throw new Error("--epoch-seconds must be 10..600");
  if (disputeSeconds < 1n || disputeSeconds > 600n) throw new Error("--dispute-seconds must be 1..600");

  const work = mkdtempSync(join(tmpdir(), "poai-demo-"));
  say(`PoAI devnet demo: ${epochsToRun} epochs of ${epochSeconds} s, dispute window ${disputeSeconds} s${values.committee ? ", committee of 3 with quorum 2" : ""}${values.infer ? ", gemm and infer challenges" : ""}`);

  // ------------------------------------------------------------------ 0. what this machine can do
  say(`measuring this machine with the engine's gemm kernel (${values["bench-seconds"]} s, one thread, like each agent)`);
  const bench = await measureMachine({ seconds: Number(values["bench-seconds"]), threads: 1 });
  say(`measured ${bench.measuredGflops.toFixed(1)}..${bench.bestGflops.toFixed(1)} GFLOP/s end to end (class ${bench.classId} "${bench.className}"); ${DEMO_FLEET.length} agents share this machine, so honest nodes claim a fraction of it`);

  // ------------------------------------------------------------------ 1. chain, contracts, rewards pool
  const net = await startDevnet({
    workDir: work,
    rpcUrl: values.rpc,
    port: values.port ? Number(values.port) : 8545,
    epochSeconds,
    disputeSeconds,
    committeeSize: values.committee ? 3 : 1,
    rewardsPool: REWARDS_POOL,
    log: say,
    hardhatLog: verbose ? (l) => say(`[hardhat] ${l}`) : undefined,
  });
  say(`protocol deployed on chain ${net.chainId}; committee ${net.committee.map((m) => m.address.slice(0, 10)).join(", ")} with quorum ${net.quorum}; rewards pool ${formatUnits(REWARDS_POOL, 18)} POAI`);

  // ------------------------------------------------------------------ 2. keys, register
  const nodes: RunningNode[] = [];
  for (const [i, spec] of DEMO_FLEET.entries()) {
    const gflops = claimFor(spec, bench);
    const reg = await registerNode(net, {
      workDir: work,
      extraStake: EXTRA_STAKE,
      name: spec.name,
      behaviour: spec.behaviour,
      operator: devAccount(FIRST_OPERATOR_INDEX + i),
      claim: { gpuModel: bench.classId, gpuCount: 1, gflops, vramMiB: 1024 },
    });
    nodes.push({ ...reg, spec, verdicts: {} });
    say(`registered ${spec.name.padEnd(9)} node ${reg.node.slice(0, 10)} operator ${reg.operator.address.slice(0, 10)}: claims ${gflops} GFLOP/s, stake ${formatUnits(reg.stake, 18)} POAI${spec.honest ? "" : `   <- cheater: ${spec.behaviour}`}`);
  }

  await checkChainClock(net, say);

  // ------------------------------------------------------------------ 3. oracles and agents
  const oracles = await startOracles(net, {
    workDir: work,
    // Four challenges per node and epoch (the overclaim rule needs three answered ones) and a
    // 10 s deadline slack (several agents share two cores).
    env: { POAI_EPOCH_BUDGET: EPOCH_BUDGET.toString(), POAI_EPOCH_CHALLENGES: "4", POAI_DEADLINE_SLACK_MS: "10000", POAI_LOG_LEVEL: "info", ...(values.infer ? { POAI_CHALLENGE_KINDS: "gemm,infer" } : {}) },
    onLine: (i, line) => onOracleLine(i, line, verbose),
  });
  say(`oracle${oracles.length > 1 ? "s" : ""} up: ${oracles.map((o) => o.url).join(", ")}`);
  for (const n of nodes) {
    n.agent = startAgent(n, {
      // The epoch's proposer (the first member) challenges every node; the others verify its report and co-sign.
      oracleUrl: oracles[0].url,
      rpcUrl: net.rpcUrl,
      extraArgs: ["--threads", "1"],
      onLine: (line, stream) => onAgentLine(n, line, stream, verbose),
    });
  }
  say(`${nodes.length} node agents started, one process each`);

  // ------------------------------------------------------------------ 4. epochs
  const watch = new ChainWatch(net.client, [net.addr("Settlement"), net.addr("RewardsDistributor"), net.addr("EpochManager")], BigInt(net.deployment.deploymentBlock));
  const narrate = async () => {
    for (const ev of await watch.poll()) say(describeEvent(ev, nodes));
  };
  const genesis = net.deployment.params.genesis;
  const now = await blockTime(net);
  // The first epoch that starts after the agents are up (the oracle commits its seed before).
  const first = now < genesis ? 0n : (await currentEpoch(net)) + 1n;
  const epochs = Array.from({ length: epochsToRun }, (_, k) => first + BigInt(k));
  const last = epochs[epochs.length - 1];
  const endOfLast = (await epochStart(net, last)) + epochSeconds;
  countedEpochs = new Set(epochs.map(String));
  say(`running epochs ${epochs.join(", ")}: about ${Number(endOfLast - now)} s`);
  let shown = -1n;
  // Loop bound: one pass per second until the last epoch has ended and its last answers are in.
  while ((await blockTime(net)) < endOfLast + AGENT_GRACE_SECONDS) {
    const t = await blockTime(net);
    if (t >= genesis) {
      const e = await currentEpoch(net);
      if (e !== shown) {
        shown = e;
        if (e <= last) say(`===== epoch ${e} begins${epochs.includes(e) ? "" : " (warm-up, not counted)"} =====`);
      }
    }
    await narrate();
    await sleep(1000);
  }
  say(`===== epoch ${last} ended: agents stop; the oracle judges, relays the reports, and waits out the dispute windows =====`);
  await Promise.all(nodes.map((n) => (n.agent ? stopChild(n.agent) : undefined)));

  // ------------------------------------------------------------------ 5. settlement
  const settleDeadline = Date.now() + SETTLE_TIMEOUT_MS;
  const finalized = () => new Set(watch.seen.filter((e) => e.kind === "ReportFinalized").map((e) => (e as { epoch: bigint }).epoch));
  // Loop bound: SETTLE_TIMEOUT_MS of one-second polls.
  while (Date.now() < settleDeadline && !epochs.every((e) => finalized().has(e))) {
    await narrate();
    await sleep(1000);
  }
  await narrate();
  const missing = epochs.filter((e) => !finalized().has(e));
  if (missing.length > 0) say(`WARNING: epochs ${missing.join(", ")} were not finalized within ${SETTLE_TIMEOUT_MS / 1000} s`);

  // ------------------------------------------------------------------ 6. claims and balances
  const outcomes: NodeOutcome[] = [];
  for (const n of nodes) {
    let paid = 0n;
    try {
      const c = await claimRewards(net, oracles[0].url, n.operator);
      paid = c.paid;
      say(c.paid > 0n
        ? `${n.name}: operator ${n.operator.address.slice(0, 10)} claimed ${formatUnits(c.paid, 18)} POAI with the oracle's Merkle proof (cumulative root of epoch ${c.epoch})`
        : `${n.name}: operator ${n.operator.address.slice(0, 10)} has nothing to claim`);
    } catch (err) {
      say(`${n.name}: claim failed: ${(err as Error).message.split("\n")[0]}`);
    }
    const rec = await readNode(net.client, net.addr("NodeRegistry"), n.node);
    const slashed = watch.seen
      .filter((e) => e.kind === "SlashExecuted" && e.node.toLowerCase() === n.node.toLowerCase())
      .reduce((s, e) => s + (e as { amount: bigint }).amount, 0n);
    outcomes.push({
      name: n.name,
      node: n.node,
      operator: n.operator.address,
      behaviour: n.behaviour,
      honest: n.spec.honest,
      claimGflops: n.claim.gflops,
      verdicts: n.verdicts,
      stakeBefore: n.stake,
      stakeAfter: rec.stake + rec.unbonding,
      slashed,
      rewardsClaimed: paid,
      counterfactual: n.spec.counterfactual,
    });
  }
  await narrate();
  await stopAll();

  const result = { epochs: epochs.map(Number), nodes: outcomes };
  const verdict = judgeDemo(result);
  console.log("");
  console.log(summaryTable(result));
  console.log("");
  for (const p of verdict.problems) console.log(`FAIL: ${p}`);
  if (verdict.ok) console.log("PASS: every honest node was paid and never slashed; every cheater was slashed and came out with less than an honest node on the same hardware was paid.");
  rmSync(work, { recursive: true, force: true });
  console.log(resultJson(result, verdict.ok));
  return verdict.ok ? 0 : 1;
}

function describeEvent(ev: WatchedEvent, nodes: RunningNode[]): string {
  const name = (a: string) => nodes.find((n) => n.node.toLowerCase() === a.toLowerCase())?.name ?? a.slice(0, 10);
  switch (ev.kind) {
    case "SeedCommitted":
      return `chain: seed of epoch ${ev.epoch} committed by ${ev.member.slice(0, 10)}`;
    case "ReportSubmitted":
      return `chain: report of epoch ${ev.epoch} relayed by ${ev.submitter.slice(0, 10)}: rewards ${formatUnits(ev.rewardsTotal, 18)} POAI, ${ev.slashCount} slash(es), dispute window until ${ev.disputeEndsAt}`;
    case "SlashProposed":
      return `chain: epoch ${ev.epoch} proposes slashing ${name(ev.node)} by ${ev.bps / 100}% (reason ${["", "fraud", "overclaim", "lease violation"][ev.reason] ?? ev.reason})`;
    case "SlashExecuted":
      return `chain: SLASHED ${name(ev.node)}: ${formatUnits(ev.amount, 18)} POAI (epoch ${ev.epoch} finalized after its dispute window)`;
    case "ReportFinalized":
      return `chain: report of epoch ${ev.epoch} finalized: rewards claimable, ${formatUnits(ev.slashedTotal, 18)} POAI slashed`;
    case "RewardsClaimed":
      return `chain: ${ev.account.slice(0, 10)} claimed ${formatUnits(ev.amount, 18)} POAI`;
  }
}

function onAgentLine(n: RunningNode, line: string, stream: string, verbose: boolean): void {
  let j: { event?: string; msg?: string; level?: string; verdict?: string; kind?: string; epoch?: unknown; computeMs?: number; reason?: string };
  try {
    j = JSON.parse(line);
  } catch {
    if (verbose || stream === "stderr") say(`[${n.name}] ${line}`);
    return;
  }
  if (j.event === "challenge.verdict" && j.verdict) {
    if (countedEpochs.has(String(j.epoch))) n.verdicts[j.verdict] = (n.verdicts[j.verdict] ?? 0) + 1;
    say(`[${n.name}] ${j.kind} challenge of epoch ${j.epoch}: ${j.verdict}${j.reason ? ` (${j.reason})` : ""} in ${j.computeMs} ms`);
  } else if (verbose || j.level === "warn" || j.level === "error" || j.event === "agent.start" || j.event === "challenge.skipped") {
    say(`[${n.name}] ${j.msg}`);
  }
}

function onOracleLine(i: number, line: string, verbose: boolean): void {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(line);
  } catch {
    say(`[oracle-${i}] ${line}`);
    return;
  }
  const ev = String(j.event ?? "");
  // Agents already narrate their own verdicts; the oracle's side shows the epoch's story.
  const interesting = /judg|report|slash|epoch\.|seed\.committed|reward|cosign/i.test(ev);
  if (verbose || j.level === "error" || j.level === "warn" || interesting) {
    const key = `${i}:${ev}:${String(j.epoch ?? "")}:${String(j.code ?? "")}`;
    const seen = lastShown.get(key);
    if (!verbose && seen !== undefined && Date.now() - seen < ORACLE_REPEAT_MS) return;
    lastShown.set(key, Date.now());
    const { t: _t, level, event, ...rest } = j;
    say(`[oracle-${i}] ${level === "info" ? "" : `${String(level).toUpperCase()} `}${event} ${JSON.stringify(rest).slice(0, 300)}`);
  }
}

main()
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  })
  .catch(async (err) => {
    console.error(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    await stopAll();
    console.log(JSON.stringify({ demo: "poai-devnet", ok: false, error: err instanceof Error ? err.message : String(err) }));
    process.exit(1);
  });
