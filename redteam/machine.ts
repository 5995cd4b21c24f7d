/**
 * An emulated machine of a known throughput, so that a red-team run's timing does not depend on
 * the CPU it runs on: every challenge is a job of its FLOPs on the machine, and its answer is
 * released when the machine would have finished it (and not before the real computation, which
 * runs meanwhile, has). The identities of one machine (a sybil set) share it:
 *  - "serial": one job at a time, first come first served, each at the machine's full speed (a
 *    set that serialises its identities' challenges, so each computes alone);
 *  - "concurrent": every job at once, each of j running jobs at 1/j of the speed (processor
 *    sharing, as a GPU time-slices the processes on it).
 * Timers only: nothing here busy-waits.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Challenge } from "../agent/client";
import { AgentError } from "../agent/errors";
import type { Solver } from "../agent/solver-types";
import { decodeGemmSpec } from "../protocol/wire/gemm";

export type Sharing = "serial" | "concurrent";
export const SHARINGS: readonly Sharing[] = ["serial", "concurrent"];

/** Most jobs on one machine at once (a sybil set's identities, one challenge each). */
export const MAX_MACHINE_JOBS = 64;

interface Job {
  left: number; // FLOPs
  done: () => void;
}

export class EmulatedMachine {
  private tail: Promise<void> = Promise.resolve();
  private readonly active: Job[] = [];
  private last = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly gflops: number,
    readonly sharing: Sharing,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!Number.isFinite(gflops) || gflops <= 0) throw new AgentError("BadArgument", `machine throughput must be a positive GFLOP/s, got ${gflops}`);
    if (!SHARINGS.includes(sharing)) throw new AgentError("BadArgument", `sharing must be ${SHARINGS.join(" or ")}, got ${sharing}`);
  }

  /** Runs `work` as a job of `flops`; resolves with its result once the machine has done the job. */
  async run<T>(flops: number, work: () => Promise<T>): Promise<T> {
    if (!Number.isFinite(flops) || flops < 0) throw new AgentError("BadChallenge", `a job of ${flops} FLOPs`);
    if (this.sharing === "serial") {
      const turn = this.tail;
      let release!: () => void;
      this.tail = new Promise<void>((r) => (release = r));
      await turn;
      try {
        const start = this.now();
        const out = await work();
        await sleep(Math.max(0, start + (flops / (this.gflops * 1e9)) * 1000 - this.now()));
        return out;
      } finally {
        release();
      }
    }
    if (this.active.length >= MAX_MACHINE_JOBS) throw new AgentError("BadChallenge", `more than ${MAX_MACHINE_JOBS} jobs on one machine`);
    const emulated = new Promise<void>((done) => {
      this.advance();
      this.active.push({ left: flops, done });
      this.arm();
    });
    const [out] = await Promise.all([work(), emulated]);
    return out;
  }

  /** Progress of every running job since the last look: each ran at 1/j of the machine. */
  private advance(): void {
    const t = this.now();
    const n = this.active.length;
    if (n > 0) {
      const each = (((t - this.last) / 1000) * this.gflops * 1e9) / n;
      for (const j of this.active) j.left -= each;
    }
    this.last = t;
    // Finished jobs leave (a bounded list: at most MAX_MACHINE_JOBS).
    for (let i = this.active.length - 1; i >= 0; i--) {
      if (this.active[i].left <= 0) this.active.splice(i, 1)[0].done();
    }
  }

  /** A timer at the next completion. */
  private arm(): void {
    clearTimeout(this.timer);
    if (this.active.length === 0) return;
    const soonest = Math.min(...this.active.map((j) => j.left));
    const ms = (Math.max(0, soonest) * this.active.length) / (this.gflops * 1e9) * 1000;
    this.timer = setTimeout(() => {
      this.advance();
      this.arm();
    }, Math.ceil(ms));
  }
}

/** FLOPs of a challenge (gemm: 2 n^3 per matrix of the batch). */
export function challengeFlops(ch: Challenge): number {
  if (ch.kind !== "gemm") throw new AgentError("BadChallenge", `the emulated machine runs gemm challenges only, got ${ch.kind}`);
  const spec = decodeGemmSpec(ch.spec);
  return 2 * spec.batch * spec.n ** 3;
}

/** `inner` (the agent's solver) running on `machine`: each challenge a job of its FLOPs. */
export function onMachine(machine: EmulatedMachine, inner: Solver): Solver {
  return {
    name: `${inner.name} on a ${machine.sharing} machine of ${machine.gflops} GFLOP/s`,
    solve: (ch) => machine.run(challengeFlops(ch), () => inner.solve(ch)),
  };
}
