/** The red team's command line: its own options are taken off, the rest reach the agent's run. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { splitOptions } from "./cli";

const CLI = join(__dirname, "cli.ts");

function redteam(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    env: { ...process.env, POAI_KEY_PASSWORD: "pw-1" },
    encoding: "utf8",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("--behaviour and --forge-fraction are taken off; the agent's options pass through in order", () => {
  const { own, rest } = splitOptions(["--oracle", "http://o", "--behaviour", "forge-rows", "--threads", "1", "--forge-fraction=0.25"]);
  assert.deepEqual(own, { behaviour: "forge-rows", "forge-fraction": "0.25" });
  assert.deepEqual(rest, ["--oracle", "http://o", "--threads", "1"]);
});

test("an unknown behaviour or an out-of-range fraction is AG011; an agent option error is the agent's", () => {
  const bad = redteam(["run", "--oracle", "http://127.0.0.1:9", "--behaviour", "sneaky"]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /AG011 --behaviour must be one of honest, overclaim, forge-rows, grind-forge, skip, lazy-commit, intermittent, replay/);
  const fraction = redteam(["run", "--oracle", "http://127.0.0.1:9", "--behaviour", "forge-rows", "--forge-fraction", "2"]);
  assert.equal(fraction.code, 1);
  assert.match(fraction.err, /AG011 --forge-fraction must be in \(0, 1\]/);
  const noOracle = redteam(["run", "--behaviour", "skip"]);
  assert.equal(noOracle.code, 1);
  assert.match(noOracle.err, /AG011 --oracle URL is required/);
});
