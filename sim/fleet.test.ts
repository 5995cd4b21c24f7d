import assert from "node:assert/strict";
import test from "node:test";
import { BEHAVIOURS, DEFAULT_MIX, SPECS } from "./behaviours";
import { DEFAULT_ECONOMICS, minimumStake } from "./economics";
import { checkClaim, hardwareClasses } from "./engine-adapter";
import { behaviourCounts, buildFleet, claimFor, FleetError } from "./fleet";

test("counts follow the mix, sum to the fleet and keep sybil groups whole", () => {
  const c = behaviourCounts(10_000, DEFAULT_MIX);
  assert.equal(BEHAVIOURS.reduce((s, b) => s + c[b], 0), 10_000);
  assert.equal(c.sybil % SPECS.sybil.identities, 0);
  assert.equal(c.honest, 6199); // 6200 less the identity a whole 3-identity group could not take
  for (const b of BEHAVIOURS) assert.equal(c[b] % SPECS[b].identities, 0, b);
});

test("every claim passes the engine's check; spoofers claim more than they hold", () => {
  const classes = hardwareClasses();
  const fleet = buildFleet(5, 600, DEFAULT_MIX, classes, DEFAULT_ECONOMICS);
  assert.equal(fleet.length, 600);
  for (const nd of fleet) {
    checkClaim(nd.claim);
    assert.equal(nd.stake, minimumStake(DEFAULT_ECONOMICS, nd.claim.gflops));
    const ratio = nd.claim.gflops / nd.actualGflops;
    if (nd.behaviour.startsWith("spoofer")) assert.ok(ratio > nd.spec.claimFactor * 0.9, `${nd.behaviour} ${ratio}`);
    else assert.ok(ratio < 1.1, `${nd.behaviour} claims ${ratio}x what it delivers`);
  }
  // Sybil identities of a group share one GPU: same class, half of it each.
  const sybils = fleet.filter((n) => n.behaviour === "sybil");
  for (let i = 0; i < sybils.length; i += 2) {
    assert.equal(sybils[i].group, sybils[i + 1].group);
    assert.equal(sybils[i].hw.id, sybils[i + 1].hw.id);
    assert.equal(sybils[i].heldGflops, sybils[i].hw.peakGflops / 2);
  }
});

test("a claim beyond the held GPU's peak names a better GPU or more of the best", () => {
  const classes = hardwareClasses();
  const rtx3090 = classes.find((c) => c.peakGflops === 71_000)!;
  const c1 = claimFor(200_000, rtx3090, classes);
  assert.notEqual(c1.gpuModel, rtx3090.id);
  checkClaim(c1);
  const c2 = claimFor(5_000_000, rtx3090, classes);
  assert.ok(c2.gpuCount > 1);
  checkClaim(c2);
});

test("bad input is a named error", () => {
  assert.throws(() => buildFleet(1, 0, DEFAULT_MIX, hardwareClasses(), DEFAULT_ECONOMICS), FleetError);
  assert.throws(() => behaviourCounts(10, { ...DEFAULT_MIX, honest: -1 }), /SM002 /);
});
