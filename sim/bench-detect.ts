/**
 * Detection benchmark: how many cheaters PoAI catches, how many honest nodes it wrongs, what it
 * costs the oracle, and whether cheating ever pays. Runs a fleet of every behaviour through the
 * real engine's sizing, openings and judge under the project's defaults (the oracle's production
 * profile; the simulator's recommendation too, when it differs), measures the engine's
 * verification cost and the infer
 * verifier's detection on this CPU, and cross-checks the model of the openings against the real
 * gemm verifier on small instances.
 *
 *   npm run bench:detect [-- --nodes 10000 --epochs 10 --seed 1 --out sim/out]
 *
 * Prints progress to stderr, tables to stdout, writes one SVG per scenario to the output folder,
 * and prints one JSON object as its last line.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";
import { DEFAULT_MIX, BEHAVIOURS } from "./behaviours";
import { DEFAULT_ECONOMICS, type EconomicParams } from "./economics";
import { DEFAULT_JUDGE_PARAMS } from "./engine-adapter";
import { SimError } from "./errors";
import { measureSubstituteDetection } from "./infer-detection";
import { measureOracleCost, type OracleCost } from "./oracle-cost";
import { PROJECT_DEFAULTS, RECOMMENDED, type ProtocolParams } from "./params";
import { crossCheck } from "./real-check";
import { checkTargets, formatTable, summarize, type RunSummary, type TargetCheck } from "./report";
import { DEFAULT_EPOCH_MS, runFleet, type RunResult } from "./runner";
import { renderSvg } from "./svg";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new SimError("SimBenchBadArgument", `--${name} needs a number, got ${process.argv[i + 1]}`);
  return v;
}

function argString(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

function bar(label: string, done: number, total: number): void {
  const width = 30;
  const filled = Math.round((width * done) / total);
  process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${((100 * done) / total).toFixed(0).padStart(3)}%`);
  if (done >= total) process.stderr.write("\n");
}

/**
 * The conservative per-item detection figure: the one-sided 95 % lower confidence bound of the
 * measured rate (Clopper-Pearson; for x = n it is 0.05^(1/n)), so a small sample never flatters
 * the protocol.
 */
function lowerBound95(flagged: number, items: number): number {
  if (flagged === items) return Math.pow(0.05, 1 / items);
  return flagged / items; // below 100 %: the point estimate (stated in the report)
}

interface ScenarioOut {
  name: string;
  protocol: ProtocolParams;
  judge: Record<string, number>;
  payCapRatio: number;
  result: RunResult;
  summary: RunSummary;
  cost: OracleCost;
  targets: TargetCheck[];
  svg: string;
  wallMs: number;
}

