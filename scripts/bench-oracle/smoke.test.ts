/**
 * The oracle benchmark's load generator against a real oracle process on a real devnet, small:
 * five nodes through one epoch of challenges. Every challenge must pass (honest reference
 * answers, real sessions, commitments and openings), none be voided or missed, and the
 * benchmark's CPU and metric readings must come back.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopAll } from "../devnet/children";
import { FIRST_OPERATOR_INDEX } from "../devnet/accounts";
import { startHardhatNode } from "../devnet/node";
import { benchFleetSize } from "./size";

const work = mkdtempSync(join(tmpdir(), "poai-bench-oracle-smoke-"));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test("five simulated nodes, one epoch: every challenge passes, none is voided or missed", { timeout: 150_000 }, async () => {
  const log = (m: string) => process.env.POAI_TEST_VERBOSE && console.log(m);
  const hardhat = await startHardhatNode({});
  const nodes = 5;
  const perEpoch = 2;
  const r = await benchFleetSize({
    rpcUrl: hardhat.url,
    nodes,
    workDir: work,
    epochSeconds: 15,
    genesisDelaySeconds: 8,
    oracleStartSeconds: 6,
    challengeEpochs: 1,
    idleSeconds: 0,
    epochChallenges: perEpoch,
    openings: 4,
    deadlineSlackMs: 8_000,
    loadProcesses: 1,
    openConcurrency: 8,
    operatorIndex: FIRST_OPERATOR_INDEX,
    log,
  });
  assert.equal(r.connect.sessions, nodes);
  assert.equal(r.epochs.challenges, nodes * perEpoch);
  assert.deepEqual(r.blame.verdicts, { pass: nodes * perEpoch });
  assert.equal(r.blame.missedByOracle, 0);
  assert.equal(r.blame.wrong, 0);
  assert.equal(r.epochs.nodeVerdicts.honest, nodes);
  assert.ok(r.epochs.cpuSeconds > 0, "the oracle's CPU is read from /proc");
  assert.ok(r.epochs.split.verification.seconds > 0, "verification time is read from /metrics");
  assert.ok(r.epochs.deliveryLagMs.p99 > 0);
});
