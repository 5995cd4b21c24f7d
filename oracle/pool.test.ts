/**
 * The worker pool: real gemm and infer answers verified on worker threads give the verdicts the
 * main thread gives (an honest answer and a tampered one), the judge's rules give the same node
 * verdicts over the same rows, a full queue is OR212, and the workers load the TypeScript entry
 * under `node --import tsx --test` (this file) and under the tsx CLI (a child process).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { keccak256, stringToBytes, type Address, type Hex } from "viem";
import { openGemm, runGemm } from "../engine/gemm/kernel";
import { gemmSharedSeed, generateGemmChallenge } from "../engine/gemm/spec";
import { loadEmbeddedModel, openInfer, runInfer, type CausalLm, type InferChallenge } from "../engine/llm";
import { encodeGemmOpening, encodeGemmSpec } from "../protocol/wire/gemm";
import { OracleError } from "./errors";
import { judgeEpoch, type PlainJudgeInput } from "./judging";
import { WorkerPool, workerExecArgv } from "./pool";
import type { JudgedRow } from "./store/challenges";
import type { VerifyArgs } from "./work";
import { GemmWork } from "./work-gemm";
import { InferWork } from "./work-infer";

const EPOCH_SEED = keccak256(stringToBytes("pool test epoch"));
const N = 128;
const K = 8;

/** A real gemm answer (the node kernel on the CPU): honest openings and one made-up row. */
async function gemmAnswer(): Promise<{ honest: VerifyArgs; tampered: VerifyArgs }> {
  const spec = generateGemmChallenge(keccak256(stringToBytes("pool gemm")), { n: N, batch: 2, precision: "fp32" }, gemmSharedSeed(EPOCH_SEED, N));
  const run = await runGemm(spec, { executionProviders: ["cpu"], intraOpNumThreads: 1 });
  const wire = encodeGemmSpec(spec);
  const indices = new GemmWork({ maxN: N }).chooseOpenings(wire, run.root, K);
  const opened = openGemm(run, indices);
  const honest = opened.map(encodeGemmOpening);
  const tampered = opened.map((o, i) => encodeGemmOpening(i === 0 ? { ...o, row: o.row.map((x) => x + 1) } : o));
  const args = (openings: Record<string, unknown>[]) => ({ epochSeed: EPOCH_SEED, spec: wire, root: run.root, openings, expected: indices });
  return { honest: args(honest), tampered: args(tampered) };
}

const verifyWith = (w: GemmWork, a: VerifyArgs) => w.verify(a.epochSeed, a.spec, a.root, a.openings, a.expected);

