/**
 * Benchmark: how long verification and judging hold the oracle's event loop, inline (on the main
 * thread, `verifyThreads` 0) against the worker pool (oracle/pool.ts).
 *
 *   npm run bench:pool [-- --threads T --answers A --n N --nodes M]
 *
 * 1. A burst of A gemm answers (one real answer of an N x N challenge, 20 openings, the
 *    production count) arriving as separate requests, verified through the oracle's GemmWork.
 * 2. One epoch's judgment of M nodes (18 challenges each, a window of 3 epochs, the production
 *    settings): the database reads on the main thread, then the per-node rules.
 * Meanwhile the main thread's event-loop delay is sampled (perf_hooks.monitorEventLoopDelay,
 * 1 ms resolution) and a 10 ms timer, standing in for challenge delivery, records how late it
 * fires. Prints one JSON object as its last line.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { keccak256, stringToBytes, type Address, type Hex } from "viem";
import { openGemm, runGemm } from "../engine/gemm/kernel";
import { gemmSharedSeed, generateGemmChallenge } from "../engine/gemm/spec";
import { encodeGemmOpening, encodeGemmSpec } from "../protocol/wire/gemm";
import { condemnedStreak, judgeEpochPlain, MAX_VERDICT_LOOKBACK, type PlainJudgeInput } from "../oracle/judging";
import { defaultVerifyThreads, WorkerPool } from "../oracle/pool";
import { insertChallenges, judgedChallenges, markIssued, storeAnswer, storeCommitment, windowRows, type JudgedRow } from "../oracle/store/challenges";
import { verdictHistory } from "../oracle/store/node-epochs";
import { openDb, type DB } from "../oracle/store/schema";
import type { VerifyArgs } from "../oracle/work";
import { GemmWork } from "../oracle/work-gemm";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const THREADS = arg("threads", defaultVerifyThreads());
const ANSWERS = arg("answers", 48);
const N = arg("n", 1024);
const NODES = arg("nodes", 150);
const ROUNDS = 18;
const WINDOW = 3;
const OPENINGS = 20;
const log = (m: string) => console.error(`[bench:pool] ${m}`);
const r1 = (x: number) => Math.round(x * 10) / 10;

/** Runs `f` while sampling the loop's delay and a 10 ms timer's lateness. */
async function watched<T>(f: () => Promise<T>): Promise<{ result: T; wallMs: number; loop: Record<string, number> }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let timerLateMax = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    timerLateMax = Math.max(timerLateMax, now - last - 10);
    last = now;
  }, 10);
  h.enable();
  // A few timer turns first, so both probes are sampling when the work starts.
  await new Promise((r) => setTimeout(r, 30));
  const t0 = performance.now();
  const result = await f();
  const wallMs = performance.now() - t0;
  // Two timer turns, so a last synchronous block is sampled too.
  await new Promise((r) => setTimeout(r, 25));
  h.disable();
  clearInterval(timer);
  const ms = (ns: number) => r1(ns / 1e6);
  return { result, wallMs: r1(wallMs), loop: { maxMs: ms(h.max), p99Ms: ms(h.percentile(99)), meanMs: ms(h.mean), timerLateMaxMs: r1(timerLateMax) } };
}

/** Requests arriving one per macrotask, all verified before the burst ends. */
function burst(work: GemmWork, a: VerifyArgs, count: number): Promise<boolean[]> {
  return new Promise((resolve, reject) => {
    const pending: Promise<boolean>[] = [];
    const next = (i: number) => {
      if (i === count) return void Promise.all(pending).then(resolve, reject);
      pending.push(work.verify(a.epochSeed, a.spec, a.root, a.openings, a.expected).then((v) => v.ok));
      setImmediate(() => next(i + 1));
    };
    next(0);
  });
}

