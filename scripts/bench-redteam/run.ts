/**
 * Benchmark: what each adversarial strategy is paid on chain against an honest identity on the
 * same machine.
 *
 *   npm run bench:redteam [-- --epochs 4 --epoch-seconds 40 --strategies overclaim,forge-rows,...]
 *
 * For each strategy, one after another: a fresh deployment on its own Hardhat node, one honest
 * identity and the strategy's identities registered with the same claim (a share of what this
 * machine measured; the overclaimer 3x the machine's best), the real oracle (its own process)
 * and the real agent or the red team's agent for each identity. The chain and the oracle run on
 * core 0; every identity of the emulated machine on core 1 (`taskset`), so the strategy and the
 * honest identity share one machine's throughput as identities on one GPU would. After each
 * finalized report every operator claims on chain, so each epoch's tokens are measured as they
 * were paid; stake slashed is read from the chain's SlashExecuted events.
 *
 * Per strategy: tokens claimed and stake slashed per identity, the agents' verdicts, and the gain
 * over the honest identity, (cheater net - honest paid) / honest paid, where net = tokens claimed
 * minus stake slashed, over all the strategy's identities; with a 95 % bootstrap interval over
 * epochs (paired: each epoch's cheater net and honest pay resampled together). The target is an
 * upper bound below zero for every strategy, and no honest identity ever slashed. The very last
 * line is one JSON object {"bench":"redteam", ...} with one `gain<Strategy>` field per strategy.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { formatUnits } from "viem";
import { measureMachine } from "../../agent/benchmark";
import { readNode } from "../../agent/chain";
import type { BehaviourName } from "../../redteam/behaviours";
import { stopAll, stopChild, type Child } from "../devnet/children";
import { devAccount, FIRST_OPERATOR_INDEX } from "../devnet/accounts";
import { ChainWatch } from "../devnet/chain-watch";
import { E18, startDevnet } from "../devnet/devnet";
import { registerNode, startAgent, startOracles, type RegisteredNode } from "../devnet/fleet";
import { freePort } from "../devnet/node";
import { blockTime, claimRewards, currentEpoch, epochStart } from "../devnet/reads";
import { bootstrapGain, type EpochPair } from "./stats";

const t0 = Date.now();
const log = (m: string) => console.log(`[bench:redteam ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s] ${m}`);

/** One strategy: a behaviour of the red team's agent, its options, and how many identities share the machine. */
export interface Strategy {
  /** Its name in the output (`gain` + its name in camel case is its JSON field). */
  name: string;
  behaviour: BehaviourName;
  args?: string[];
  identities?: number;
  /** Claim as a multiple of the honest claim (the overclaimer's lie). */
  claimFactor?: number;
}

export const STRATEGIES: readonly Strategy[] = [
  { name: "honest-control", behaviour: "honest" },
  { name: "overclaim", behaviour: "overclaim", claimFactor: 10 },
  { name: "forge-rows-50", behaviour: "forge-rows", args: ["--forge-fraction", "0.5"] },
  { name: "grind-forge-25", behaviour: "grind-forge", args: ["--forge-fraction", "0.25"] },
  { name: "grind-forge-50", behaviour: "grind-forge", args: ["--forge-fraction", "0.5"] },
  { name: "skip", behaviour: "skip" },
  { name: "lazy-commit", behaviour: "lazy-commit" },
  { name: "intermittent", behaviour: "intermittent" },
  { name: "replay", behaviour: "replay" },
];

const REWARDS_POOL = 100_000n * E18;
const EPOCH_BUDGET = 1_000n * E18;
/** How long to wait after the last epoch for its reports to finalize, ms. */
const SETTLE_TIMEOUT_MS = 240_000;
/** Share of the machine's measured single-thread GFLOP/s each identity claims (two identities share its core). */
const CLAIM_SHARE = 0.3;

export const gainField = (name: string) => "gain" + name.split(/[^a-zA-Z0-9]+/).map((w) => w[0].toUpperCase() + w.slice(1)).join("");