describe("worker pool", { timeout: 120_000 }, () => {
  const pool = new WorkerPool({ threads: 2, maxQueue: 64 });
  let gemm: { honest: VerifyArgs; tampered: VerifyArgs };
  before(async () => {
    gemm = await gemmAnswer();
  });
  after(() => pool.destroy());

  it("verifies a real gemm answer on a worker thread with the main thread's verdicts, honest and tampered", async () => {
    const inline = new GemmWork({ maxN: N });
    const pooled = new GemmWork({ maxN: N }, pool);
    const before = pool.completed;
    const [ok, bad] = await Promise.all([verifyWith(pooled, gemm.honest), verifyWith(pooled, gemm.tampered)]);
    assert.equal(pool.completed - before, 2, "both ran on the pool's workers");
    assert.equal(ok.ok, true, ok.reason);
    assert.equal(bad.ok, false);
    assert.equal(bad.fraud, true);
    assert.match(bad.evidence ?? "", /^0x[0-9a-f]{64}$/);
    assert.deepEqual(ok, await verifyWith(inline, gemm.honest));
    assert.deepEqual(bad, await verifyWith(inline, gemm.tampered));
  });

  it("a verifier error in a worker rejects with the main thread's message", async () => {
    const broken = { ...gemm.honest, spec: { ...gemm.honest.spec, n: 100 } };
    const inline = await verifyWith(new GemmWork({ maxN: N }), broken).catch((e: Error) => e.message);
    const pooled = await pool.verify("gemm", broken).catch((e: Error) => e.message);
    assert.match(String(inline), /WireBadGemmSpec|PR00/);
    assert.equal(pooled, inline);
  });

  it("verifies a real infer answer on a worker thread (the worker loads its own model) with the main thread's verdicts", async () => {
    const opts = { promptLen: 16, poolSize: 16, maxBatch: 8, minBatch: 8 };
    const planner = new InferWork(opts);
    let node: CausalLm | undefined;
    try {
      const plan = await planner.plan(EPOCH_SEED, keccak256(stringToBytes("pool infer")), { gpuModel: 0, gpuCount: 1, gflops: 1, vramMiB: 1024, region: "0x0000000000000000" as Hex }, 50);
      node = await loadEmbeddedModel({ executionProviders: ["cpu"], intraOpNumThreads: 1 });
      const answer = await runInfer(node, plan.spec as unknown as InferChallenge);
      const indices = planner.chooseOpenings(plan.spec, answer.root, 3);
      const honest = openInfer(answer, indices) as unknown as Record<string, unknown>[];
      const forged = openInfer(answer, indices).map((o, i) =>
        i === 1 ? { ...o, fingerprint: { ids: o.fingerprint.ids, q: o.fingerprint.q.map((row) => row.map((x) => x + 4000)) } } : o,
      ) as unknown as Record<string, unknown>[];
      const pooled = new InferWork(opts, pool);
      const before = pool.completed;
      const ok = await pooled.verify(EPOCH_SEED, plan.spec, answer.root, honest, indices);
      const bad = await pooled.verify(EPOCH_SEED, plan.spec, answer.root, forged, indices);
      assert.equal(pool.completed - before, 2);
      assert.equal(ok.ok, true, ok.reason);
      assert.equal(ok.records?.length, 3);
      assert.equal(bad.fraud, true);
      assert.deepEqual(ok, await planner.verify(EPOCH_SEED, plan.spec, answer.root, honest, indices));
      assert.deepEqual(bad, await planner.verify(EPOCH_SEED, plan.spec, answer.root, forged, indices));
    } finally {
      await planner.close();
      await node?.release();
    }
  });
});

describe("a full queue", () => {
  it("refuses the task beyond verifyQueueMax with OR212 and runs the ones it took", async () => {
    const pool = new WorkerPool({ threads: 1, maxQueue: 1 });
    try {
      const { honest } = await gemmAnswer();
      await pool.verify("gemm", honest); // the worker is up and idle
      const running = pool.verify("gemm", honest);
      const queued = pool.verify("gemm", honest);
      assert.equal(pool.queueSize, 1);
      await assert.rejects(pool.verify("gemm", honest), (e: unknown) => e instanceof OracleError && e.code === "OR212" && e.status === 503);
      for (const r of await Promise.all([running, queued])) assert.equal(r.ok, true, r.reason);
      assert.equal(pool.queueSize, 0);
    } finally {
      await pool.destroy();
    }
  });
});

