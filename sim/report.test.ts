import assert from "node:assert/strict";
import test from "node:test";
import { BEHAVIOURS, type BehaviourName } from "./behaviours";
import { RECOMMENDED } from "./params";
import { checkTargets, formatTable, poissonTail, summarize } from "./report";
import { defaultConfig, runFleet } from "./runner";
import { renderSvg } from "./svg";

const mix = Object.fromEntries(BEHAVIOURS.map((b) => [b, 1])) as Record<BehaviourName, number>;
const result = runFleet(defaultConfig({ seed: 9, nodes: 130, epochs: 3, mix, protocol: RECOMMENDED }));
const summary = summarize(result);

test("the table has one line per behaviour and the honest yardstick gains nothing over itself", () => {
  const table = formatTable(summary);
  for (const b of BEHAVIOURS) assert.match(table, new RegExp(`^${b}`, "m"));
  const honest = summary.rows.find((r) => r.behaviour === "honest")!;
  assert.ok(Math.abs(honest.gainPerEpoch) < 1e-9);
});

test("the SVG is one well-formed document with a line per behaviour in each panel", () => {
  const svg = renderSvg(result, "test <run> & co");
  assert.ok(svg.startsWith("<svg") && svg.trimEnd().endsWith("</svg>"));
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2 * BEHAVIOURS.length);
  assert.match(svg, /test &lt;run&gt; &amp; co/);
  assert.doesNotMatch(svg, /NaN|undefined/);
});

test("target checks fail when a figure misses them", () => {
  const t = checkTargets(summary, 10);
  const core = t.find((x) => x.name.startsWith("one oracle core"))!;
  assert.equal(core.pass, false);
  assert.equal(checkTargets(summary, 1e6).find((x) => x.name.startsWith("one oracle core"))!.pass, true);
});

test("Poisson tail", () => {
  assert.equal(poissonTail(0.5, 0), 1);
  assert.ok(Math.abs(poissonTail(1, 1) - (1 - Math.exp(-1))) < 1e-12);
  assert.ok(poissonTail(1e-3, 3) < 2e-10);
});
