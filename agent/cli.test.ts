/** The agent's command line as an operator meets it: exit codes and the AGxxx messages. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "poai-cli-"));
const CLI = join(__dirname, "cli.ts");

function agent(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    env: { ...process.env, POAI_KEY_PASSWORD: "", ...env },
    encoding: "utf8",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("init creates a key, loads it again with the password, and refuses a wrong password", () => {
  const ks = join(dir, "node.json");
  const made = agent(["init", "--keystore", ks, "--scrypt-n", "1024"], { POAI_KEY_PASSWORD: "pw-1" });
  assert.equal(made.code, 0, made.err);
  const address = /node address: (0x[0-9a-fA-F]{40})/.exec(made.out)?.[1];
  assert.ok(address, made.out);
  const again = agent(["init", "--keystore", ks], { POAI_KEY_PASSWORD: "pw-1" });
  assert.equal(again.code, 0, again.err);
  assert.ok(again.out.includes(address));
  const wrong = agent(["init", "--keystore", ks], { POAI_KEY_PASSWORD: "pw-2" });
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /AG001 wrong password for the node key/);
});

test("without a password and without a terminal the agent says how to give one", () => {
  const r = agent(["init", "--keystore", join(dir, "other.json")]);
  assert.equal(r.code, 1);
  assert.match(r.err, /AG004 .*POAI_KEY_PASSWORD/);
});

test("run without --oracle, an unknown command or option are AG011 with usage", () => {
  const ks = join(dir, "node.json");
  const noOracle = agent(["run", "--keystore", ks], { POAI_KEY_PASSWORD: "pw-1" });
  assert.equal(noOracle.code, 1);
  assert.match(noOracle.err, /AG011 --oracle URL is required/);
  // The operators' agent has no cheating knob: --behaviour is an unknown option (redteam/cli.ts has it).
  const noBehaviour = agent(["run", "--oracle", "http://127.0.0.1:9", "--behaviour", "skip"], { POAI_KEY_PASSWORD: "pw-1" });
  assert.equal(noBehaviour.code, 1);
  assert.match(noBehaviour.err, /AG011 Unknown option '--behaviour'/);
  const unknown = agent(["teleport"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /unknown command "teleport"/);
});

test("a missing keystore is AG002 with the init command to run", () => {
  const r = agent(["run", "--oracle", "http://127.0.0.1:9", "--keystore", join(dir, "nope.json")], { POAI_KEY_PASSWORD: "x" });
  assert.equal(r.code, 1);
  assert.match(r.err, /AG002 no node key at .*agent -- init --keystore/);
});

test("a malformed process-report option is AG051, refused before the key is loaded", () => {
  const missing = join(dir, "never-read.json");
  for (const [flag, value, what] of [
    ["--lease-cgroup", "/", /cgroup/],
    ["--lease-container", "xyz", /container id/],
    ["--process-filter", "(", /--process-filter/],
    ["--process-sources", "dcgm", /--process-sources/],
  ] as const) {
    const r = agent(["run", "--oracle", "http://127.0.0.1:9", "--keystore", missing, flag, value], { POAI_KEY_PASSWORD: "x" });
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /AG051/, `${flag} ${value}: ${r.err}`);
    assert.match(r.err, what);
    assert.doesNotMatch(r.err, /AG002/, "checked before the keystore");
  }
});
