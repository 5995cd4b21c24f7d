/** What the bench's driver and its load-generator processes tell each other (over Node's IPC channel). */
import type { FleetKey } from "./fleet";

export type ToLoad =
  | { t: "start"; oracleUrl: string; keys: FleetKey[]; openConcurrency: number }
  /** Close every session and report. */
  | { t: "stop" };

/** One challenge as the simulated node lived it (wall-clock ms; the deadline on the oracle's chain clock). */
export interface ChallengeTrace {
  id: string;
  epoch: number;
  deadline: number;
  received: number;
  computeMs: number;
  commitSent?: number;
  openSent?: number;
  answered?: number;
  verdict?: string;
  error?: string;
}

export type FromLoad =
  | { t: "connected"; sessions: number; failed: number; seconds: number }
  | { t: "stats"; traces: ChallengeTrace[]; cpuSeconds: number; warnings: Record<string, number>; samples: string[] };
