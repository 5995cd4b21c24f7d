/**
 * The epoch loop as a reconciliation loop. Every pass compares what should be true with what is
 * true, on chain and in the database, and takes the next step for each epoch; no step depends on
 * having seen an event, so a crash or a missed pass heals on the next one:
 *
 *   seed      next epoch (if this oracle proposes it): secret seed (derived from the oracle's key)
 *             stored, then committed on chain; a committed epoch without a row is recovered (the
 *             current and next; an ended one is logged as lost, once after a start)
 *   schedule  current epoch, once its commitment is on chain: plan K rounds, each issued to every
 *             active node at one secret time drawn from the epoch's secret randomness, up to the last moment a
 *             challenge can still be answered before the epoch's end
 *   judge     ended epochs: close unanswered challenges, judge every node, compute rewards, build
 *             the report (stored with its inputs)
 *   report    own signature, then the committee's, until quorum; then submitReport unless the
 *             chain already has a report for the epoch
 *   finalize  once the dispute window has closed
 *
 * One module per phase (epoch/seed.ts, schedule.ts, judge.ts, report.ts, finalize.ts), called in
 * this order every pass; the secret draws are epoch/draws.ts. Judging runs beside the passes,
 * not in them: a pass starts it when none is running and goes on, so the next seed commitment,
 * the schedule and the relay never wait for the judge's rules (which run in the worker pool); the
 * report it builds is taken up by the next pass.
 *
 * Epoch e spans [genesis + e*len, genesis + (e+1)*len) in chain time; the oracle follows it with
 * its own clock (a devnet's block time follows the wall clock).
 */
import type { Address } from "viem";
import { pruneNonces } from "./auth";
import { pruneProcessReports } from "./processes";
import { proposerOf } from "./committee";
import type { OracleError } from "./errors";
import type { EpochLoop, SchedulerDeps } from "./epoch/context";
import { reconcileFinalization } from "./epoch/finalize";
import { reconcileJudgement } from "./epoch/judge";
import { reconcileReports } from "./epoch/report";
import { reconcileSchedule } from "./epoch/schedule";
import { reconcileSeeds, reportLostEpochs } from "./epoch/seed";

export type { SchedulerDeps } from "./epoch/context";

/**
 * A step that ended on OR215 waited for the chain (a call it refuses until its time comes): not
 * a fault. It is logged at info the first time for its purpose and at debug after, and it leaves
 * `poai_reconcile_errors_total` and the health's last error alone.
 */
const isWaiting = (e: unknown) => (e as OracleError | undefined)?.code === "OR215";

/** A phase slower than this is logged (it delays every later phase of the pass), ms. */
const SLOW_STEP_MS = 2_000;

export class Scheduler implements EpochLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private judging?: Promise<void>;
  private stopped = false;
  clock?: { genesis: number; length: number };
  lastPassAt = 0;
  lastError?: string;
  readonly now: () => number;
  private readonly warned = new Set<string>();
  /** Purposes whose wait was logged at info (later waits of the same purpose go to debug). */
  private readonly waits = new Set<string>();
  /** Ended epochs lost with a database are looked for once after a start (epoch/seed.ts). */
  private lostEpochsChecked = false;
  /** Called at the start of each pass, once the clock is aligned to the chain (delivery starts on the first). */
  onPassStart?: (nowMs: number) => void;
  /** Called after the schedule step (delivery looks at the plan again). */
  onPlanned?: () => void;

  constructor(readonly d: SchedulerDeps) {
    this.now = () => d.clock.now();
  }

  epochAt(ms: number): number {
    const c = this.clock!;
    return Math.floor((ms / 1000 - c.genesis) / c.length);
  }
  epochStartMs(e: number): number {
    return (this.clock!.genesis + e * this.clock!.length) * 1000;
  }
  epochLengthMs(): number {
    return this.clock!.length * 1000;
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.pass().catch((e) => {
        this.lastError = (e as Error).message;
        this.d.metrics.reconcileErrors.inc({ step: "pass" });
        this.d.log.error("reconcile.failed", { code: (e as OracleError).code, err: e });
      });
      await this.running;
      if (!this.stopped) this.timer = setTimeout(loop, this.d.cfg.pollIntervalMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.judging;
  }

  /** Resolves once the judging a pass started (if any) has ended. */
  async judged(): Promise<void> {
    await this.judging;
  }

  /** One reconciliation pass. Each step's failure is logged and retried on the next pass. */
  async pass(): Promise<void> {
    if (!this.clock) this.clock = await this.d.chain.epochClock();
    this.d.clock.observe(await this.d.chain.blockTime());
    const nowMs = this.now();
    const cur = this.epochAt(nowMs);
    this.d.log.debug("reconcile.pass", { epoch: cur, chainMs: nowMs, leadMs: this.d.clock.leadMs });
    this.onPassStart?.(nowMs);
    const committee = await this.d.chain.committee();
    const step = async (name: string, fn: () => Promise<void>) => {
      const t0 = performance.now();
      try {
        await fn();
        const ms = performance.now() - t0;
        this.d.metrics.reconcileStepSeconds.observe(ms / 1000, { step: name });
        if (ms > SLOW_STEP_MS) this.d.log.warn("reconcile.slow_step", { step: name, ms: Math.round(ms) });
      } catch (e) {
        if (isWaiting(e)) {
          const { purpose, errorName } = (e as OracleError).details as { purpose: string; errorName: string };
          const first = !this.waits.has(purpose);
          if (first) {
            if (this.waits.size > 1_000) this.waits.clear();
            this.waits.add(purpose);
          }
          this.d.log[first ? "info" : "debug"]("reconcile.waiting", { step: name, code: "OR215", purpose, errorName });
          return;
        }
        this.d.metrics.reconcileErrors.inc({ step: name });
        this.lastError = `${name}: ${(e as Error).message}`;
        this.d.log.error("reconcile.step_failed", { step: name, code: (e as OracleError).code, err: e });
      }
    };
    if (!this.lostEpochsChecked) {
      await step("lost", async () => {
        await reportLostEpochs(this, cur, committee.members);
        this.lostEpochsChecked = true;
      });
    }
    await step("seed", () => reconcileSeeds(this, cur, committee.members));
    await step("schedule", () => reconcileSchedule(this, cur));
    this.onPlanned?.();
    this.judging ??= step("judge", () => reconcileJudgement(this, cur, nowMs, committee.configVersion, committee.members)).finally(() => {
      this.judging = undefined;
    });
    await step("report", () => reconcileReports(this, committee));
    await step("finalize", () => reconcileFinalization(this));
    // Transactions whose purpose the chain already shows achieved get their receipts here.
    await step("relay", () => this.d.relay.settle());
    this.d.relay.recordTransactionCounts();
    pruneNonces(this.d.db, nowMs, this.d.cfg.clockSkewMs);
    // Process reports carry the agents' wall clock: pruned by the oracle's wall clock.
    pruneProcessReports(this.d.db, this.d.clock.wallMs(), this.d.cfg.processRetentionMs);
    this.lastPassAt = nowMs;
  }

  warnOnce(key: string, event: string, fields: Record<string, unknown>) {
    if (this.warned.has(key)) return;
    if (this.warned.size > 1_000) this.warned.clear();
    this.warned.add(key);
    this.d.log.warn(event, fields);
  }

  isProposer(epoch: number, members: readonly Address[]): boolean {
    if (members.length === 0) return false;
    return proposerOf(epoch, members, this.d.cfg.proposerRotation).toLowerCase() === this.d.account.address.toLowerCase();
  }
}