async function main(): Promise<void> {
  const nodes = arg("nodes", 10_000);
  const epochs = arg("epochs", 10);
  const seed = arg("seed", 1);
  const outDir = argString("out", path.join("sim", "out"));
  mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  console.log(`PoAI detection benchmark: ${nodes} nodes x ${epochs} one-hour epochs, seed ${seed}`);

  process.stderr.write("measuring the infer verifier against substituted models (engine/llm)...\n");
  const det = await measureSubstituteDetection(64, 32);
  const itemDetection = lowerBound95(Math.round(det.minRate * det.batch), det.batch);
  console.log(
    `infer verifier, per item over ${det.batch} items: ${Object.entries(det.perVariant).map(([k, v]) => `${k} ${v.flagged}/${v.items}`).join(", ")}; honest rerun flagged ${det.honestFlagged}. ` +
      `Simulated per opened item: ${itemDetection.toFixed(3)} (95 % lower bound of the weakest, ${det.minVariant}).`,
  );

  process.stderr.write("cross-checking the openings model against the real gemm verifier...\n");
  const modes = [{ kind: "forge" as const, fraction: 0 }, { kind: "forge" as const, fraction: 0.01 }, { kind: "forge" as const, fraction: 0.1 }, { kind: "forge" as const, fraction: 1 }, { kind: "replay" as const }];
  const checks = await crossCheck({ seed, modes, perMode: 60, openings: 8 });
  console.log("real engine on 64x64 x 8 gemm instances, 8 openings each: mode, rejected by the engine / expected by the model");
  for (const c of checks) console.log(`  ${c.mode.padEnd(12)} ${String(c.engineRejected).padStart(3)} / ${c.modelExpected.toFixed(1).padStart(5)} of ${c.instances}  ${JSON.stringify(c.reasons)}`);

  const scenarios: { name: string; protocol: ProtocolParams; judge: Record<string, number>; economics: EconomicParams }[] = [
    { name: "defaults", protocol: PROJECT_DEFAULTS, judge: {}, economics: DEFAULT_ECONOMICS },
  ];
  const { label: _l1, ...projectRules } = PROJECT_DEFAULTS;
  const { label: _l2, ...recommendedRules } = RECOMMENDED;
  if (JSON.stringify(projectRules) !== JSON.stringify(recommendedRules)) {
    scenarios.push({ name: "recommended", protocol: RECOMMENDED, judge: {}, economics: DEFAULT_ECONOMICS });
  }
  const costs = new Map<ProtocolParams, OracleCost>();
  const outs: ScenarioOut[] = [];
  for (const sc of scenarios) {
    console.log(`\n=== ${sc.name}: ${sc.protocol.label} ===`);
    const w0 = performance.now();
    const result = runFleet({
      seed,
      nodes,
      epochs,
      mix: DEFAULT_MIX,
      epochMs: DEFAULT_EPOCH_MS,
      protocol: sc.protocol,
      economics: sc.economics,
      inferItemDetection: itemDetection,
      judge: sc.judge,
      onProgress: (d, t) => bar(`simulating ${sc.name.padEnd(11)}`, d, t),
    });
    const wallMs = performance.now() - w0;
    const summary = summarize(result);
    if (!costs.has(sc.protocol)) process.stderr.write(`measuring the oracle's verification cost for ${sc.name}...\n`);
    const cost = costs.get(sc.protocol) ?? (await measureOracleCost(sc.protocol, DEFAULT_EPOCH_MS));
    costs.set(sc.protocol, cost);
    const targets = checkTargets(summary, cost.nodesPerCore);
    console.log(formatTable(summary));
    console.log(
      `challenges: ${result.challenges} (gemm ${result.challengesByKind.gemm}, infer ${result.challengesByKind.infer}); judge calls ${result.judgeCalls}; simulated in ${(wallMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `oracle cost: gemm n=${cost.gemm.n}, ${cost.gemm.openings} openings, proofs of ${cost.gemm.proofLength} siblings: choose ${cost.gemm.chooseMs.toFixed(2)} ms + verify ${cost.gemm.verifyMs.toFixed(2)} ms = ${cost.gemm.perChallengeMs.toFixed(2)} ms/challenge` +
        (cost.infer ? `; infer (batch ${cost.infer.batch}, ${cost.infer.openings} openings): prompts ${cost.infer.generateMs.toFixed(1)} ms + verify ${cost.infer.verifyMs.toFixed(1)} ms (pool ${cost.infer.poolMs.toFixed(0)} ms once per epoch)` : "") +
        `; ${cost.perNodeEpochMs.toFixed(1)} ms per node per epoch -> ${cost.nodesPerCore} nodes per core at 1 h epochs (verifier key ${cost.gemm.keyBuildMs.toFixed(0)} ms once per epoch; load average ${cost.loadAverage.toFixed(2)} on ${cpus().length} cores)`,
    );
    for (const t of targets) console.log(`  [${t.pass ? "PASS" : "FAIL"}] ${t.name}: ${t.detail}`);
    const subtitle = `${nodes} nodes x ${epochs} epochs, seed ${seed} - ${sc.protocol.label}`;
    const svg = renderSvg(result, subtitle);
    const file = path.join(outDir, sc.name === "defaults" ? "detect.svg" : `detect-${sc.name}.svg`);
    writeFileSync(file, svg);
    console.log(`plot: ${file}`);
    outs.push({ name: sc.name, protocol: sc.protocol, judge: sc.judge, payCapRatio: sc.economics.payCapRatio, result, summary, cost, targets, svg: file, wallMs });
  }

  const figures = (o: ScenarioOut) => ({
    protocol: o.protocol,
    payCapRatio: o.payCapRatio,
    judge: { ...DEFAULT_JUDGE_PARAMS, ...o.judge },
    challenges: o.result.challenges,
    simulatedSeconds: +(o.wallMs / 1000).toFixed(1),
    behaviours: Object.fromEntries(
      o.summary.rows.map((r) => [
        r.behaviour,
        {
          nodes: r.nodes,
          cheating: r.cheating,
          caught: +r.caught.toFixed(5),
          caughtWithin3: +r.caughtWithin.toFixed(5),
          meanFirstCaughtEpoch: r.meanFirstCaught === null ? null : +r.meanFirstCaught.toFixed(3),
          slashed: +r.slashed.toFixed(5),
          deviationMean: +r.deviationMean.toFixed(4),
          rewardPerEpoch: +r.rewardPerEpoch.toFixed(4),
          slashPerEpoch: +r.slashPerEpoch.toFixed(4),
          profitPerEpoch: +r.profitPerEpoch.toFixed(4),
          honestProfitPerEpoch: +r.honestProfitPerEpoch.toFixed(4),
          gainPerEpoch: +r.gainPerEpoch.toFixed(4),
          gainSe: +r.gainSe.toFixed(4),
          rewardVsHonest: +r.rewardVsHonest.toFixed(4),
        },
      ]),
    ),
    honestNodeEpochs: o.summary.honestNodeEpochs,
    honestCondemned: o.summary.honestCondemned,
    honestSlashed: o.summary.honestSlashed,
    oracle: {
      gemmPerChallengeMs: +o.cost.gemm.perChallengeMs.toFixed(3),
      inferPerChallengeMs: o.cost.infer ? +o.cost.infer.perChallengeMs.toFixed(1) : null,
      perNodeEpochMs: +o.cost.perNodeEpochMs.toFixed(2),
      nodesPerCore: o.cost.nodesPerCore,
      loadAverage: +o.cost.loadAverage.toFixed(2),
    },
    targets: Object.fromEntries(o.targets.map((t) => [t.name, t.pass])),
    svg: o.svg,
  });
  const json = {
    bench: "detect",
    nodes,
    epochs,
    seed,
    behaviours: BEHAVIOURS.length,
    economics: DEFAULT_ECONOMICS,
    inferItemDetection: { measured: det.perVariant, honestFlagged: det.honestFlagged, used: +itemDetection.toFixed(4) },
    realCrossCheck: checks.map((c) => ({ mode: c.mode, instances: c.instances, engineRejected: c.engineRejected, modelExpected: +c.modelExpected.toFixed(2) })),
    scenarios: Object.fromEntries(outs.map((o) => [o.name, figures(o)])),
    wallSeconds: +((performance.now() - t0) / 1000).toFixed(1),
  };
  console.log(JSON.stringify(json));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
