/**
 * Small, fast versions of the detection benchmark (300 nodes x 4 epochs, fixed seeds), asserting
 * the same properties: cheaters caught within three epochs, no honest node slashed, no cheating
 * strategy ahead of honesty, and determinism.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { BEHAVIOURS, SPECS, type BehaviourName } from "./behaviours";
import { committeeParamsSchema, COMMITTEE_PROFILE_DEFAULTS } from "../protocol/committee-params";
import { DEVNET_DEFAULTS, PROJECT_DEFAULTS, RECOMMENDED, paramsFromOracle, type ProtocolParams } from "./params";
import { checkTargets, summarize, type BehaviourSummary } from "./report";
import { defaultConfig, runFleet, RunError } from "./runner";

const EVEN_MIX = Object.fromEntries(BEHAVIOURS.map((b) => [b, 1])) as Record<BehaviourName, number>;
const INFER_ITEM_DETECTION = 0.95; // below the measured 64/64 (see infer-detection.test.ts)

const recommended = defaultConfig({ seed: 42, nodes: 300, epochs: 4, mix: EVEN_MIX, protocol: RECOMMENDED, judge: {}, inferItemDetection: INFER_ITEM_DETECTION });
const result = runFleet(recommended);
const summary = summarize(result);
const row = (b: BehaviourName) => summary.rows.find((r) => r.behaviour === b) as BehaviourSummary;

test("recommended settings: every cheating behaviour, the 15 % spoofer included, is caught within three epochs", () => {
  for (const r of summary.rows) {
    if (!r.cheating || !SPECS[r.behaviour].mustBeCaught) continue;
    assert.equal(r.caughtWithin, 1, `${r.behaviour}: ${r.caughtWithin}`);
    assert.ok(r.meanFirstCaught !== null && r.meanFirstCaught <= 3, `${r.behaviour} first caught at ${r.meanFirstCaught}`);
  }
  // Fraud of any size is slashed in the epoch it is caught; a gross overclaim in its first epoch.
  for (const b of ["forger-1", "forger-10", "forger-100", "replayer", "substitute", "intermittent"] as const) assert.equal(row(b).slashed, 1, b);
  assert.equal(row("spoofer-4x").meanFirstCaught, 1);
  // A moderate overclaim waits for the judge's 3-epoch window: one epoch of 18 challenges cannot condemn it.
  assert.equal(row("spoofer-15").meanFirstCaught, 3);
  assert.equal(row("spoofer-15").slashed, 1);
});

test("recommended settings: no honest, flaky or outsourcing node is slashed, or even condemned (the judge's bound holds)", () => {
  assert.equal(summary.honestSlashed, 0);
  assert.equal(summary.honestCondemned, 0);
  const bound = checkTargets(summary, 0).find((x) => x.name.startsWith("judge's bound"))!;
  assert.equal(bound.pass, true, bound.detail);
  for (const b of ["honest", "flaky", "outsourcer"] as const) assert.equal(row(b).slashed, 0, b);
});

test("recommended settings: no cheating strategy earns more than honesty with the same hardware", () => {
  for (const r of summary.rows) {
    if (!r.cheating) continue;
    assert.ok(r.gainPerEpoch - 2 * r.gainSe < 0, `${r.behaviour} gains ${r.gainPerEpoch} ± ${r.gainSe}`);
  }
  const t = checkTargets(summary, 0).find((x) => x.name.startsWith("every cheating strategy"))!;
  assert.equal(t.pass, true, t.detail);
});

test("a sybil group is caught together: every identity of a group has the group's first condemnation", () => {
  const sybils = result.nodes.filter((o) => o.behaviour === "sybil");
  assert.ok(sybils.length >= 4);
  for (let i = 0; i + 1 < sybils.length; i += 2) {
    assert.equal(sybils[i + 1].index, sybils[i].index + 1);
    assert.equal(sybils[i].firstCaught, sybils[i + 1].firstCaught, `group at ${sybils[i].index}`);
    assert.ok(sybils[i].firstCaught >= 0);
  }
});

test("a sybil's identities share one GPU: their measured throughput halves under synchronous rounds", () => {
  const hist = result.deviation.sybil;
  const honest = result.deviation.honest;
  const mean = (h: number[]) => h.reduce((s, v, i) => s + v * (i + 0.5), 0) / h.reduce((s, v) => s + v, 0);
  assert.ok(mean(hist) < 0.65 * mean(honest), `sybil ${mean(hist)} vs honest ${mean(honest)}`);
});

test("same seed, same results; another seed, other results", () => {
  const again = runFleet(recommended);
  assert.deepEqual(again.nodes, result.nodes);
  assert.deepEqual(again.deviation, result.deviation);
  const other = runFleet({ ...recommended, seed: 43 });
  assert.notDeepEqual(other.nodes.map((o) => o.reward), result.nodes.map((o) => o.reward));
});

test("with the oracle's former defaults no overclaim can be condemned, sybils profit, and the end of the epoch is free", () => {
  // The oracle's configuration defaults before synchronous rounds, the whole-epoch issue window
  // and the 3-epoch overclaim policy, spelled out so the finding stays pinned: the judge's sign
  // test needs >= 4 work challenges at alpha 1e-6.
  const defaults: ProtocolParams = {
    roundsPerEpoch: 3,
    openings: 4,
    kinds: ["gemm"],
    targetMs: 500,
    deadlineSlackMs: 4000,
    // The oracle's former rules too: timed from pick-up, 3x deadlines, a flat uptime share.
    rules: { timing: "pickup", deadlines: "legacy", uptime: "flat" },
    issueWindowBps: 6000,
    schedule: "independent",
    overclaimSlashAfter: 1,
    judgeWindowEpochs: 1,
    label: "oracle defaults",
  };
  const r = runFleet(defaultConfig({ seed: 42, nodes: 300, epochs: 4, mix: EVEN_MIX, protocol: defaults }));
  const s = summarize(r);
  const get = (b: BehaviourName) => s.rows.find((x) => x.behaviour === b)!;
  assert.equal(get("spoofer-4x").caught, 0);
  assert.equal(get("sybil").caught, 0);
  assert.ok(get("sybil").gainPerEpoch - 2 * get("sybil").gainSe > 0, `sybil gain ${get("sybil").gainPerEpoch}`);
  assert.equal(get("substitute").caught, 0); // no infer challenge is issued by default
  assert.equal(get("forger-100").caughtWithin, 1); // fraud is still caught at once
  // Renting the GPU out after the published issue window is never seen, and pays.
  assert.equal(get("window-renter").caught, 0);
  assert.ok(get("window-renter").gainPerEpoch - 2 * get("window-renter").gainSe > 0, `window renter gain ${get("window-renter").gainPerEpoch}`);
});

test("with the oracle's devnet profile the end of the epoch is watched, but 3 rounds still condemn no overclaim and sybils stay ahead", () => {
  const r = runFleet(defaultConfig({ seed: 42, nodes: 300, epochs: 4, mix: EVEN_MIX, protocol: DEVNET_DEFAULTS }));
  const s = summarize(r);
  const get = (b: BehaviourName) => s.rows.find((x) => x.behaviour === b)!;
  assert.equal(DEVNET_DEFAULTS.roundsPerEpoch, 3);
  assert.equal(DEVNET_DEFAULTS.schedule, "synchronous");
  assert.equal(DEVNET_DEFAULTS.issueWindowBps, 10_000);
  // Challenges fall due across the whole epoch: faked answers after 60 % of it are opened.
  assert.equal(get("window-renter").caught, 1);
  assert.ok(get("window-renter").gainPerEpoch < 0, `window renter gain ${get("window-renter").gainPerEpoch}`);
  // Synchronous rounds halve each sybil identity's measured throughput ...
  assert.ok(get("sybil").deviationMean < 0.65 * get("honest").deviationMean, `sybil ${get("sybil").deviationMean}`);
  // ... but with 3 rounds the judge condemns no one, and the per-identity uptime pool keeps sybils ahead.
  assert.equal(get("sybil").caught, 0);
  assert.equal(get("spoofer-4x").caught, 0);
  assert.ok(get("sybil").gainPerEpoch - 2 * get("sybil").gainSe > 0, `sybil gain ${get("sybil").gainPerEpoch}`);
  assert.equal(s.honestSlashed, 0);
});

test("the project defaults are the oracle's production profile: overclaims, substitutes and sybils are condemned, no honest node is slashed", () => {
  assert.deepEqual(PROJECT_DEFAULTS, paramsFromOracle(committeeParamsSchema.parse(COMMITTEE_PROFILE_DEFAULTS.production), PROJECT_DEFAULTS.label));
  assert.equal(PROJECT_DEFAULTS.roundsPerEpoch, RECOMMENDED.roundsPerEpoch);
  assert.deepEqual(PROJECT_DEFAULTS.kinds, RECOMMENDED.kinds);
  assert.equal(PROJECT_DEFAULTS.openings, RECOMMENDED.openings);
  assert.equal(PROJECT_DEFAULTS.targetMs, RECOMMENDED.targetMs);
  // The oracle's inferOpenings setting: infer opens the recommended 4 items, gemm 20 rows.
  assert.equal(PROJECT_DEFAULTS.inferOpenings, RECOMMENDED.inferOpenings);
  const r = runFleet(defaultConfig({ seed: 42, nodes: 300, epochs: 4, mix: EVEN_MIX, protocol: PROJECT_DEFAULTS, judge: {}, inferItemDetection: INFER_ITEM_DETECTION }));
  const s = summarize(r);
  const get = (b: BehaviourName) => s.rows.find((x) => x.behaviour === b)!;
  for (const b of ["spoofer-15", "spoofer-50", "spoofer-4x", "substitute", "sybil", "window-renter", "forger-1", "forger-10", "forger-100", "replayer", "intermittent"] as const) {
    assert.equal(get(b).caughtWithin, 1, `${b}: ${get(b).caughtWithin}`);
    assert.ok(get(b).gainPerEpoch < 0, `${b} gains ${get(b).gainPerEpoch}`);
  }
  assert.equal(s.honestSlashed, 0);
});

test("bad run parameters are named errors", () => {
  assert.throws(() => runFleet({ ...recommended, epochs: 0 }), RunError);
  assert.throws(() => runFleet({ ...recommended, protocol: { ...RECOMMENDED, roundsPerEpoch: 0 } }), /SM004 /);
  assert.throws(() => runFleet({ ...recommended, protocol: { ...RECOMMENDED, kinds: [] } }), RunError);
});
