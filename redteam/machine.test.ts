import { test } from "node:test";
import assert from "node:assert/strict";
import { AgentError } from "../agent/errors";
import { EmulatedMachine } from "./machine";

/** A machine of 1 GFLOP/s: a job of 0.2 GFLOP takes 200 ms of it. */
const JOB = 0.2e9;
const MS = 200;
/** Timers fire late on a loaded machine, never early; this much late is allowed. */
const LATE_MS = 150;

async function finishTimes(m: EmulatedMachine, jobs: number): Promise<number[]> {
  const t0 = performance.now();
  return Promise.all(Array.from({ length: jobs }, () => m.run(JOB, async () => undefined).then(() => performance.now() - t0)));
}

test("a serial machine runs its identities' jobs in turn, each at full speed", async () => {
  const done = await finishTimes(new EmulatedMachine(1, "serial"), 3);
  done.forEach((t, i) => assert.ok(t >= (i + 1) * MS - 2 && t <= (i + 1) * MS + LATE_MS, `job ${i} done at ${t.toFixed(0)} ms`));
});

test("a concurrent machine shares itself: two jobs at once both take twice as long", async () => {
  const done = await finishTimes(new EmulatedMachine(1, "concurrent"), 2);
  for (const t of done) assert.ok(t >= 2 * MS - 2 && t <= 2 * MS + LATE_MS, `done at ${t.toFixed(0)} ms`);
  // Alone, a job takes its own time.
  const [alone] = await finishTimes(new EmulatedMachine(1, "concurrent"), 1);
  assert.ok(alone >= MS - 2 && alone <= MS + LATE_MS, `alone at ${alone.toFixed(0)} ms`);
});

test("the answer waits for the real computation when it is slower than the machine", async () => {
  const m = new EmulatedMachine(1000, "serial");
  const t0 = performance.now();
  await m.run(JOB, () => new Promise((r) => setTimeout(r, 100)));
  assert.ok(performance.now() - t0 >= 99);
});

test("bad machines and jobs are named errors", async () => {
  assert.throws(() => new EmulatedMachine(0, "serial"), (e: unknown) => e instanceof AgentError && e.reason === "BadArgument");
  assert.throws(() => new EmulatedMachine(1, "sideways" as never), AgentError);
  await assert.rejects(new EmulatedMachine(1, "serial").run(-1, async () => 0), (e: unknown) => e instanceof AgentError && e.reason === "BadChallenge");
});
