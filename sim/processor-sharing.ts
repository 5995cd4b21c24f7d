/**
 * One GPU shared by concurrent jobs (a sybil's identities answering challenges that overlap):
 * egalitarian processor sharing, each of the j running jobs progresses at 1/j of full speed.
 * Pure and exact for the piecewise-constant rates; O(J^2) for J jobs, bounded by MAX_SHARED_JOBS.
 */
import type { PoaiErrorOptions } from "../engine/errors";
import { SimError } from "./errors";

export const MAX_SHARED_JOBS = 256;

/** Arrivals or works that are not a valid job list (SM003). */
export class SharingError extends SimError {
  override name = "SharingError";

  constructor(shortMessage: string, opts?: PoaiErrorOptions) {
    super("SimSharingBadInput", shortMessage, opts);
  }
}

/** The number of jobs, once arrivals and works are a valid job list (SM003 otherwise). */
function checkJobs(arrivals: readonly number[], works: readonly number[]): number {
  const n = arrivals.length;
  if (n !== works.length) throw new SharingError("arrivals and works differ in length");
  if (n > MAX_SHARED_JOBS) throw new SharingError(`${n} jobs > ${MAX_SHARED_JOBS}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(arrivals[i]) || !(works[i] >= 0)) throw new SharingError(`job ${i} has a bad arrival or work`);
  }
  return n;
}

/** Completion times of jobs arriving at `arrivals` (ms) needing `works` ms of the whole GPU each. */
export function processorSharing(arrivals: readonly number[], works: readonly number[]): number[] {
  const n = checkJobs(arrivals, works);
  const order = [...arrivals.keys()].sort((a, b) => arrivals[a] - arrivals[b]);
  const left = works.slice();
  const done = new Array<number>(n).fill(NaN);
  const active: number[] = [];
  let t = order.length > 0 ? arrivals[order[0]] : 0;
  let next = 0;
  // Each pass either admits an arrival or completes a job: at most 2n passes.
  for (let pass = 0; pass < 2 * n + 1 && (next < n || active.length > 0); pass++) {
    if (active.length === 0) {
      t = Math.max(t, arrivals[order[next]]);
      active.push(order[next++]);
      continue;
    }
    const share = active.length;
    let soonest = active[0];
    for (const j of active) if (left[j] < left[soonest]) soonest = j;
    const finishAt = t + left[soonest] * share;
    const arriveAt = next < n ? arrivals[order[next]] : Infinity;
    const until = Math.min(finishAt, arriveAt);
    const progressed = (until - t) / share;
    for (const j of active) left[j] -= progressed;
    t = until;
    if (finishAt <= arriveAt) {
      left[soonest] = 0;
      done[soonest] = t;
      active.splice(active.indexOf(soonest), 1);
    } else {
      active.push(order[next++]);
    }
  }
  return done;
}

/**
 * Start times of jobs run one at a time, first come first served, each at the GPU's full speed
 * (a sybil serialising its identities' challenges): job i starts at max(its arrival, the end of
 * the job before it). Same inputs and bounds as processorSharing.
 */
export function firstComeFirstServed(arrivals: readonly number[], works: readonly number[]): number[] {
  const n = checkJobs(arrivals, works);
  // Ties in arrival keep the input order (a stable sort): the identity listed first goes first.
  const order = [...arrivals.keys()].sort((a, b) => arrivals[a] - arrivals[b]);
  const start = new Array<number>(n).fill(NaN);
  let free = -Infinity;
  for (const j of order) {
    start[j] = Math.max(arrivals[j], free);
    free = start[j] + works[j];
  }
  return start;
}