/** An oracle database with WINDOW epochs of NODES nodes' answered challenges. */
function epochDb(): DB {
  const db = openDb(":memory:");
  const spec = JSON.stringify(encodeGemmSpec(generateGemmChallenge(keccak256(stringToBytes("spec")), { n: 4096, batch: 1, precision: "fp16" }, keccak256(stringToBytes("shared")))));
  for (let e = 1; e <= WINDOW; e++) {
    db.transaction(() => {
      const rows = [];
      for (let i = 0; i < NODES; i++) {
        const node = `0x${(i + 1).toString(16).padStart(40, "0")}`;
        const claim = JSON.stringify({ claim: { gflops: 100_000 }, operator: node, units: 4096, mflop: 137_000, expectedMs: 4_000 });
        for (let r = 0; r < ROUNDS; r++) {
          rows.push({ id: `e${e}n${i}r${r}`, epoch: e, node, round: r, kind: "gemm" as const, seed: keccak256(stringToBytes(`${e}:${i}:${r}`)), spec, claim, issue_at: r * 1000, deadline: r * 1000 + 9_000 });
        }
      }
      insertChallenges(db, rows);
      for (const row of rows) {
        markIssued(db, row.id, row.issue_at);
        // Honest nodes at 0.85 of what they have, a few slow ones.
        const ms = Number(row.node.slice(-2)) % 10 === 0 ? 9_000 : 3_400 + (row.round % 7) * 40;
        storeCommitment(db, row.id, ("0x" + "ab".repeat(32)) as Hex, row.issue_at + ms, [1, 2, 3]);
        storeAnswer(db, row.id, { answer: {}, openedAt: row.issue_at + ms + 50, verdict: "pass", reason: "ok", verifyMs: 1, evidence: null });
      }
    })();
  }
  return db;
}

/** The judge phase's reads (epoch/judge.ts), on the main thread in both modes. */
function judgeInput(db: DB, e: number): PlainJudgeInput {
  const rows = judgedChallenges(db, e);
  const priorCondemned: Record<string, number> = {};
  const earlier: Record<string, JudgedRow[]> = {};
  const operators: Record<string, Address> = {};
  for (const node of new Set(rows.map((c) => c.node))) {
    priorCondemned[node] = condemnedStreak(verdictHistory(db, node, e, MAX_VERDICT_LOOKBACK));
    earlier[node] = windowRows(db, node, e, WINDOW);
    operators[node] = node as Address;
  }
  return { rows, operators, options: { fraudSlashBps: 5000, overclaimSlashBps: 1000, overclaimSlashAfterEpochs: 1, nowMs: Date.now(), priorCondemned, earlier } };
}

async function main() {
  const epochSeed = keccak256(stringToBytes("bench pool epoch"));
  log(`one real ${N} x ${N} gemm answer (node kernel, CPU)`);
  const spec = generateGemmChallenge(keccak256(stringToBytes("bench pool")), { n: N, batch: 1, precision: "fp32" }, gemmSharedSeed(epochSeed, N));
  const run = await runGemm(spec, { executionProviders: ["cpu"] });
  const wire = encodeGemmSpec(spec);
  const indices = new GemmWork({ maxN: N }).chooseOpenings(wire, run.root, OPENINGS);
  const a: VerifyArgs = { epochSeed, spec: wire, root: run.root, openings: openGemm(run, indices).map(encodeGemmOpening), expected: indices };

  const pool = new WorkerPool({ threads: THREADS });
  const inline = new GemmWork({ maxN: N });
  const pooled = new GemmWork({ maxN: N }, pool);
  // Warm: the verifier key of the epoch in every thread, the workers' code.
  await inline.verify(a.epochSeed, a.spec, a.root, a.openings, a.expected);
  await burst(pooled, a, THREADS * 2);

  log(`${ANSWERS} verifications inline`);
  const vInline = await watched(() => burst(inline, a, ANSWERS));
  log(`${ANSWERS} verifications on ${THREADS} worker(s)`);
  const vPool = await watched(() => burst(pooled, a, ANSWERS));
  if (![...vInline.result, ...vPool.result].every(Boolean)) throw new Error("an honest answer did not verify");

  log(`judging ${NODES} nodes x ${ROUNDS} challenges, window ${WINDOW}`);
  const db = epochDb();
  const t0 = performance.now();
  const input = judgeInput(db, WINDOW);
  const readsMs = r1(performance.now() - t0);
  await pool.judge(input); // warm
  judgeEpochPlain(input);
  const jInline = await watched(async () => judgeEpochPlain(input));
  const jPool = await watched(() => pool.judge(input));
  if (JSON.stringify(jInline.result) !== JSON.stringify(jPool.result)) throw new Error("pool and inline verdicts differ");
  await pool.destroy();
  db.close();

  const strip = <T extends { result: unknown }>(x: T) => ({ ...x, result: undefined });
  console.log(
    JSON.stringify({
      bench: "pool",
      threads: THREADS,
      verify: { answers: ANSWERS, n: N, openings: OPENINGS, inline: strip(vInline), pool: strip(vPool) },
      judge: { nodes: NODES, rounds: ROUNDS, window: WINDOW, mainThreadReadsMs: readsMs, inline: strip(jInline), pool: strip(jPool) },
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
