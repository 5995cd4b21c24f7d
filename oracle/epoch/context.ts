/**
 * What every phase of the epoch loop (seed, schedule, judge, report, finalize) is given: the
 * oracle's parts and the loop's view of the epoch clock. The loop itself is scheduler.ts.
 */
import type { Address, Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import type { Chain } from "../chain";
import type { ChainClock } from "../clock";
import type { Committee } from "../committee";
import type { OracleConfig } from "../config";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import type { WorkerPool } from "../pool";
import type { Relay } from "../relay";
import type { DB } from "../store/schema";
import type { Work } from "../work";

/** Ended epochs the loop still works on at once (older ones are left as they are). */
export const MAX_BACKLOG_EPOCHS = 16;

export interface SchedulerDeps {
  cfg: OracleConfig;
  db: DB;
  chain: Chain;
  relay: Relay;
  account: PrivateKeyAccount;
  /** This member's durable secret (protocol/keys.ts memberSecret of `cfg.oracleKey`): its seeds derive from it. */
  memberSecret: Hex;
  work: Work;
  committee: Committee;
  log: Logger;
  metrics: Metrics;
  clock: ChainClock;
  /** Where the judge's per-node rules run (worker threads, or inline). */
  pool: WorkerPool;
}

/** The committee as one pass reads it. */
export interface CommitteeView {
  members: Address[];
  quorum: number;
  configVersion: bigint;
}

export interface EpochLoop {
  readonly d: SchedulerDeps;
  /** Chain-aligned time, ms. */
  now(): number;
  epochStartMs(e: number): number;
  epochLengthMs(): number;
  /** Whether this oracle proposes epoch `e` (commits its seed, runs and reports it). */
  isProposer(e: number, members: readonly Address[]): boolean;
  /** Logs a warning once per `key` (bounded memory). */
  warnOnce(key: string, event: string, fields: Record<string, unknown>): void;
}