describe("judging in the pool", () => {
  const OP = "0x00000000000000000000000000000000000000bb" as Address;
  const node = (i: number) => `0x${(0xa0 + i).toString(16).padStart(40, "0")}`;
  /** One record: `ms` from pick-up to commitment against 1 s expected at the claim. */
  const row = (n: string, epoch: number, round: number, verdict: string | null, ms: number | null, claim = 100): JudgedRow => ({
    epoch, node: n, round, kind: "gemm", spec: JSON.stringify({ epoch, round, n }),
    claim: JSON.stringify({ claim: { gflops: claim }, operator: OP, units: 100, mflop: 1000, expectedMs: 1000 }),
    issued_at: ms === null ? null : 1_000, deadline: 9_000, committed_at: ms === null ? null : 1_000 + ms,
    verdict: verdict as JudgedRow["verdict"], evidence: verdict === "fraud" ? (("0x" + "ee".repeat(32)) as Hex) : null,
  });
  const rounds = (n: string, epoch: number, verdict: string | null, ms: number | null) => Array.from({ length: 18 }, (_, r) => row(n, epoch, r, verdict, ms));
  // Honest, fraudulent, unavailable, a third of its claim, a 15 % overclaim judged with its window.
  const rows = [
    ...rounds(node(0), 3, "pass", 800),
    ...rounds(node(1), 3, "pass", 800).map((r, i) => (i === 5 ? { ...r, verdict: "fraud" as const, evidence: ("0x" + "ee".repeat(32)) as Hex } : r)),
    ...rounds(node(2), 3, null, null),
    ...rounds(node(3), 3, "pass", 3_000),
    ...rounds(node(4), 3, "pass", 1_150),
  ];
  const earlier: Record<string, JudgedRow[]> = { [node(4)]: [...rounds(node(4), 1, "pass", 1_150), ...rounds(node(4), 2, "pass", 1_150)] };
  const priorCondemned: Record<string, number> = { [node(3)]: 2 };
  const operators: Record<string, Address> = { [node(0)]: "0x00000000000000000000000000000000000000c0" };
  const options = { fraudSlashBps: 5000, overclaimSlashBps: 1500, overclaimSlashAfterEpochs: 3, nowMs: 10_000 };
  const plain: PlainJudgeInput = { rows, operators, options: { ...options, priorCondemned, earlier } };

  it("gives the verdicts judgeEpoch gives over the same rows, on a worker and inline", async () => {
    const expected = judgeEpoch(rows, new Map(Object.entries(operators).map(([n, operator]) => [n, { operator }])), {
      ...options,
      priorCondemned: new Map(Object.entries(priorCondemned)),
      earlier: (n) => earlier[n] ?? [],
    });
    assert.deepEqual(expected.map((n) => n.verdict), ["honest", "fraudulent", "unavailable", "under-delivering", "under-delivering"]);
    assert.ok(expected[3].slash && expected[4].slash === undefined, "the third condemnation in a row is slashed, a first one is not");
    const pool = new WorkerPool({ threads: 1 });
    try {
      assert.deepEqual(await pool.judge(plain), expected);
      assert.equal(pool.completed, 1);
    } finally {
      await pool.destroy();
    }
    const inline = new WorkerPool({ threads: 0 });
    assert.deepEqual(await inline.judge(plain), expected);
    assert.equal(inline.completed, 0);
  });
});

describe("loading the workers", () => {
  it("adds tsx's loader only for a TypeScript entry in a process started without it", () => {
    assert.deepEqual(workerExecArgv([], "/o/pool-tasks.ts"), ["--import", "tsx"]);
    assert.deepEqual(workerExecArgv(["--import", "tsx"], "/o/pool-tasks.ts"), ["--import", "tsx"]);
    assert.deepEqual(workerExecArgv(["--require", "/n/tsx/dist/preflight.cjs", "--import", "file:///n/tsx/dist/loader.mjs"], "/o/pool-tasks.ts").length, 4);
    assert.deepEqual(workerExecArgv(["--max-old-space-size=4096"], "/o/pool-tasks.js"), ["--max-old-space-size=4096"]);
  });

  it("a process run by the tsx CLI verifies through its workers", { timeout: 120_000 }, async () => {
    const { honest, tampered } = await gemmAnswer();
    const dir = mkdtempSync(path.join(tmpdir(), "poai-pool-"));
    try {
      writeFileSync(path.join(dir, "args.json"), JSON.stringify([honest, tampered]));
      writeFileSync(
        path.join(dir, "run.ts"),
        `import { readFileSync } from "node:fs";
        import { WorkerPool } from ${JSON.stringify(path.join(__dirname, "pool.ts"))};
        const pool = new WorkerPool({ threads: 1 });
        const args = JSON.parse(readFileSync(${JSON.stringify(path.join(dir, "args.json"))}, "utf8"));
        Promise.all(args.map((a: never) => pool.verify("gemm", a))).then(async (v) => {
          process.stdout.write(JSON.stringify({ verdicts: v, completed: pool.completed }));
          await pool.destroy();
        });`,
      );
      const out = JSON.parse(execFileSync(path.join(__dirname, "../node_modules/.bin/tsx"), [path.join(dir, "run.ts")], { encoding: "utf8", timeout: 90_000 }));
      const inline = new GemmWork({ maxN: N });
      assert.equal(out.completed, 2);
      assert.deepEqual(out.verdicts, [await verifyWith(inline, honest), await verifyWith(inline, tampered)]);
      assert.equal(out.verdicts[0].ok, true);
      assert.equal(out.verdicts[1].fraud, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