function pinning(): { chain: string; machine: string } | undefined {
  if (availableParallelism() < 2) return undefined;
  try {
    execFileSync("taskset", ["-p", String(process.pid)], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  return { chain: "0", machine: "1" };
}

interface IdentityResult {
  name: string;
  behaviour: string;
  node: string;
  claimGflops: number;
  paidPerEpoch: Record<string, string>;
  claimed: string;
  slashed: string;
  verdicts: Record<string, number>;
}

async function runStrategy(s: Strategy, o: { epochs: number; epochSeconds: number; gflops: number; pin?: { chain: string; machine: string }; verbose: boolean }) {
  const work = mkdtempSync(join(tmpdir(), `poai-redteam-${s.name}-`));
  const say = (m: string) => log(`${s.name}: ${m}`);
  try {
    const net = await startDevnet({
      workDir: work,
      port: await freePort(),
      epochSeconds: BigInt(o.epochSeconds),
      disputeSeconds: 5n,
      committeeSize: 1,
      rewardsPool: REWARDS_POOL,
      log: o.verbose ? say : () => {},
    });
    const count = s.identities ?? 1;
    const specs = [
      { name: "honest", behaviour: "honest" as BehaviourName, gflops: o.gflops, args: [] as string[] },
      ...Array.from({ length: count }, (_, i) => ({
        name: count === 1 ? s.name : `${s.name}-${i + 1}`,
        behaviour: s.behaviour,
        gflops: Math.max(1, Math.floor(o.gflops * (s.claimFactor ?? 1))),
        args: s.args ?? [],
      })),
    ];
    const nodes: (RegisteredNode & { args: string[]; verdicts: Record<string, number>; agent?: Child })[] = [];
    for (const [i, spec] of specs.entries()) {
      const reg = await registerNode(net, {
        workDir: work, name: spec.name, behaviour: spec.behaviour, operator: devAccount(FIRST_OPERATOR_INDEX + i),
        claim: { gpuModel: 0, gpuCount: 1, gflops: spec.gflops, vramMiB: 1024 },
      });
      nodes.push({ ...reg, args: spec.args, verdicts: {} });
    }
    const oracles = await startOracles(net, {
      workDir: work,
      prefix: o.pin ? ["taskset", "-c", o.pin.chain] : undefined,
      // The production profile's openings and slash rules; rounds and sizes fit a CPU epoch.
      env: { POAI_EPOCH_BUDGET: EPOCH_BUDGET.toString(), POAI_EPOCH_CHALLENGES: "6", POAI_OPENINGS: "20", POAI_LOG_LEVEL: "warn" },
      onLine: (_i, line) => o.verbose && say(`[oracle] ${line}`),
    });
    const counted = new Set<string>();
    for (const n of nodes) {
      n.agent = startAgent(n, {
        oracleUrl: oracles[0].url,
        rpcUrl: net.rpcUrl,
        prefix: o.pin ? ["taskset", "-c", o.pin.machine] : undefined,
        extraArgs: ["--threads", "1", ...n.args],
        onLine: (line) => {
          try {
            const j = JSON.parse(line) as { event?: string; verdict?: string; epoch?: unknown };
            if (j.event === "challenge.verdict" && j.verdict && counted.has(String(j.epoch))) n.verdicts[j.verdict] = (n.verdicts[j.verdict] ?? 0) + 1;
          } catch {
            /* not a log line */
          }
          if (o.verbose) say(`[${n.name}] ${line}`);
        },
      });
    }
    const watch = new ChainWatch(net.client, [net.addr("Settlement"), net.addr("RewardsDistributor"), net.addr("EpochManager")], BigInt(net.deployment.deploymentBlock));
    const genesis = net.deployment.params.genesis;
    const now = await blockTime(net);
    const first = now < genesis ? 0n : (await currentEpoch(net)) + 1n;
    const epochs = Array.from({ length: o.epochs }, (_, k) => first + BigInt(k));
    for (const e of epochs) counted.add(String(e));
    const endOfLast = (await epochStart(net, epochs[epochs.length - 1])) + BigInt(o.epochSeconds);
    say(`${nodes.length} identities on the machine core (claims ${specs.map((x) => `${x.name} ${x.gflops}`).join(", ")} GFLOP/s); epochs ${epochs.join(", ")}`);
    const paid = new Map<string, Map<string, bigint>>(nodes.map((n) => [n.name, new Map()]));
    const claimedAfter = new Set<bigint>();
    const claimFinalized = async () => {
      await watch.poll();
      for (const ev of watch.seen) {
        if (ev.kind !== "ReportFinalized" || claimedAfter.has(ev.epoch) || !epochs.includes(ev.epoch)) continue;
        claimedAfter.add(ev.epoch);
        for (const n of nodes) {
          const c = await claimRewards(net, oracles[0].url, n.operator).catch(() => ({ paid: 0n }));
          paid.get(n.name)!.set(String(ev.epoch), c.paid);
        }
      }
    };
    // Loop bound: one pass per second until the last counted epoch has ended.
    while ((await blockTime(net)) < endOfLast + 6n) {
      await claimFinalized();
      await sleep(1_000);
    }
    await Promise.all(nodes.map((n) => (n.agent ? stopChild(n.agent) : undefined)));
    const until = Date.now() + SETTLE_TIMEOUT_MS;
    // Loop bound: SETTLE_TIMEOUT_MS of one-second polls.
    while (Date.now() < until && !epochs.every((e) => claimedAfter.has(e))) {
      await claimFinalized();
      await sleep(1_000);
    }
    const unsettled = epochs.filter((e) => !claimedAfter.has(e));
    if (unsettled.length) say(`WARNING: epochs ${unsettled.join(", ")} not finalized in ${SETTLE_TIMEOUT_MS / 1000} s (their pay counts as 0)`);
    const slashedOf = (node: string) => watch.seen.filter((e) => e.kind === "SlashExecuted" && e.node.toLowerCase() === node.toLowerCase()) as { epoch: bigint; amount: bigint }[];
    const results: IdentityResult[] = [];
    for (const n of nodes) {
      const rec = await readNode(net.client, net.addr("NodeRegistry"), n.node);
      const slashed = slashedOf(n.node).reduce((a, e) => a + e.amount, 0n);
      if (n.stake - (rec.stake + rec.unbonding) !== slashed) say(`WARNING: ${n.name}'s stake fell by ${n.stake - rec.stake - rec.unbonding}, slash events say ${slashed}`);
      const per = paid.get(n.name)!;
      results.push({
        name: n.name,
        behaviour: n.behaviour,
        node: n.node,
        claimGflops: n.claim.gflops,
        paidPerEpoch: Object.fromEntries(epochs.map((e) => [String(e), (per.get(String(e)) ?? 0n).toString()])),
        claimed: [...per.values()].reduce((a, b) => a + b, 0n).toString(),
        slashed: slashed.toString(),
        verdicts: n.verdicts,
      });
    }
    // Per epoch: the honest identity's pay, and the strategy's pay minus what was slashed from it in that epoch's report.
    const pairs: EpochPair[] = epochs.map((e) => {
      const k = String(e);
      const honest = BigInt(results[0].paidPerEpoch[k]);
      let cheater = 0n;
      for (const [i, r] of results.entries()) {
        if (i === 0) continue;
        cheater += BigInt(r.paidPerEpoch[k]) - slashedOf(r.node).filter((x) => x.epoch === e).reduce((a, x) => a + x.amount, 0n);
      }
      return { honest: Number(formatUnits(honest, 18)), cheater: Number(formatUnits(cheater, 18)) };
    });
    const g = bootstrapGain(pairs, { resamples: 2_000, seed: s.name });
    const honestSlashed = BigInt(results[0].slashed) > 0n;
    say(`honest paid ${formatUnits(BigInt(results[0].claimed), 18)} POAI${honestSlashed ? " and WAS SLASHED" : ", never slashed"}; strategy net ${pairs.reduce((a, p) => a + p.cheater, 0).toFixed(2)} POAI; gain ${g.gain.toFixed(3)} [${g.low.toFixed(3)}, ${g.high.toFixed(3)}]`);
    for (const r of results) say(`  ${r.name.padEnd(18)} claimed ${formatUnits(BigInt(r.claimed), 18).padStart(10)} POAI, slashed ${formatUnits(BigInt(r.slashed), 18).padStart(8)} POAI, verdicts ${JSON.stringify(r.verdicts)}`);
    return { strategy: s.name, behaviour: s.behaviour, identities: count, epochs: epochs.map(Number), gain: g.gain, gainLow: g.low, gainHigh: g.high, honestSlashed, unsettledEpochs: unsettled.map(Number), identitiesResults: results };
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      epochs: { type: "string", default: "4" },
      "epoch-seconds": { type: "string", default: "40" },
      strategies: { type: "string" },
      verbose: { type: "boolean", default: false },
    },
    strict: true,
  });
  const epochs = Number(values.epochs);
  const epochSeconds = Number(values["epoch-seconds"]);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 50) throw new Error("--epochs must be 1..50");
  if (!Number.isInteger(epochSeconds) || epochSeconds < 20 || epochSeconds > 600) throw new Error("--epoch-seconds must be 20..600");
  const names = values.strategies?.split(",").map((x) => x.trim()).filter(Boolean);
  const unknown = names?.filter((n) => !STRATEGIES.some((s) => s.name === n)) ?? [];
  if (unknown.length) throw new Error(`unknown strategies ${unknown.join(", ")}; known: ${STRATEGIES.map((s) => s.name).join(", ")}`);
  const chosen = names ? STRATEGIES.filter((s) => names.includes(s.name)) : STRATEGIES;
  const pin = pinning();
  if (pin) execFileSync("taskset", ["-a", "-p", "-c", pin.chain, String(process.pid)], { stdio: "ignore" });
  log(pin ? "chain, oracle and this driver on core 0; the emulated machine (every identity) on core 1" : "NOT pinned (one core or no taskset): identities share the machine with the chain and the oracle");
  const bench = await measureMachine({ seconds: 3, threads: 1 });
  const gflops = Math.max(1, Math.floor(bench.measuredGflops * CLAIM_SHARE));
  log(`machine: ${bench.measuredGflops.toFixed(1)} GFLOP/s measured (one thread); each identity claims ${gflops} GFLOP/s (${CLAIM_SHARE} of it)`);
  const out: Awaited<ReturnType<typeof runStrategy>>[] = [];
  for (const s of chosen) out.push(await runStrategy(s, { epochs, epochSeconds, gflops, pin, verbose: values.verbose! }));
  const gains = Object.fromEntries(out.map((r) => [gainField(r.strategy), +r.gain.toFixed(4)]));
  const cheating = out.filter((r) => r.behaviour !== "honest");
  const ok = cheating.every((r) => r.gainHigh < 0) && out.every((r) => !r.honestSlashed);
  log(ok ? "every strategy's gain has its upper bound below zero; no honest identity was slashed" : `NOT MET: ${[...cheating.filter((r) => r.gainHigh >= 0).map((r) => `${r.strategy} upper bound ${r.gainHigh.toFixed(3)}`), ...out.filter((r) => r.honestSlashed).map((r) => `honest slashed beside ${r.strategy}`)].join("; ")}`);
  console.log(JSON.stringify({ bench: "redteam", ok, epochs, epochSeconds, claimGflops: gflops, pinned: pin !== undefined, ...gains, strategies: out }));
}

if (require.main === module) {
  main().catch(async (e) => {
    console.error(`bench:redteam failed: ${(e as Error).stack ?? e}`);
    await stopAll();
    console.log(JSON.stringify({ bench: "redteam", ok: false, error: (e as Error).message }));
    process.exit(1);
  });
}
