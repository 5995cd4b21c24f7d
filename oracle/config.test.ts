import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEVNET_ORACLE_KEY, MAX_CHALLENGE_KINDS, loadConfig, openingsFor, parseConfig } from "./config";
import { OracleError } from "./errors";
import { committeeParamsSchema, PROFILES, profileParams } from "../protocol/committee-params";

/** A key of the oracle's own, which the production profile requires. */
const OWN_KEY = "0x" + "11".repeat(32);

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

  it("carries each profile's committee parameters unchanged (the simulator reads them from protocol/)", () => {
    for (const profile of PROFILES) {
      const c = parseConfig({ profile, oracleKey: OWN_KEY }, {});
      const shared = Object.fromEntries(Object.keys(committeeParamsSchema.shape).filter((k) => k in c).map((k) => [k, c[k as keyof typeof c]]));
      assert.deepEqual(committeeParamsSchema.parse(shared), profileParams(profile));
    }
  });

  it("sizes the worker pool: unset by default (cores - 1), 0 for inline, bounded, from the environment", () => {
    assert.equal(parseConfig({}, {}).verifyThreads, undefined);
    assert.equal(parseConfig({}, {}).verifyQueueMax, 1024);
    assert.equal(parseConfig({}, { POAI_VERIFY_THREADS: "0" }).verifyThreads, 0);
    assert.equal(message(() => parseConfig({ verifyThreads: -1 }, {})), "config error: verifyThreads (config file) must be an integer 0..256, got -1");
    assert.equal(message(() => parseConfig({}, { POAI_VERIFY_QUEUE_MAX: "0" })), 'config error: POAI_VERIFY_QUEUE_MAX must be an integer 1..100000, got "0"');
  });

  it("reads a gemm dimension from the environment, and names the allowed ones when it is wrong", () => {
    assert.equal(parseConfig({}, { POAI_GEMM_MAX_N: "64" }).gemmMaxN, 64);
    assert.equal(parseConfig({ gemmMaxN: 1024 }, {}).gemmMaxN, 1024);
    assert.equal(message(() => parseConfig({}, { POAI_GEMM_MAX_N: "100" })), 'config error: POAI_GEMM_MAX_N must be one of 64, 128, 256, 512, 1024, 2048, 4096, got "100"');
  });

  it("keeps the devnet profile by default", () => {
    const c = parseConfig({}, {});
    assert.equal(c.profile, "devnet");
    assert.deepEqual(c.challengeKinds, ["gemm"]);
    assert.equal(c.openings, 4);
    // No separate infer setting: infer opens as many items as gemm opens rows.
    assert.equal(c.inferOpenings, undefined);
    assert.equal(openingsFor(c, "infer"), 4);
    assert.equal(openingsFor(c, "gemm"), 4);
    assert.equal(c.challengeTargetMs, 500);
    assert.equal(c.gemmMaxN, 256);
    assert.deepEqual(parseConfig({}, { POAI_PROFILE: "devnet" }), c);
  });

  it("the production profile yields the simulator's recommended challenge settings", () => {
    const c = parseConfig({}, { POAI_PROFILE: "production", POAI_ORACLE_KEY: OWN_KEY });
    assert.equal(c.profile, "production");
    assert.equal(c.epochChallenges, 18);
    assert.deepEqual(c.challengeKinds, ["gemm", "gemm", "gemm", "gemm", "gemm", "infer"]);
    assert.equal(c.challengeKinds.filter((k) => k === "infer").length / c.challengeKinds.length, 1 / 6);
    assert.equal(c.openings, 20);
    assert.equal(c.inferOpenings, 4);
    assert.equal(openingsFor(c, "gemm"), 20);
    assert.equal(openingsFor(c, "infer"), 4);
    assert.equal(c.challengeTargetMs, 4_000);
    assert.equal(c.gemmMaxN, 4096);
    assert.equal(c.deadlineSlackMs, 1_000);
    assert.equal(c.issueWindowBps, 10_000);
    assert.equal(c.overclaimSlashAfterEpochs, 1);
    assert.equal(c.judgeWindowEpochs, 3);
    // Settings the profile does not name keep the schema's defaults.
    assert.equal(c.rpcUrl, "http://127.0.0.1:8545");
    assert.equal(c.uptimeShareBps, 2_000);
    // The same from a config file.
    assert.deepEqual(parseConfig({ profile: "production", oracleKey: OWN_KEY }, {}), c);
  });

  it("an explicit setting wins over the profile's default", () => {
    const c = parseConfig({ openings: 12 }, { POAI_PROFILE: "production", POAI_ORACLE_KEY: OWN_KEY, POAI_EPOCH_CHALLENGES: "6", POAI_CHALLENGE_KINDS: "gemm" });
    assert.equal(c.epochChallenges, 6);
    assert.deepEqual(c.challengeKinds, ["gemm"]);
    assert.equal(c.openings, 12);
    assert.equal(c.challengeTargetMs, 4_000); // not set: the profile's
    // The environment's profile wins over the file's.
    assert.equal(parseConfig({ profile: "production" }, { POAI_PROFILE: "devnet" }).epochChallenges, 3);
    // Explicit values are still checked against their bounds.
    assert.equal(message(() => parseConfig({}, { POAI_PROFILE: "production", POAI_OPENINGS: "65" })), 'config error: POAI_OPENINGS must be an integer 1..64, got "65"');
  });

  it("infer openings: a separate, validated setting; without it infer follows openings", () => {
    assert.equal(parseConfig({}, { POAI_INFER_OPENINGS: "6" }).inferOpenings, 6);
    assert.equal(openingsFor(parseConfig({}, { POAI_INFER_OPENINGS: "6" }), "infer"), 6);
    assert.equal(openingsFor(parseConfig({}, { POAI_INFER_OPENINGS: "6" }), "gemm"), 4);
    assert.equal(openingsFor(parseConfig({ openings: 9 }, {}), "infer"), 9);
    // An explicit value wins over the production profile's 4, from the file or the environment.
    assert.equal(parseConfig({ inferOpenings: 8 }, { POAI_PROFILE: "production", POAI_ORACLE_KEY: OWN_KEY }).inferOpenings, 8);
    assert.equal(parseConfig({ inferOpenings: 8 }, { POAI_PROFILE: "production", POAI_ORACLE_KEY: OWN_KEY, POAI_INFER_OPENINGS: "2" }).inferOpenings, 2);
    assert.equal(message(() => parseConfig({}, { POAI_INFER_OPENINGS: "0" })), 'config error: POAI_INFER_OPENINGS must be an integer 1..64, got "0"');
    assert.equal(message(() => parseConfig({}, { POAI_INFER_OPENINGS: "65" })), 'config error: POAI_INFER_OPENINGS must be an integer 1..64, got "65"');
    assert.equal(message(() => parseConfig({}, { POAI_INFER_OPENINGS: "four" })), 'config error: POAI_INFER_OPENINGS must be an integer 1..64, got "four"');
    assert.equal(message(() => parseConfig({ inferOpenings: 2.5 })), "config error: inferOpenings (config file) must be an integer 1..64, got 2.5");
  });

  it("the production profile refuses to start without its own key; the devnet keeps Hardhat's", () => {
    const refusal = /^config error: POAI_ORACLE_KEY \(oracleKey\) must be set to this oracle's own key in the production profile/;
    assert.match(message(() => parseConfig({}, { POAI_PROFILE: "production" })), refusal);
    assert.match(message(() => parseConfig({ profile: "production" }, {})), refusal);
    // Setting the public key by hand is no better than leaving the default.
    assert.match(message(() => parseConfig({}, { POAI_PROFILE: "production", POAI_ORACLE_KEY: DEVNET_ORACLE_KEY.toUpperCase().replace("0X", "0x") })), refusal);
    assert.equal(parseConfig({}, { POAI_PROFILE: "production", POAI_ORACLE_KEY: OWN_KEY }).oracleKey, OWN_KEY);
    assert.equal(parseConfig({ profile: "production", oracleKey: OWN_KEY }, {}).oracleKey, OWN_KEY);
    assert.equal(parseConfig({}, {}).oracleKey, DEVNET_ORACLE_KEY);
  });

  it("an unknown profile is a named config error", () => {
    assert.equal(message(() => parseConfig({}, { POAI_PROFILE: "prod" })), 'config error: POAI_PROFILE must be one of devnet, production, got "prod"');
    assert.equal(message(() => parseConfig({ profile: "mainnet" })), 'config error: profile (config file) must be one of devnet, production, got "mainnet"');
    assert.throws(() => parseConfig({}, { POAI_PROFILE: "Production" }), (e: OracleError) => e.code === "OR001");
  });

  it("weights challenge kinds by repetition, up to MAX_CHALLENGE_KINDS entries", () => {
    assert.equal(parseConfig({}, { POAI_CHALLENGE_KINDS: "gemm,gemm,infer" }).challengeKinds.length, 3);
    assert.match(message(() => parseConfig({ challengeKinds: Array(MAX_CHALLENGE_KINDS + 1).fill("gemm") })), /challengeKinds/);
    assert.match(message(() => parseConfig({}, { POAI_CHALLENGE_KINDS: "gemm,fft" })), /POAI_CHALLENGE_KINDS/);
  });

  it("names a wrong environment value, its rule and what it got", () => {
    assert.equal(message(() => parseConfig({}, { POAI_EPOCH_CHALLENGES: "x" })), 'config error: POAI_EPOCH_CHALLENGES must be an integer 1..64, got "x"');
    assert.equal(message(() => parseConfig({}, { POAI_EPOCH_CHALLENGES: "65" })), 'config error: POAI_EPOCH_CHALLENGES must be an integer 1..64, got "65"');
    assert.match(message(() => parseConfig({}, { POAI_RPC_URL: "nope" })), /^config error: POAI_RPC_URL must be a URL, got "nope"$/);
    assert.match(message(() => parseConfig({}, { POAI_ORACLE_KEY: "0x12" })), /POAI_ORACLE_KEY must be a 32-byte 0x-hex string/);
    assert.match(message(() => parseConfig({}, { POAI_EPOCH_BUDGET: "-5" })), /POAI_EPOCH_BUDGET must be a decimal integer string/);
  });

  it("slashes an overclaim on its first condemnation by default, 1..10 condemned epochs in a row allowed", () => {
    assert.equal(parseConfig({}, {}).overclaimSlashAfterEpochs, 1);
    assert.equal(parseConfig({}, { POAI_OVERCLAIM_SLASH_AFTER_EPOCHS: "3" }).overclaimSlashAfterEpochs, 3);
    assert.equal(message(() => parseConfig({ overclaimSlashAfterEpochs: 0 })), "config error: overclaimSlashAfterEpochs (config file) must be an integer 1..10, got 0");
    assert.equal(message(() => parseConfig({}, { POAI_OVERCLAIM_SLASH_AFTER_EPOCHS: "11" })), 'config error: POAI_OVERCLAIM_SLASH_AFTER_EPOCHS must be an integer 1..10, got "11"');
  });

  it("names a wrong file value and rejects unknown keys", () => {
    assert.equal(message(() => parseConfig({ openings: 0 })), "config error: openings (config file) must be an integer 1..64, got 0");
    assert.match(message(() => parseConfig({ epochChalenges: 3 })), /unknown key\(s\) epochChalenges/);
    assert.match(message(() => parseConfig({ committee: [{ address: "0x1", url: "http://x" }] })), /committee/);
  });

  it("refuses proposer rotation with a judge window: no proposer would hold a node's earlier epochs", () => {
    const committee = [1, 2].map((i) => ({ address: "0x" + String(i).repeat(40), url: `http://127.0.0.1:${8000 + i}` }));
    assert.match(message(() => parseConfig({ committee, proposerRotation: true })), /proposerRotation needs judgeWindowEpochs 1/);
    assert.equal(parseConfig({ committee, proposerRotation: true, judgeWindowEpochs: 1 }).proposerRotation, true);
    assert.equal(parseConfig({ committee, judgeWindowEpochs: 3 }).judgeWindowEpochs, 3);
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
