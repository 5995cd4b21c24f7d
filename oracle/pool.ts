/**
 * The oracle's worker pool (piscina): answer verification and the judge's per-node rules run on
 * worker threads, so the event loop that commits seeds, delivers challenges and relays reports
 * is never held up by them. The tasks are pool-tasks.ts (also each worker's entry file); the
 * database stays on the main thread, which reads the inputs and writes the results.
 *
 * Sized from the config: `verifyThreads` workers (default one fewer than the cores, at least
 * one), all started at once and kept, so their verifier keys and models stay warm; 0 runs every
 * task inline on the main thread. At most `verifyQueueMax` tasks wait for a worker: one more is
 * refused with OR212, so a burst cannot grow memory without bound.
 *
 * Under tsx (the CLI, the demo, `node --import tsx --test`) the workers inherit the process's
 * execArgv, and with it tsx's loader, so they load the TypeScript entry file as the main thread
 * does; a process started without tsx in its execArgv gives its workers `--import tsx`.
 */
import { availableParallelism } from "node:os";
import path from "node:path";
import { Piscina } from "piscina";
import { OracleError } from "./errors";
import type { PlainJudgeInput } from "./judging";
import { runTask, type PoolResults, type PoolTask } from "./pool-tasks";
import type { NodeEpochInput } from "./report";
import type { ChallengeKind, VerifyArgs, VerifyResult, VerifyRunner } from "./work";

export const DEFAULT_VERIFY_QUEUE_MAX = 1_024;

/** The default pool size: one fewer than the cores, at least one. */
export function defaultVerifyThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** The worker entry file, with this module's own extension (.ts under tsx). */
const ENTRY = path.join(__dirname, `pool-tasks${path.extname(__filename)}`);

/** The workers' execArgv: the process's, plus tsx's loader when the entry is TypeScript and it lacks one. */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv, entry = ENTRY): string[] {
  const hasTsx = execArgv.some((a) => /tsx/.test(a));
  return entry.endsWith(".ts") && !hasTsx ? [...execArgv, "--import", "tsx"] : [...execArgv];
}

export const queueFull = (max: number) =>
  new OracleError("OR212", `worker pool queue full: ${max} tasks waiting`, { status: 503, details: { queue: "verify", max } });

export interface PoolOptions {
  /** Worker threads; 0 runs every task inline on the main thread. */
  threads?: number;
  /** Most tasks waiting for a worker. */
  maxQueue?: number;
}

export class WorkerPool implements VerifyRunner {
  readonly threads: number;
  readonly maxQueue: number;
  private readonly piscina?: Piscina<PoolTask, PoolResults[PoolTask["op"]]>;

  constructor(opts: PoolOptions = {}) {
    this.threads = opts.threads ?? defaultVerifyThreads();
    this.maxQueue = opts.maxQueue ?? DEFAULT_VERIFY_QUEUE_MAX;
    if (!Number.isInteger(this.threads) || this.threads < 0) throw new RangeError(`threads must be a non-negative integer, got ${this.threads}`);
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 1) throw new RangeError(`maxQueue must be a positive integer, got ${this.maxQueue}`);
    if (this.threads > 0) {
      this.piscina = new Piscina({
        filename: ENTRY,
        minThreads: this.threads,
        maxThreads: this.threads,
        maxQueue: this.maxQueue,
        execArgv: workerExecArgv(),
      });
    }
  }

  /**
   * Tasks waiting for a worker (0 inline): the `poai_queue_depth{queue="verify"}` gauge reads it
   * at scrape time.
   */
  get queueSize(): number {
    return this.piscina?.queueSize ?? 0;
  }

  /** Tasks its workers have completed (0 inline). */
  get completed(): number {
    return this.piscina?.completed ?? 0;
  }

  private async run(task: PoolTask): Promise<unknown> {
    if (!this.piscina) return runTask(task);
    if (this.piscina.queueSize >= this.maxQueue) throw queueFull(this.maxQueue);
    try {
      return await this.piscina.run(task);
    } catch (e) {
      // piscina's own bound (the same maxQueue) as a backstop, under the same name.
      if ((e as Error).message === "Task queue is at limit") throw queueFull(this.maxQueue);
      throw e;
    }
  }

  verify(kind: ChallengeKind, args: VerifyArgs): Promise<VerifyResult> {
    return this.run({ op: "verify", kind, args }) as Promise<VerifyResult>;
  }

  judge(input: PlainJudgeInput): Promise<NodeEpochInput[]> {
    return this.run({ op: "judge", input }) as Promise<NodeEpochInput[]>;
  }

  /** Ends the workers (tasks still queued are rejected). */
  async destroy(): Promise<void> {
    await this.piscina?.destroy();
  }
}
