import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEVNET_ORACLE_KEY, loadConfig, parseConfig } from "./config";
import { OracleError } from "./errors";

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof OracleError);
    return e.shortMessage;
  }
  assert.fail("no error");
}

describe("config", () => {
  it("runs the devnet with no settings at all", () => {
    const c = parseConfig({}, {});
    assert.equal(c.rpcUrl, "http://127.0.0.1:8545");
    assert.equal(c.oracleKey, DEVNET_ORACLE_KEY);
    assert.equal(c.epochChallenges, 3);
    assert.deepEqual(c.committee, []);
  });

  it("names a wrong environment value, its rule and what it got", () => {
    assert.equal(message(() => parseConfig({}, { POAI_EPOCH_CHALLENGES: "x" })), 'config error: POAI_EPOCH_CHALLENGES must be an integer 1..64, got "x"');
    assert.equal(message(() => parseConfig({}, { POAI_EPOCH_CHALLENGES: "65" })), 'config error: POAI_EPOCH_CHALLENGES must be an integer 1..64, got "65"');
    assert.match(message(() => parseConfig({}, { POAI_RPC_URL: "nope" })), /^config error: POAI_RPC_URL must be a URL, got "nope"$/);
    assert.match(message(() => parseConfig({}, { POAI_ORACLE_KEY: "0x12" })), /POAI_ORACLE_KEY must be a 32-byte 0x-hex string/);
    assert.match(message(() => parseConfig({}, { POAI_EPOCH_BUDGET: "-5" })), /POAI_EPOCH_BUDGET must be a decimal integer string/);
  });

  it("slashes an overclaim after 3 condemned epochs in a row by default, 1..10 allowed", () => {
    assert.equal(parseConfig({}, {}).overclaimSlashAfterEpochs, 3);
    assert.equal(parseConfig({}, { POAI_OVERCLAIM_SLASH_AFTER_EPOCHS: "1" }).overclaimSlashAfterEpochs, 1);
    assert.equal(message(() => parseConfig({ overclaimSlashAfterEpochs: 0 })), "config error: overclaimSlashAfterEpochs (config file) must be an integer 1..10, got 0");
    assert.equal(message(() => parseConfig({}, { POAI_OVERCLAIM_SLASH_AFTER_EPOCHS: "11" })), 'config error: POAI_OVERCLAIM_SLASH_AFTER_EPOCHS must be an integer 1..10, got "11"');
  });

  it("names a wrong file value and rejects unknown keys", () => {
    assert.equal(message(() => parseConfig({ openings: 0 })), "config error: openings (config file) must be an integer 1..64, got 0");
    assert.match(message(() => parseConfig({ epochChalenges: 3 })), /unknown key\(s\) epochChalenges/);
    assert.match(message(() => parseConfig({ committee: [{ address: "0x1", url: "http://x" }] })), /committee/);
  });

  it("lets the environment override the file and parses lists and booleans", () => {
    const dir = mkdtempSync(join(tmpdir(), "poai-cfg-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ epochChallenges: 5, port: 9000 }));
    const c = loadConfig(file, { POAI_PORT: "9100", POAI_CHALLENGE_KINDS: "gemm", POAI_PROPOSER_ROTATION: "true" });
    assert.equal(c.epochChallenges, 5);
    assert.equal(c.port, 9100);
    assert.deepEqual(c.challengeKinds, ["gemm"]);
    assert.equal(c.proposerRotation, true);
    writeFileSync(file, "{oops");
    assert.throws(() => loadConfig(file, {}), (e: OracleError) => e.code === "OR002");
    assert.throws(() => loadConfig(join(dir, "missing.json"), {}), (e: OracleError) => e.code === "OR002");
  });
});
